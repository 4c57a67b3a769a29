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

} // namespace brisk
