// Type: a Bril type. Bril has four base types (int, bool, float, char) and one
// type constructor, ptr<T>, which may nest to any depth. The reference
// interpreter also knows `any` (the dynamic-typing extension): a value of any
// type, checked only at run time; the type checker treats it as compatible
// with every type. `any` is not in the language documentation, but the
// conformance programs interp/dynamic/* use it. A type is therefore a
// base plus a pointer depth, which keeps it a two-byte value that compares and
// hashes trivially.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace brisk {

enum class BaseType : uint8_t { None, Int, Bool, Float, Char, Any };

class Type {
public:
  constexpr Type() = default;
  constexpr Type(BaseType base, uint8_t ptrDepth = 0) : base_(base), depth_(ptrDepth) {}

  static constexpr Type none() { return Type(); }
  static constexpr Type intTy() { return Type(BaseType::Int); }
  static constexpr Type boolTy() { return Type(BaseType::Bool); }
  static constexpr Type floatTy() { return Type(BaseType::Float); }
  static constexpr Type charTy() { return Type(BaseType::Char); }

  // The deepest pointer nesting brisk represents. Deeper types are rejected by
  // the frontend with a clear error rather than silently truncated.
  static constexpr unsigned kMaxPtrDepth = 255;

  constexpr bool isNone() const { return base_ == BaseType::None; }
  constexpr bool isPtr() const { return depth_ > 0; }
  constexpr BaseType base() const { return base_; }
  constexpr unsigned ptrDepth() const { return depth_; }

  constexpr bool isInt() const { return base_ == BaseType::Int && depth_ == 0; }
  constexpr bool isBool() const { return base_ == BaseType::Bool && depth_ == 0; }
  constexpr bool isFloat() const { return base_ == BaseType::Float && depth_ == 0; }
  constexpr bool isChar() const { return base_ == BaseType::Char && depth_ == 0; }
  constexpr bool isAny() const { return base_ == BaseType::Any && depth_ == 0; }

  // ptr<T> -> T. Requires isPtr().
  constexpr Type pointee() const { return Type(base_, uint8_t(depth_ - 1)); }
  // T -> ptr<T>. Requires ptrDepth() < kMaxPtrDepth.
  constexpr Type pointerTo() const { return Type(base_, uint8_t(depth_ + 1)); }

  friend constexpr bool operator==(Type a, Type b) {
    return a.base_ == b.base_ && a.depth_ == b.depth_;
  }
  friend constexpr bool operator!=(Type a, Type b) { return !(a == b); }

  // Text-format spelling: "int", "ptr<ptr<float>>"; "void" for none.
  std::string toString() const;

private:
  BaseType base_ = BaseType::None;
  uint8_t depth_ = 0;
};

// "int" -> Int, ..., "any" -> Any; BaseType::None for anything else.
BaseType baseTypeFromName(std::string_view name);
const char *baseTypeName(BaseType base);

} // namespace brisk

template <> struct std::hash<brisk::Type> {
  size_t operator()(brisk::Type t) const noexcept {
    return (size_t(t.base()) << 8) | t.ptrDepth();
  }
};
