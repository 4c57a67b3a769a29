#include "frontend/TextParser.h"

#include "frontend/FunctionBuilder.h"
#include "frontend/Utf8Decode.h"

#include <array>
#include <charconv>
#include <cstdlib>
#include <initializer_list>
#include <limits>

namespace brisk {
namespace {

enum class Tok : uint8_t {
  Ident,    // x, v.1, %tmp, also keywords (const, true, nan) read by context
  FuncRef,  // @name (text holds the name without '@')
  LabelRef, // .name (text without '.')
  IntLit,
  FloatLit,
  CharLit,
  LBrace, RBrace, LParen, RParen, Comma, Colon, Semi, Equals, Less, Greater,
  Bad,      // a character no token starts with; text holds it
  BadChar,  // a malformed char literal; charLiteralProblem(text) says what is wrong
  End,
};

// Plain data, copied freely: the parser reads ahead through a small ring.
struct Token {
  Tok kind = Tok::End;
  std::string_view text;
  SourcePos pos;
  RawLiteral literal;  // IntLit, FloatLit, CharLit
};


// Character classes by byte: a table lookup per character of every
// identifier, rather than a chain of comparisons.
enum CharClass : uint8_t { kIdentStart = 1, kIdentChar = 2 };
constexpr std::array<uint8_t, 256> kCharClass = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    bool start = c == '_' || c == '%' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    bool inner = start || c == '.' || (c >= '0' && c <= '9');
    t[size_t(c)] = uint8_t((start ? kIdentStart : 0) | (inner ? kIdentChar : 0));
  }
  return t;
}();
bool isIdentStart(char c) { return kCharClass[static_cast<unsigned char>(c)] & kIdentStart; }
bool isIdentChar(char c) { return kCharClass[static_cast<unsigned char>(c)] & kIdentChar; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// The lexer follows bril2json's terminals: IDENT ("_"|"%"|LETTER)
// ("_"|"%"|"."|LETTER|DIGIT)*, FUNC "@" IDENT, LABEL "." IDENT, SIGNED_INT,
// SIGNED_FLOAT, CHAR, `#` comments. It streams (no token vector), so memory
// stays proportional to the program, not to its token count.
class Lexer {
public:
  explicit Lexer(std::string_view text) : text_(text) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF")
      i_ = 3;
  }

  Token next() {
    skipTrivia();
    Token t;
    t.pos = SourcePos{row_, col_};
    if (i_ >= text_.size()) {
      t.kind = Tok::End;
      return t;
    }
    size_t start = i_;
    char c = text_[i_];
    auto single = [&](Tok kind) {
      advanceAscii(1);
      t.kind = kind;
      t.text = text_.substr(start, 1);
      return t;
    };
    switch (c) {
    case '{': return single(Tok::LBrace);
    case '}': return single(Tok::RBrace);
    case '(': return single(Tok::LParen);
    case ')': return single(Tok::RParen);
    case ',': return single(Tok::Comma);
    case ':': return single(Tok::Colon);
    case ';': return single(Tok::Semi);
    case '=': return single(Tok::Equals);
    case '<': return single(Tok::Less);
    case '>': return single(Tok::Greater);
    case '\'': return charLiteral(t);
    default: break;
    }
    if (isIdentStart(c)) {
      t.kind = Tok::Ident;
      t.text = identAt(i_);
      advanceAscii(t.text.size());
      return t;
    }
    if ((c == '@' || c == '.') && i_ + 1 < text_.size() && isIdentStart(text_[i_ + 1])) {
      t.kind = c == '@' ? Tok::FuncRef : Tok::LabelRef;
      t.text = identAt(i_ + 1);
      advanceAscii(1 + t.text.size());
      return t;
    }
    if (startsNumber())
      return number(t);
    if (c == '-' && text_.substr(i_, 4) == "-inf" &&
        (i_ + 4 >= text_.size() || !isIdentChar(text_[i_ + 4]))) {
      advanceAscii(4);
      t.kind = Tok::FloatLit;
      t.text = text_.substr(start, 4);
      t.literal = RawLiteral::ofFloat(-std::numeric_limits<double>::infinity());
      return t;
    }
    size_t len = 1;
    decodeCodePoint(text_.substr(i_), len);
    t.kind = Tok::Bad;
    t.text = text_.substr(i_, len);
    advance(len);
    return t;
  }

private:
  std::string_view text_;
  size_t i_ = 0;
  int32_t row_ = 1, col_ = 1;

  // Moves over `n` bytes of one line that are all ASCII (identifiers,
  // numbers, punctuation): each is one column.
  void advanceAscii(size_t n) {
    i_ += n;
    col_ += int32_t(n);
  }

  // Moves over `n` bytes, keeping row and column (in code points, 1-based,
  // as bril2json's positions count them).
  void advance(size_t n) {
    for (size_t end = i_ + n; i_ < end; ++i_) {
      unsigned char b = static_cast<unsigned char>(text_[i_]);
      if (b == '\n') {
        ++row_;
        col_ = 1;
      } else if ((b & 0xC0) != 0x80) {
        ++col_;
      }
    }
  }

  void skipTrivia() {
    while (i_ < text_.size()) {
      char c = text_[i_];
      if (c == '\n') {
        ++i_;
        ++row_;
        col_ = 1;
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        advanceAscii(1);
      } else if (c == '#') {
        size_t eol = text_.find('\n', i_);
        advance((eol == std::string_view::npos ? text_.size() : eol) - i_);
      } else {
        break;
      }
    }
  }

  std::string_view identAt(size_t from) const {
    size_t j = from;
    while (j < text_.size() && isIdentChar(text_[j]))
      ++j;
    return text_.substr(from, j - from);
  }

  bool digitAt(size_t j) const { return j < text_.size() && isDigit(text_[j]); }

  bool startsNumber() const {
    size_t j = i_;
    if (text_[j] == '+' || text_[j] == '-')
      ++j;
    return digitAt(j) || (j < text_.size() && text_[j] == '.' && digitAt(j + 1));
  }

  // SIGNED_INT, or SIGNED_FLOAT (INT EXP | DECIMAL EXP?, DECIMAL being
  // INT "." INT? | "." INT).
  Token number(Token &t) {
    size_t j = i_;
    if (text_[j] == '+' || text_[j] == '-')
      ++j;
    bool isFloat = false;
    while (digitAt(j))
      ++j;
    if (j < text_.size() && text_[j] == '.') {
      isFloat = true;
      ++j;
      while (digitAt(j))
        ++j;
    }
    if (j < text_.size() && (text_[j] == 'e' || text_[j] == 'E')) {
      size_t k = j + 1;
      if (k < text_.size() && (text_[k] == '+' || text_[k] == '-'))
        ++k;
      if (digitAt(k)) {
        isFloat = true;
        j = k;
        while (digitAt(j))
          ++j;
      }
    }
    t.text = text_.substr(i_, j - i_);
    advanceAscii(j - i_);
    std::string_view digits = t.text;
    if (!digits.empty() && digits[0] == '+')
      digits.remove_prefix(1); // from_chars and strtod's C locale agree, but
                               // from_chars rejects a leading '+'
    if (isFloat) {
      t.kind = Tok::FloatLit;
      // strtod gives Python's float() results, including overflow to inf
      // and underflow to 0, which from_chars reports as errors instead.
      std::string copy(digits);
      t.literal = RawLiteral::ofFloat(std::strtod(copy.c_str(), nullptr));
    } else {
      t.kind = Tok::IntLit;
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      t.literal = RawLiteral::ofInt(v);
      t.literal.intOverflow = ec != std::errc();
    }
    return t;
  }

  // CHAR: /'.'/ | /'\\[0abtnvfr]'/, so a backslash is '\' and a quote '''
  // (the first alternative; that is what the printer writes). Also accepted:
  // the escapes '\\' and '\'' that earlier brisk printed. '\'' is read as
  // the escaped quote, where bril2json would see '\' and a stray quote.
  Token charLiteral(Token &t) {
    size_t start = i_;
    auto finish = [&](size_t end, uint32_t cp) {
      t.kind = Tok::CharLit;
      t.text = text_.substr(start, end - start);
      t.literal = RawLiteral::ofChar(cp);
      advance(end - start);
      return t;
    };
    if (i_ + 3 < text_.size() && text_[i_ + 1] == '\\' && text_[i_ + 3] == '\'') {
      switch (text_[i_ + 2]) {
      case '0': return finish(i_ + 4, 0);
      case 'a': return finish(i_ + 4, 7);
      case 'b': return finish(i_ + 4, 8);
      case 't': return finish(i_ + 4, 9);
      case 'n': return finish(i_ + 4, 10);
      case 'v': return finish(i_ + 4, 11);
      case 'f': return finish(i_ + 4, 12);
      case 'r': return finish(i_ + 4, 13);
      case '\\': return finish(i_ + 4, '\\');
      case '\'': return finish(i_ + 4, '\'');
      default: break;
      }
    }
    size_t len = 1;
    std::optional<uint32_t> cp = decodeCodePoint(text_.substr(i_ + 1), len);
    if (cp && *cp != '\n' && i_ + 1 + len < text_.size() && text_[i_ + 1 + len] == '\'')
      return finish(i_ + 2 + len, *cp);
    return badCharLiteral(t);
  }

  // Consumes the malformed char literal at i_ up to its closing quote on the
  // same line (or just the opening quote when there is none), so the
  // statement's remaining tokens still make sense. charLiteralProblem()
  // says what is wrong with it.
  Token badCharLiteral(Token &t) {
    size_t start = i_;
    // Look no further than the closing quote or the end of the line, so a
    // line full of bad literals is still read in linear time.
    size_t stop = text_.find_first_of("'\n", start + 1);
    t.kind = Tok::BadChar;
    if (stop == std::string_view::npos || text_[stop] == '\n')
      t.text = text_.substr(start, 1);
    else
      t.text = text_.substr(start, stop - start + 1);
    advance(t.text.size());
    return t;
  }
};

