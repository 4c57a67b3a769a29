// Utf8Decode: reading Unicode code points out of UTF-8 input, for char
// literals (a Bril char is one code point) and for column counting. Decoding
// is LLVM's (llvm/Support/ConvertUTF.h); this only adapts it to string_view.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace brisk {

// Decodes the code point that starts `text`; sets `length` to its byte count.
// nullopt for an empty or ill-formed sequence (length is then 1, so callers
// can skip the bad byte).
std::optional<uint32_t> decodeCodePoint(std::string_view text, size_t &length);

// The one code point `text` consists of, or nullopt when it is empty, holds
// more than one, or is not valid UTF-8.
std::optional<uint32_t> decodeSingleCodePoint(std::string_view text);

// `bytes` as a diagnostic may show it: printable characters as themselves,
// anything else (control bytes, ill-formed UTF-8) as \xNN, so a message
// never carries raw garbage to the terminal.
std::string printableForMessage(std::string_view bytes);

} // namespace brisk
