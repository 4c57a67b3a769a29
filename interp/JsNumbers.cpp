#include "interp/JsNumbers.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

namespace brisk::interp {
namespace {

// Rounds the decimal digit string `digits` (no point) to `keep` digits, half
// away from zero, given that `digits` holds at least keep+1 exact digits of
// the value. Returns true when rounding carried out of the first digit
// (999 -> 1000).
bool roundDigits(std::string &digits, size_t keep) {
  bool up = digits[keep] >= '5';
  digits.resize(keep);
  if (!up)
    return false;
  for (size_t i = keep; i-- > 0;) {
    if (digits[i] == '9') {
      digits[i] = '0';
    } else {
      ++digits[i];
      return false;
    }
  }
  digits.insert(digits.begin(), '1');
  return true;
}

// Decimal digits of |v| (no sign, no point), the first `minDigits` of them
// exact (truncated, not rounded), and the exponent of the first digit.
// glibc prints doubles exactly when asked for enough digits (a double has at
// most 767 significant digits); printing 46 digits first is enough unless the
// tail after the digits we need is all zeros, which may hide a carry.
std::string exactDigits(double v, int &exp10, int minDigits) {
  auto print = [&](int precision) {
    std::vector<char> buf(size_t(precision) + 32);
    std::snprintf(buf.data(), buf.size(), "%.*e", precision, std::fabs(v));
    std::string s(buf.data());
    size_t e = s.find('e');
    exp10 = std::atoi(s.c_str() + e + 1);
    std::string digits;
    for (size_t i = 0; i < e; ++i)
      if (s[i] != '.')
        digits += s[i];
    return digits;
  };
  std::string digits = print(45);
  if (digits.find_first_not_of('0', size_t(minDigits)) == std::string::npos)
    digits = print(780);
  return digits;
}

std::string toExponential17(double v) {
  int exp10 = 0;
  std::string digits = exactDigits(v, exp10, 19);
  if (roundDigits(digits, 18)) {
    digits.pop_back();
    ++exp10;
  }
  std::string out = v < 0 ? "-" : "";
  out += digits[0];
  out += '.';
  out.append(digits, 1, std::string::npos);
  out += exp10 < 0 ? "e-" : "e+";
  out += std::to_string(std::abs(exp10));
  return out;
}

std::string toFixed17(double v) {
  // Only called for 1e-10 <= |v| < 1e10: the integer part has at most ten
  // digits, and the exact expansion has at most ~90 fraction digits.
  int exp10 = 0;
  std::string digits = exactDigits(v, exp10, 30);
  // Place the digits: value = 0.d1d2d3... * 10^(exp10+1).
  int intDigits = exp10 + 1;
  std::string all; // integer digits followed by fraction digits
  if (intDigits <= 0) {
    all = "0";
    all.append(size_t(-intDigits), '0');
    all += digits;
    intDigits = 1;
  } else {
    all = digits;
    if (int(all.size()) < intDigits)
      all.append(size_t(intDigits) - all.size(), '0');
  }
  size_t keep = size_t(intDigits) + 17;
  if (all.size() < keep + 1)
    all.append(keep + 1 - all.size(), '0');
  if (roundDigits(all, keep))
    ++intDigits;
  std::string out = v < 0 ? "-" : "";
  out.append(all, 0, size_t(intDigits));
  out += '.';
  out.append(all, size_t(intDigits), std::string::npos);
  return out;
}

bool isJsSpace(std::string_view s, size_t i, size_t &len) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c == ' ' || (c >= 0x09 && c <= 0x0d)) {
    len = 1;
    return true;
  }
  static const char *const kWide[] = {"\xc2\xa0", "\xef\xbb\xbf", "\xe1\x9a\x80", "\xe2\x80\xa8",
                                      "\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80"};
  for (const char *w : kWide) {
    size_t n = std::strlen(w);
    if (s.substr(i, n) == w) {
      len = n;
      return true;
    }
  }
  // U+2000..U+200A
  if (i + 2 < s.size() && s.substr(i, 2) == "\xe2\x80" &&
      static_cast<unsigned char>(s[i + 2]) >= 0x80 && static_cast<unsigned char>(s[i + 2]) <= 0x8a) {
    len = 3;
    return true;
  }
  return false;
}

std::string_view trimJs(std::string_view s, bool trailing) {
  size_t len;
  while (!s.empty() && isJsSpace(s, 0, len))
    s.remove_prefix(len);
  if (trailing) {
    bool again = true;
    while (again && !s.empty()) {
      again = false;
      for (size_t n = 1; n <= 3 && n <= s.size(); ++n)
        if (isJsSpace(s, s.size() - n, len) && len == n) {
          s.remove_suffix(n);
          again = true;
          break;
        }
    }
  }
  return s;
}

// Length of the longest prefix of `s` that is a StrDecimalLiteral
// ([+-] (Infinity | digits [. digits] [exp] | . digits [exp])), 0 if none.
size_t decimalPrefix(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-'))
    ++i;
  if (s.substr(i, 8) == "Infinity")
    return i + 8;
  size_t intStart = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9')
    ++i;
  bool anyDigits = i > intStart;
  if (i < s.size() && s[i] == '.') {
    size_t fracStart = i + 1, j = fracStart;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9')
      ++j;
    if (anyDigits || j > fracStart) {
      anyDigits = true;
      i = j;
    }
  }
  if (!anyDigits)
    return 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-'))
      ++j;
    size_t expStart = j;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9')
      ++j;
    if (j > expStart)
      i = j;
  }
  return i;
}