// The pieces concatenated, appended one by one: GCC 12 warns falsely
// (-Wrestrict) on "literal" + std::string temporaries.
std::string concat(std::initializer_list<std::string_view> pieces) {
  std::string out;
  for (std::string_view p : pieces)
    out += p;
  return out;
}

// What is wrong with a BadChar token: a lone quote (unterminated), or a
// quoted body that is no char literal.
std::string charLiteralProblem(std::string_view text) {
  if (text.size() < 2)
    return "unterminated char literal (no closing ' on this line)";
  std::string_view body = text.substr(1, text.size() - 2);
  // Quote at most a few dozen bytes (cut at a code point boundary): the
  // "literal" may be a whole line of something else.
  std::string_view excerpt = body;
  if (excerpt.size() > 40) {
    size_t cut = 32;
    while (cut > 0 && (static_cast<unsigned char>(body[cut]) & 0xC0) == 0x80)
      --cut;
    excerpt = body.substr(0, cut);
  }
  std::string shown =
      concat({"'", printableForMessage(excerpt), excerpt.size() < body.size() ? "...'" : "'"});
  if (body.empty())
    return "empty char literal ''";
  if (body[0] == '\\' && body.size() == 2)
    return "unknown escape " + shown +
           " in a char literal (Bril has \\0 \\a \\b \\t \\n \\v \\f \\r; a "
           "backslash is '\\')";
  size_t count = 0;
  bool wellFormed = true;
  for (std::string_view rest = body; !rest.empty(); ++count) {
    size_t n = 1;
    wellFormed &= decodeCodePoint(rest, n).has_value();
    rest.remove_prefix(n);
  }
  if (!wellFormed)
    return "char literal " + shown + " is not well-formed UTF-8";
  return "char literal " + shown + " holds " + std::to_string(count) +
         " characters; a char is exactly one";
}

