// Symbol: an interned name, one pointer wide. What an instruction calls
// (Instr::callee) is a Symbol rather than a std::string: most instructions
// are not calls, and a 32-byte string in every one of them made the
// instruction a third larger and every copy of a function copy (and free) a
// string per instruction.
//
// Names live in a process-wide pool that is never freed, so a Symbol is a
// plain pointer: copying it is free, two Symbols compare by identity, and the
// empty name is the null pointer (a default Symbol). It reads like the
// std::string it replaced: it converts implicitly to const std::string&,
// std::string_view and llvm::StringRef, compares with strings, prints, and
// takes a string by assignment. Construction from a string is explicit, so a
// comparison with a string never interns that string.
#pragma once

#include <llvm/ADT/StringRef.h>

#include <compare>
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace brisk {

class Symbol {
public:
  constexpr Symbol() = default;
  explicit Symbol(std::string_view name) : str_(intern(name)) {}
  explicit Symbol(const std::string &name) : str_(intern(name)) {}
  explicit Symbol(const char *name) : str_(intern(name)) {}

  Symbol &operator=(std::string_view name) { str_ = intern(name); return *this; }
  Symbol &operator=(const std::string &name) { str_ = intern(name); return *this; }
  Symbol &operator=(const char *name) { str_ = intern(name); return *this; }

  bool empty() const { return str_ == nullptr; }
  size_t size() const { return str().size(); }
  const std::string &str() const { return str_ ? *str_ : emptyString(); }
  const char *c_str() const { return str().c_str(); }
  const char *data() const { return str().data(); }

  operator const std::string &() const { return str(); }
  operator std::string_view() const { return str(); }
  operator llvm::StringRef() const { return llvm::StringRef(str()); }

  friend bool operator==(Symbol a, Symbol b) { return a.str_ == b.str_; }
  friend bool operator==(Symbol a, std::string_view b) { return a.str() == b; }
  friend bool operator==(Symbol a, const std::string &b) { return a.str() == b; }
  friend bool operator==(Symbol a, const char *b) { return a.str() == b; }
  friend std::strong_ordering operator<=>(Symbol a, Symbol b) {
    return std::string_view(a.str()) <=> std::string_view(b.str());
  }
  friend std::strong_ordering operator<=>(Symbol a, std::string_view b) {
    return std::string_view(a.str()) <=> b;
  }
  friend std::strong_ordering operator<=>(Symbol a, const std::string &b) {
    return std::string_view(a.str()) <=> std::string_view(b);
  }
  friend std::strong_ordering operator<=>(Symbol a, const char *b) {
    return std::string_view(a.str()) <=> std::string_view(b);
  }

  friend std::string operator+(const std::string &a, Symbol b) { return a + b.str(); }
  friend std::string operator+(std::string &&a, Symbol b) { return std::move(a) + b.str(); }
  friend std::string operator+(const char *a, Symbol b) { return a + b.str(); }
  friend std::string operator+(Symbol a, const std::string &b) { return a.str() + b; }
  friend std::string operator+(Symbol a, const char *b) { return a.str() + b; }

  friend std::ostream &operator<<(std::ostream &os, Symbol s);

  // nlohmann::json writes a Symbol as its string (found by argument-dependent
  // lookup; a template so that this header need not include the JSON library).
  template <typename Json> friend void to_json(Json &j, Symbol s) { j = s.str(); }

  // Identity, for hashing.
  const void *id() const { return str_; }

private:
  // The pooled copy of `name`; nullptr for the empty name.
  static const std::string *intern(std::string_view name);
  static const std::string &emptyString();

  const std::string *str_ = nullptr;
};

} // namespace brisk

template <> struct std::hash<brisk::Symbol> {
  size_t operator()(brisk::Symbol s) const noexcept { return std::hash<const void *>{}(s.id()); }
};