double decimalValue(std::string_view lit) {
  bool neg = !lit.empty() && lit[0] == '-';
  std::string_view body = lit;
  if (!body.empty() && (body[0] == '+' || body[0] == '-'))
    body.remove_prefix(1);
  if (body == "Infinity")
    return neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  std::string s(lit);
  return std::strtod(s.c_str(), nullptr);
}

// JavaScript Number(s); NaN when s is not a numeric string.
double jsNumber(std::string_view text) {
  std::string_view s = trimJs(text, true);
  if (s.empty())
    return 0.0;
  if (s.size() > 2 && s[0] == '0') {
    int radix = 0;
    char k = s[1];
    if (k == 'x' || k == 'X') radix = 16;
    if (k == 'o' || k == 'O') radix = 8;
    if (k == 'b' || k == 'B') radix = 2;
    if (radix) {
      double v = 0;
      for (size_t i = 2; i < s.size(); ++i) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : 99;
        if (d >= radix)
          return std::nan("");
        v = v * radix + d;
      }
      if (radix == 16 && s.size() - 2 > 13) {
        std::string hex = "0x" + std::string(s.substr(2));
        v = std::strtod(hex.c_str(), nullptr); // correctly rounded
      }
      return v;
    }
  }
  size_t n = decimalPrefix(s);
  if (n == 0 || n != s.size())
    return std::nan("");
  return decimalValue(s);
}

// JavaScript parseFloat(s).
double jsParseFloat(std::string_view text) {
  std::string_view s = trimJs(text, false);
  size_t n = decimalPrefix(s);
  if (n == 0)
    return std::nan("");
  return decimalValue(s.substr(0, n));
}

size_t codePointCount(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xc0) != 0x80;
  return n;
}

uint32_t firstCodePoint(std::string_view s) {
  auto c = [&](size_t i) { return uint32_t(static_cast<unsigned char>(s[i])); };
  if (s.empty())
    return 0;
  if (c(0) < 0x80)
    return c(0);
  if ((c(0) & 0xe0) == 0xc0 && s.size() >= 2)
    return ((c(0) & 0x1f) << 6) | (c(1) & 0x3f);
  if ((c(0) & 0xf0) == 0xe0 && s.size() >= 3)
    return ((c(0) & 0x0f) << 12) | ((c(1) & 0x3f) << 6) | (c(2) & 0x3f);
  if (s.size() >= 4)
    return ((c(0) & 0x07) << 18) | ((c(1) & 0x3f) << 12) | ((c(2) & 0x3f) << 6) | (c(3) & 0x3f);
  return 0xfffd;
}

} // namespace

std::string formatFloat(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "Infinity" : "-Infinity";
  if (v == 0)
    return std::signbit(v) ? "-0.00000000000000000" : "0.00000000000000000";
  if (std::fabs(std::log10(std::fabs(v))) >= 10)
    return toExponential17(v);
  return toFixed17(v);
}

std::string jsTypeName(Type t) {
  if (t.isNone())
    return "undefined";
  if (t.isPtr())
    return "[object Object]";
  return baseTypeName(t.base());
}

void appendUtf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xc0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += char(0xe0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3f));
    out += char(0x80 | (cp & 0x3f));
  } else {
    out += char(0xf0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3f));
    out += char(0x80 | ((cp >> 6) & 0x3f));
    out += char(0x80 | (cp & 0x3f));
  }
}

std::optional<Slot> parseMainArgument(std::string_view text, Type type, std::string &error) {
  Slot s{};
  std::string shown(text);
  switch (tagOf(type)) {
  case Tag::Int: {
    double n = jsNumber(text);
    if (!std::isfinite(n) || n != std::trunc(n)) {
      error = "int argument to main must be an integer; got " + shown;
      return std::nullopt;
    }
    // BigInt(n) is exact; beyond 64 bits brisk wraps at once where brili
    // would wrap at the first arithmetic operation.
    if (std::fabs(n) < 9223372036854775808.0) {
      s.i = int64_t(n);
    } else {
      double m = std::fmod(n, 18446744073709551616.0);
      if (m < 0)
        m += 18446744073709551616.0;
      s.i = int64_t(uint64_t(m));
    }
    s.tag = Tag::Int;
    return s;
  }
  case Tag::Float: {
    double f = jsParseFloat(text);
    double f2 = jsNumber(text);
    if (std::isnan(f) || f != f2) {
      error = "float argument to main must not be 'NaN'; got " + shown;
      return std::nullopt;
    }
    s.f = f;
    s.tag = Tag::Float;
    return s;
  }
  case Tag::Bool:
    if (text == "true" || text == "false") {
      s.i = text == "true";
      s.tag = Tag::Bool;
      return s;
    }
    error = "boolean argument to main must be 'true'/'false'; got " + shown;
    return std::nullopt;
  case Tag::Char:
    if (codePointCount(text) == 1) {
      s.i = firstCodePoint(text);
      s.tag = Tag::Char;
      return s;
    }
    error = "char argument to main must have one character; got " + shown;
    return std::nullopt;
  default:
    // brili leaves pointer and `any` parameters of main unset.
    s.tag = Tag::Unset;
    return s;
  }
}

} // namespace brisk::interp