std::string describe(const Token &t) {
  switch (t.kind) {
  case Tok::End: return "end of input";
  case Tok::FuncRef: return concat({"'@", t.text, "'"});
  case Tok::LabelRef: return concat({"'.", t.text, "'"});
  case Tok::BadChar: return "a malformed char literal";
  case Tok::Bad: {
    // Show a printable character as itself; anything else (control bytes,
    // ill-formed UTF-8) as hex, so the message is safe to print.
    size_t len = 0;
    std::optional<uint32_t> cp = decodeCodePoint(t.text, len);
    if (cp && *cp >= 0x20 && *cp != 0x7F)
      return concat({"unexpected character '", t.text, "'"});
    std::string hex = "unexpected byte";
    for (unsigned char b : t.text) {
      static const char digits[] = "0123456789abcdef";
      hex += " 0x";
      hex += digits[b >> 4];
      hex += digits[b & 15];
    }
    return hex;
  }
  case Tok::CharLit: return concat({"char literal ", printableForMessage(t.text)});
  default: return concat({"'", t.text, "'"});
  }
}

class TextProgramParser {
public:
  TextProgramParser(std::string_view text, Diagnostics &diags, bool keepUndefinedLabels)
      : lexer_(text), diags_(diags), keepUndefinedLabels_(keepUndefinedLabels) {}

