// Value: the interpreter's run-time value, one 16-byte slot.
//
// Every variable of a frame, every shadow variable of `set`/`get`, and every
// heap cell is a Slot. The payload is read according to the tag; the tag is
// written with every value so that the few places that must inspect a value's
// run-time type (print, checked operands of ill-typed programs, heap cells,
// `any`) can, while the fast paths the lowering proves safe never read it.
//
// A pointer is (allocation base, element offset, run-time element type): the
// element type comes from the `alloc` that made it and is what `store` checks
// against, exactly as the reference interpreter does.
#pragma once

#include "ir/Type.h"

#include <cstdint>

namespace brisk::interp {

enum class Tag : uint8_t {
  Unset = 0, // never assigned in this frame (reading it is "undefined variable")
  Int,
  Bool,
  Float,
  Char,
  Ptr,
  Undef, // the value of an `undef` instruction
};

struct Slot {
  union {
    int64_t i;    // Int, Bool (0/1), Char (code point), Ptr (offset)
    double f;     // Float
  };
  uint32_t base;  // Ptr: allocation number
  Type elem;      // Ptr: run-time element type
  Tag tag;
  uint8_t pad_;
};
static_assert(sizeof(Slot) == 16, "slots are copied as two words");

// The tag a value of static type `t` carries; Unset for `any`/none.
constexpr Tag tagOf(Type t) {
  if (t.isPtr())
    return Tag::Ptr;
  switch (t.base()) {
  case BaseType::Int: return Tag::Int;
  case BaseType::Bool: return Tag::Bool;
  case BaseType::Float: return Tag::Float;
  case BaseType::Char: return Tag::Char;
  default: return Tag::Unset;
  }
}

// The reference interpreter's typeCheck(value, type): pointers match any
// pointer type regardless of element type; `any` matches everything.
constexpr bool valueMatches(Tag tag, Type t) {
  if (t.isPtr())
    return tag == Tag::Ptr;
  if (t.base() == BaseType::Any)
    return true;
  return tag == tagOf(t) && tag != Tag::Unset;
}

} // namespace brisk::interp
