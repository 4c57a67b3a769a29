// JsonCursor: the scanning half of brisk's direct JSON readers (Bril
// programs in frontend/JsonReader.cpp, profiles in interp/Profile.cpp).
// Both read only the plain JSON that brisk and the reference tools write,
// without building an nlohmann tree, and give up (return false) on anything
// else, so that their caller falls back to nlohmann for the result or the
// message it always gave. So the cursor needs to be right only about what
// it accepts: strings of printable ASCII without escapes, unsigned integers
// as JSON writes them, each key of an object at most once.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

namespace brisk {

class JsonCursor {
protected:
  explicit JsonCursor(std::string_view text)
      : p_(text.data()), end_(text.data() + text.size()) {}

  const char *p_;
  const char *end_;

  void skipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\t' || *p_ == '\r'))
      ++p_;
  }
  bool consume(char c) {
    skipSpace();
    if (p_ == end_ || *p_ != c)
      return false;
    ++p_;
    return true;
  }
  bool peekIs(char c) {
    skipSpace();
    return p_ != end_ && *p_ == c;
  }
  // Marks key number `bit` of the current object as read; false when it was
  // already (nlohmann keeps the last of duplicate keys: leave that to it).
  static bool once(unsigned &seen, unsigned bit) {
    if (seen & (1u << bit))
      return false;
    seen |= 1u << bit;
    return true;
  }

  // '{' (key ':' value),* '}', calling member(key, seen) with the cursor on
  // the value; member reads the value, marks the key in `seen` (once()) and
  // returns false to give up. `seen` ends with the keys read.
  template <typename Member> bool object(unsigned &seen, Member member) {
    seen = 0;
    if (!consume('{'))
      return false;
    if (consume('}'))
      return true;
    for (;;) {
      std::string_view key;
      if (!string(key) || !consume(':') || !member(key, seen))
        return false;
      if (consume(','))
        continue;
      return consume('}');
    }
  }
  // '[' item,* ']', calling item() with the cursor on each element.
  template <typename Item> bool array(Item item) {
    if (!consume('['))
      return false;
    if (consume(']'))
      return true;
    for (;;) {
      if (!item())
        return false;
      if (consume(','))
        continue;
      return consume(']');
    }
  }

  // A string of printable ASCII without escapes; `out` points into the text.
  bool string(std::string_view &out) {
    if (!consume('"'))
      return false;
    const char *start = p_;
    while (p_ != end_ && *p_ != '"') {
      unsigned char c = static_cast<unsigned char>(*p_);
      if (c < 0x20 || c > 0x7E || c == '\\')
        return false;
      ++p_;
    }
    if (p_ == end_)
      return false;
    out = std::string_view(start, size_t(p_ - start));
    ++p_;
    return true;
  }

  // An unsigned integer as JSON writes it (no sign, fraction, exponent or
  // leading zero) that fits in `max`.
  bool number(uint64_t &out, uint64_t max = std::numeric_limits<uint64_t>::max()) {
    skipSpace();
    const char *start = p_;
    uint64_t v = 0;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') {
      unsigned d = unsigned(*p_ - '0');
      if (v > (max - d) / 10)
        return false;
      v = v * 10 + d;
      ++p_;
    }
    if (p_ == start || (*start == '0' && p_ - start > 1))
      return false;
    if (p_ != end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E'))
      return false;
    out = v;
    return true;
  }
};

} // namespace brisk