  std::optional<Program> run() {
    Program program;
    while (peek().kind != Tok::End) {
      if (peek().kind == Tok::FuncRef) {
        parseFunction(program);
        continue;
      }
      error(peek(), "expected a function ('@name'), found " + describe(peek()));
      while (peek().kind != Tok::End && peek().kind != Tok::FuncRef)
        take();
    }
    if (diags_.hasErrors() && !(keepUndefinedLabels_ && diags_.count() == labelErrors_))
      return std::nullopt;
    return program;
  }

private:
  Lexer lexer_;
  Diagnostics &diags_;
  bool keepUndefinedLabels_;
  size_t labelErrors_ = 0; // undefined labels, reported by FunctionBuilder::finish
  // Tokens read ahead: a ring, since the grammar never looks more than two
  // tokens ahead (a deque here cost an allocation every few tokens).
  static constexpr size_t kLookahead = 4;
  std::array<Token, kLookahead> ahead_;
  size_t aheadStart_ = 0, aheadCount_ = 0;
  std::string function_; // the function being parsed, for diagnostics

  const Token &peek(size_t k = 0) {
    while (aheadCount_ <= k) {
      ahead_[(aheadStart_ + aheadCount_) % kLookahead] = lexer_.next();
      ++aheadCount_;
    }
    return ahead_[(aheadStart_ + k) % kLookahead];
  }
  Token take() {
    peek();
    Token t = ahead_[aheadStart_];
    aheadStart_ = (aheadStart_ + 1) % kLookahead;
    --aheadCount_;
    return t;
  }

  void error(const Token &at, std::string message) {
    Location where;
    where.function = function_;
    where.pos = at.pos;
    diags_.error(where, std::move(message));
  }

  bool expect(Tok kind, const char *what) {
    if (peek().kind == kind) {
      take();
      return true;
    }
    error(peek(), std::string("expected ") + what + ", found " + describe(peek()));
    return false;
  }

  // After an error inside a function: drop the rest of the statement. Stops
  // before a '}' or a new function so one typo costs one message.
  void skipStatement() {
    for (;;) {
      Tok k = peek().kind;
      if (k == Tok::End || k == Tok::RBrace || k == Tok::FuncRef)
        return;
      take();
      if (k == Tok::Semi)
        return;
    }
  }

