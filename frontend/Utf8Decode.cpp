#include "frontend/Utf8Decode.h"

#include <llvm/Support/ConvertUTF.h>

namespace brisk {

std::optional<uint32_t> decodeCodePoint(std::string_view text, size_t &length) {
  length = 1;
  if (text.empty())
    return std::nullopt;
  auto *begin = reinterpret_cast<const llvm::UTF8 *>(text.data());
  const llvm::UTF8 *cursor = begin;
  llvm::UTF32 cp = 0;
  if (llvm::convertUTF8Sequence(&cursor, begin + text.size(), &cp, llvm::strictConversion) !=
      llvm::conversionOK)
    return std::nullopt;
  length = size_t(cursor - begin);
  return uint32_t(cp);
}

std::optional<uint32_t> decodeSingleCodePoint(std::string_view text) {
  size_t length = 0;
  std::optional<uint32_t> cp = decodeCodePoint(text, length);
  if (!cp || length != text.size())
    return std::nullopt;
  return cp;
}

std::string printableForMessage(std::string_view bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  while (!bytes.empty()) {
    size_t len = 1;
    std::optional<uint32_t> cp = decodeCodePoint(bytes, len);
    if (cp && *cp >= 0x20 && *cp != 0x7F) {
      out += bytes.substr(0, len);
    } else {
      for (size_t i = 0; i < len; ++i) {
        unsigned char b = static_cast<unsigned char>(bytes[i]);
        out += std::string("\\x") + digits[b >> 4] + digits[b & 15];
      }
    }
    bytes.remove_prefix(len);
  }
  return out;
}

} // namespace brisk
