// JsNumbers: the reference interpreter's number conventions, which come from
// JavaScript rather than C.
//
//  * formatFloat: how brili prints a float: `toFixed(17)` unless |log10|x||
//    >= 10, then `toExponential(17)`; -0 prints as "-0.00000000000000000";
//    NaN and infinities as "NaN", "Infinity", "-Infinity". JavaScript rounds
//    the exact binary value half away from zero; C's printf rounds half to
//    even, so the digits are rounded here by hand.
//  * parseMainArgument: how brili turns a command-line string into `main`'s
//    argument of type int (`BigInt(Number(s))`: JavaScript number syntax,
//    including hex/octal/binary prefixes, surrounding white space, and
//    rounding to a double), float (`parseFloat` and `Number` must agree),
//    bool ("true"/"false") or char (exactly one code point).
#pragma once

#include "interp/Value.h"

#include <optional>
#include <string>
#include <string_view>

namespace brisk::interp {

std::string formatFloat(double value);

// JavaScript's `${type}` for a Bril type in brili's messages: "int",
// "[object Object]" for pointer types, "undefined" for none.
std::string jsTypeName(Type type);

// UTF-8 encoding of a code point.
void appendUtf8(std::string &out, uint32_t codePoint);

// On failure returns nullopt and sets `error` to brili's message (for int
// arguments that are not integers, where brili crashes with a JavaScript
// RangeError, a message in the same style).
std::optional<Slot> parseMainArgument(std::string_view text, Type type, std::string &error);

} // namespace brisk::interp