  // type := IDENT | "ptr" "<" type ">". Read iteratively; nesting is bounded
  // by what Type can hold.
  std::optional<Type> parseType() {
    unsigned depth = 0;
    for (;;) {
      if (peek().kind != Tok::Ident) {
        error(peek(), std::string(depth ? "expected the pointee type after 'ptr<'"
                                        : "expected a type") +
                          ", found " + describe(peek()));
        return std::nullopt;
      }
      if (peek(1).kind != Tok::Less)
        break;
      Token ctor = take();
      take(); // '<'
      if (ctor.text != "ptr") {
        error(ctor, "unknown type constructor '" + std::string(ctor.text) + "' (only ptr<T>)");
        return std::nullopt;
      }
      if (++depth > Type::kMaxPtrDepth) {
        error(ctor, "pointer nesting deeper than " + std::to_string(Type::kMaxPtrDepth));
        return std::nullopt;
      }
    }
    Token base = take();
    BaseType b = baseTypeFromName(base.text);
    if (b == BaseType::None) {
      error(base, "unknown type '" + std::string(base.text) + "'");
      return std::nullopt;
    }
    for (unsigned i = 0; i < depth; ++i)
      if (!expect(Tok::Greater, "'>'"))
        return std::nullopt;
    return Type(b, uint8_t(depth));
  }

  void parseFunction(Program &program) {
    Token name = take();
    function_ = std::string(name.text);
    program.functions.emplace_back();
    Function &fn = program.functions.back();
    fn.name = function_;
    fn.pos = name.pos;
    if (!parseHeader(fn)) {
      while (peek().kind != Tok::End && peek().kind != Tok::FuncRef &&
             peek().kind != Tok::LBrace)
        take();
      if (peek().kind != Tok::LBrace)
        return;
    }
    take(); // '{'
    FunctionBuilder builder(fn, diags_);
    while (peek().kind != Tok::RBrace && peek().kind != Tok::End) {
      if (peek().kind == Tok::FuncRef) {
        error(peek(), "missing '}' at the end of @" + fn.name + " (before @" +
                          std::string(peek().text) + ")");
        break;
      }
      parseStatement(builder);
    }
    if (peek().kind == Tok::End)
      error(peek(), "missing '}' at the end of @" + fn.name + " (reached the end of input)");
    else if (peek().kind == Tok::RBrace)
      take();
    size_t before = diags_.count();
    builder.finish();
    labelErrors_ += diags_.count() - before;
    function_.clear();
  }

  // ["(" [arg ("," arg)*] ")"] [":" type] "{"; leaves the '{' unconsumed.
  bool parseHeader(Function &fn) {
    if (peek().kind == Tok::LParen) {
      take();
      if (peek().kind != Tok::RParen) {
        for (;;) {
          if (peek().kind != Tok::Ident) {
            error(peek(), "expected an argument name, found " + describe(peek()));
            return false;
          }
          Token arg = take();
          if (!expect(Tok::Colon, "':' after the argument name"))
            return false;
          std::optional<Type> t = parseType();
          if (!t)
            return false;
          fn.params.push_back(Param{fn.var(arg.text), *t});
          if (peek().kind == Tok::Comma) {
            take();
            continue;
          }
          break;
        }
      }
      if (!expect(Tok::RParen, "')' or ','"))
        return false;
    }
    if (peek().kind == Tok::Colon) {
      take();
      std::optional<Type> t = parseType();
      if (!t)
        return false;
      fn.returnType = *t;
    }
    if (peek().kind != Tok::LBrace) {
      error(peek(), "expected '{', found " + describe(peek()));
      return false;
    }
    return true;
  }

