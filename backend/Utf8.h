// Utf8: encoding a Unicode code point, for char literals in both output
// formats.
#pragma once

#include <cstdint>
#include <string>

namespace brisk {

// Appends the UTF-8 encoding of `codePoint` (which must be at most 0x10FFFF).
void appendUtf8(std::string &out, uint32_t codePoint);

} // namespace brisk