  void parseStatement(FunctionBuilder &builder) {
    const Token &first = peek();
    if (first.kind == Tok::LabelRef) {
      Token label = take();
      if (!expect(Tok::Colon, "':' after the label")) {
        skipStatement();
        return;
      }
      builder.addLabel(label.text, label.pos);
      return;
    }
    if (first.kind != Tok::Ident) {
      error(first, "expected an instruction or a label, found " + describe(first));
      take();
      skipStatement();
      return;
    }
    RawInstr raw;
    Tok second = peek(1).kind;
    if (second == Tok::Colon || second == Tok::Equals) {
      Token dest = take();
      raw.dest = dest.text;
      raw.pos = dest.pos;
      if (take().kind == Tok::Colon) {
        raw.type = parseType();
        if (!raw.type || !expect(Tok::Equals, "'='")) {
          skipStatement();
          return;
        }
      }
      if (peek().kind != Tok::Ident) {
        error(peek(), "expected an operation, found " + describe(peek()));
        skipStatement();
        return;
      }
      raw.op = take().text;
    } else {
      Token op = take();
      raw.op = op.text;
      raw.pos = op.pos;
    }
    // A const without a destination still has a literal, not operands; read
    // it so the builder can say what is actually wrong ("const needs a
    // destination").
    if (raw.op == "const") {
      if (!parseLiteral(raw)) {
        skipStatement();
        return;
      }
    } else if (!parseOperands(raw)) {
      skipStatement();
      return;
    }
    // A missing ';' is usually just that: the statement is complete and the
    // next token starts a new one, so report it and carry on from there.
    expect(Tok::Semi, "';'");
    builder.addRaw(raw);
  }

  bool parseLiteral(RawInstr &raw) {
    const Token &t = peek();
    switch (t.kind) {
    case Tok::IntLit:
    case Tok::FloatLit:
    case Tok::CharLit:
      raw.value = take().literal;
      return true;
    case Tok::Ident:
      if (t.text == "true" || t.text == "false") {
        raw.value = RawLiteral::ofBool(t.text == "true");
      } else if (t.text == "nan") {
        raw.value = RawLiteral::ofFloat(std::numeric_limits<double>::quiet_NaN());
      } else if (t.text == "inf") {
        raw.value = RawLiteral::ofFloat(std::numeric_limits<double>::infinity());
      } else {
        break;
      }
      take();
      return true;
    case Tok::BadChar:
      error(t, charLiteralProblem(t.text));
      return false;
    default:
      break;
    }
    error(t, "expected a literal after const, found " + describe(t));
    return false;
  }

  // True when the tokens ahead begin a new statement, a '}' or a function,
  // which no operand list continues into: the ';' before them is missing.
  bool atStatementBoundary() {
    Tok k = peek().kind, next = peek(1).kind;
    switch (k) {
    case Tok::RBrace:
    case Tok::End: return true;
    case Tok::Ident: return next == Tok::Colon || next == Tok::Equals;    // `x: int = ...`
    case Tok::LabelRef: return next == Tok::Colon;                       // `.label:`
    case Tok::FuncRef: // `@f {`, `@f(`, `@f: int {`
      return next == Tok::LBrace || next == Tok::LParen || next == Tok::Colon;
    default: return false;
    }
  }

  bool parseOperands(RawInstr &raw) {
    for (;;) {
      if (atStatementBoundary())
        return true; // the caller reports the missing ';' and keeps the instruction
      const Token &t = peek();
      switch (t.kind) {
      case Tok::Ident: raw.args.push_back(take().text); break;
      case Tok::FuncRef: raw.funcs.push_back(take().text); break;
      case Tok::LabelRef: raw.labels.push_back(take().text); break;
      case Tok::Semi: return true;
      default:
        error(t, "expected an operand or ';', found " + describe(t));
        return false;
      }
    }
  }
};

} // namespace

std::optional<Program> parseTextProgram(std::string_view text, Diagnostics &diags,
                                        bool keepUndefinedLabels) {
  return TextProgramParser(text, diags, keepUndefinedLabels).run();
}

} // namespace brisk
