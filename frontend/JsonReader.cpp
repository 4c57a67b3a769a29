#include "frontend/JsonReader.h"

#include "frontend/FunctionBuilder.h"
#include "frontend/Utf8Decode.h"
#include "ir/JsonCursor.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace brisk {
namespace {

using nlohmann::json;

class JsonProgramReader {
public:
  JsonProgramReader(Diagnostics &diags, bool keepUndefinedLabels)
      : diags_(diags), keepUndefinedLabels_(keepUndefinedLabels) {}

  std::optional<Program> run(std::string_view text) {
    json doc;
    try {
      doc = json::parse(text.begin(), text.end());
    } catch (const json::parse_error &e) {
      // e.what() is "[json.exception.parse_error.101] parse error at line 1,
      // column 5: ..."; keep the part after the exception id.
      std::string what = e.what();
      if (auto close = what.find("] "); close != std::string::npos)
        what = what.substr(close + 2);
      // The "last read" excerpt may hold the offending raw bytes.
      diags_.error("malformed JSON at byte " + std::to_string(e.byte) + ": " +
                   printableForMessage(what));
      return std::nullopt;
    } catch (const json::exception &e) {
      // Not a syntax error: a number too large for a double (1e99999).
      std::string what = e.what();
      if (auto close = what.find("] "); close != std::string::npos)
        what = what.substr(close + 2);
      diags_.error("malformed JSON: " + what);
      return std::nullopt;
    }
    if (!doc.is_object()) {
      diags_.error("a Bril program must be a JSON object with a \"functions\" list");
      return std::nullopt;
    }
    auto fs = doc.find("functions");
    if (fs == doc.end()) {
      diags_.error("missing field \"functions\"");
      return std::nullopt;
    }
    if (!fs->is_array()) {
      diags_.error("field \"functions\" must be a list");
      return std::nullopt;
    }
    Program program;
    program.functions.reserve(fs->size());
    size_t index = 0;
    for (const json &jf : *fs)
      readFunction(jf, index++, program);
    if (diags_.hasErrors() && !(keepUndefinedLabels_ && diags_.count() == labelErrors_))
      return std::nullopt;
    return program;
  }

private:
  Diagnostics &diags_;
  bool keepUndefinedLabels_;
  size_t labelErrors_ = 0; // undefined labels, reported by FunctionBuilder::finish

  static SourcePos readPos(const json &obj) {
    // Positions are optional hints; a malformed one is ignored rather than
    // rejected, as the syntax documentation asks of tools.
    SourcePos pos;
    auto p = obj.find("pos");
    if (p == obj.end() || !p->is_object())
      return pos;
    auto row = p->find("row"), col = p->find("col");
    if (row != p->end() && row->is_number_integer() && col != p->end() &&
        col->is_number_integer()) {
      int64_t r = row->get<int64_t>(), c = col->get<int64_t>();
      if (r > 0 && r <= INT32_MAX && c >= 0 && c <= INT32_MAX)
        pos = SourcePos{int32_t(r), int32_t(c)};
    }
    return pos;
  }

  // {"ptr": {"ptr": "int"}} -> ptr<ptr<int>>. Iterative, so a deeply nested
  // document cannot exhaust the stack. `what` names the type's owner in
  // messages ("field \"type\"", "the type of argument n").
  std::optional<Type> readType(const json &j, const Location &where, const std::string &what) {
    const json *cur = &j;
    unsigned depth = 0;
    while (cur->is_object()) {
      if (cur->size() != 1 || !cur->contains("ptr")) {
        diags_.error(where, what + ": a parameterized type must be {\"ptr\": TYPE}");
        return std::nullopt;
      }
      if (++depth > Type::kMaxPtrDepth) {
        diags_.error(where, what + ": pointer nesting deeper than " +
                                std::to_string(Type::kMaxPtrDepth));
        return std::nullopt;
      }
      cur = &(*cur)["ptr"];
    }
    if (!cur->is_string()) {
      diags_.error(where, what + " must be a type name or {\"ptr\": TYPE}, got " +
                              (depth ? "{\"ptr\": " + std::string(cur->type_name()) + "}"
                                     : std::string(cur->type_name())));
      return std::nullopt;
    }
    const std::string &name = cur->get_ref<const std::string &>();
    BaseType base = baseTypeFromName(name);
    if (base == BaseType::None) {
      diags_.error(where, what + ": unknown type '" + printableForMessage(name) +
                              "' (Bril has int, bool, float, char and {\"ptr\": TYPE})");
      return std::nullopt;
    }
    return Type(base, uint8_t(depth));
  }

  // A list of strings, appended to `out` as views into `j`.
  template <typename Vec>
  bool readNames(const json &obj, const char *field, const Location &where, Vec &out) {
    auto it = obj.find(field);
    if (it == obj.end())
      return true;
    if (!it->is_array()) {
      diags_.error(where, std::string("field \"") + field + "\" must be a list of strings");
      return false;
    }
    for (const json &e : *it) {
      if (!e.is_string()) {
        diags_.error(where, std::string("field \"") + field + "\" must be a list of strings");
        return false;
      }
      out.push_back(e.get_ref<const std::string &>());
    }
    return true;
  }

  std::optional<RawLiteral> readLiteral(const json &v, const Location &where) {
    if (v.is_boolean())
      return RawLiteral::ofBool(v.get<bool>());
    if (v.is_number_unsigned()) {
      uint64_t u = v.get<uint64_t>();
      RawLiteral lit = RawLiteral::ofInt(int64_t(u));
      lit.intOverflow = u > uint64_t(INT64_MAX);
      return lit;
    }
    if (v.is_number_integer())
      return RawLiteral::ofInt(v.get<int64_t>());
    if (v.is_number_float())
      return RawLiteral::ofFloat(v.get<double>());
    if (v.is_string()) {
      const std::string &s = v.get_ref<const std::string &>();
      std::optional<uint32_t> cp = decodeSingleCodePoint(s);
      if (!cp) {
        diags_.error(where, "a char literal must be exactly one character, got \"" +
                                printableForMessage(s) + "\"");
        return std::nullopt;
      }
      return RawLiteral::ofChar(*cp);
    }
    diags_.error(where, "field \"value\" must be a number, a boolean or a one-character string");
    return std::nullopt;
  }

  void readFunction(const json &jf, size_t index, Program &program) {
    Location where;
    if (!jf.is_object()) {
      diags_.error("function " + std::to_string(index) + " must be a JSON object");
      return;
    }
    auto name = jf.find("name");
    if (name == jf.end() || !name->is_string()) {
      diags_.error(Location{{}, {}, -1, {}, readPos(jf)},
                   "function " + std::to_string(index) +
                       (name == jf.end() ? ": missing field \"name\""
                                         : ": field \"name\" must be a string"));
      return;
    }
    program.functions.emplace_back();
    Function &fn = program.functions.back();
    fn.name = name->get<std::string>();
    fn.pos = readPos(jf);
    where.function = fn.name;
    where.pos = fn.pos;

    if (auto args = jf.find("args"); args != jf.end()) {
      if (!args->is_array()) {
        diags_.error(where, "field \"args\" must be a list");
      } else {
        for (const json &a : *args) {
          auto an = a.is_object() ? a.find("name") : a.end();
          auto at = a.is_object() ? a.find("type") : a.end();
          if (!a.is_object() || an == a.end() || !an->is_string() || at == a.end()) {
            diags_.error(where, "each argument must be {\"name\": STRING, \"type\": TYPE}");
            continue;
          }
          const std::string &argName = an->get_ref<const std::string &>();
          if (std::optional<Type> t =
                  readType(*at, where, "the type of argument " + printableForMessage(argName)))
            fn.params.push_back(Param{fn.var(argName), *t});
        }
      }
    }
    if (auto ty = jf.find("type"); ty != jf.end())
      if (std::optional<Type> t = readType(*ty, where, "the return type"))
        fn.returnType = *t;

    FunctionBuilder builder(fn, diags_);
    auto instrs = jf.find("instrs");
    if (instrs == jf.end()) {
      diags_.error(where, "missing field \"instrs\"");
    } else if (!instrs->is_array()) {
      diags_.error(where, "field \"instrs\" must be a list");
    } else {
      for (const json &ji : *instrs)
        readItem(ji, builder, fn);
    }
    size_t before = diags_.count();
    builder.finish();
    labelErrors_ += diags_.count() - before;
  }

  void readItem(const json &ji, FunctionBuilder &builder, Function &fn) {
    Location where;
    where.function = fn.name;
    where.instrIndex = builder.nextIndex();
    if (!ji.is_object()) {
      diags_.error(where, "an instruction must be a JSON object");
      return;
    }
    where.pos = readPos(ji);
    if (auto label = ji.find("label"); label != ji.end() && !ji.contains("op")) {
      if (!label->is_string()) {
        where.instrIndex = -1;
        diags_.error(where, "field \"label\" must be a string");
        return;
      }
      builder.addLabel(label->get_ref<const std::string &>(), where.pos);
      return;
    }
    auto op = ji.find("op");
    if (op == ji.end() || !op->is_string()) {
      diags_.error(where, op == ji.end() ? "missing field \"op\" (or \"label\")"
                                         : "field \"op\" must be a string");
      return;
    }
    RawInstr raw;
    raw.op = op->get_ref<const std::string &>();
    raw.pos = where.pos;
    where.opcode = std::string(raw.op);
    bool ok = true;
    if (auto dest = ji.find("dest"); dest != ji.end()) {
      if (dest->is_string())
        raw.dest = dest->get_ref<const std::string &>();
      else
        ok = false, diags_.error(where, "field \"dest\" must be a string");
    }
    if (auto ty = ji.find("type"); ty != ji.end()) {
      if (std::optional<Type> t = readType(*ty, where, "field \"type\""))
        raw.type = *t;
      else
        ok = false;
    }
    if (auto v = ji.find("value"); v != ji.end()) {
      if (std::optional<RawLiteral> lit = readLiteral(*v, where))
        raw.value = *lit;
      else
        ok = false;
    }
    ok &= readNames(ji, "args", where, raw.args);
    ok &= readNames(ji, "funcs", where, raw.funcs);
    ok &= readNames(ji, "labels", where, raw.labels);
    if (!ok) {
      // Reported above; still occupy the index so later messages count right.
      builder.addRaw(RawInstr{"nop", {}, {}, {}, {}, {}, {}, raw.pos});
      return;
    }
    builder.addRaw(raw);
  }
};

// Reads Bril JSON straight into the IR, without an nlohmann tree (which
// for a program of a million instructions took seconds and gigabytes). It
// reads what the reference tools and brisk's writer produce: the fields
// above (and "pos"), each at most once, names of printable ASCII without
// escapes, numbers as JSON writes them. On anything else, and on any
// problem FunctionBuilder reports, it gives up, and readJsonProgram reads
// the text with JsonProgramReader, which then gives the result or the
// messages it always gave: so this reader needs to be right only about the
// programs it accepts.
class DirectJsonReader : private JsonCursor {
public:
  explicit DirectJsonReader(std::string_view text) : JsonCursor(text) {}

  std::optional<Program> read(Diagnostics &diags) {
    Program program;
    unsigned seen = 0;
    bool ok = object(seen, [&](std::string_view key, unsigned &s) {
      return key == "functions" && once(s, 0) &&
             array([&] { return function(program.functions.emplace_back(), diags); });
    });
    skipSpace();
    if (!ok || p_ != end_ || seen != 1 || diags.hasErrors())
      return std::nullopt;
    return program;
  }

private:
  // {"row": R, "col": C} with R in [1, 2^31) and C in [0, 2^31): what
  // readPos keeps.
  bool pos(SourcePos &out) {
    uint64_t row = 0, col = 0;
    unsigned seen = 0;
    bool ok = object(seen, [&](std::string_view key, unsigned &s) {
      if (key == "row")
        return once(s, 0) && number(row, INT32_MAX);
      if (key == "col")
        return once(s, 1) && number(col, INT32_MAX);
      return false;
    });
    if (!ok || seen != 3 || row == 0)
      return false;
    out = SourcePos{int32_t(row), int32_t(col)};
    return true;
  }
  bool type(Type &out) {
    unsigned depth = 0;
    while (peekIs('{')) {
      if (!consume('{'))
        return false;
      std::string_view key;
      if (!string(key) || key != "ptr" || !consume(':') || ++depth > Type::kMaxPtrDepth)
        return false;
    }
    std::string_view name;
    if (!string(name))
      return false;
    for (unsigned i = 0; i < depth; ++i)
      if (!consume('}'))
        return false;
    BaseType base = baseTypeFromName(name);
    if (base == BaseType::None)
      return false;
    out = Type(base, uint8_t(depth));
    return true;
  }
  template <typename Vec> bool names(Vec &out) {
    return array([&] { return string(out.emplace_back()); });
  }
  // A string of one code point: one printable ASCII character, a one-letter
  // escape, or one well-formed UTF-8 sequence (the byte ranges of Unicode's
  // table, which nlohmann's scanner checks too).
  std::optional<uint32_t> charString() {
    ++p_; // the opening quote
    auto byte = [&](size_t k) -> unsigned {
      return p_ + k < end_ ? static_cast<unsigned char>(p_[k]) : 0u;
    };
    auto in = [](unsigned b, unsigned lo, unsigned hi) { return b >= lo && b <= hi; };
    unsigned b0 = byte(0);
    uint32_t cp = 0;
    size_t len = 0;
    if (b0 == '\\') {
      switch (byte(1)) {
      case '"': cp = '"'; break;
      case '\\': cp = '\\'; break;
      case '/': cp = '/'; break;
      case 'b': cp = 8; break;
      case 'f': cp = 12; break;
      case 'n': cp = 10; break;
      case 'r': cp = 13; break;
      case 't': cp = 9; break;
      default: return std::nullopt;
      }
      len = 2;
    } else if (b0 >= 0x20 && b0 < 0x80 && b0 != '"') {
      cp = b0;
      len = 1;
    } else if (in(b0, 0xC2, 0xDF) && in(byte(1), 0x80, 0xBF)) {
      cp = (b0 & 0x1F) << 6 | (byte(1) & 0x3F);
      len = 2;
    } else if (((b0 == 0xE0 && in(byte(1), 0xA0, 0xBF)) ||
                ((in(b0, 0xE1, 0xEC) || in(b0, 0xEE, 0xEF)) && in(byte(1), 0x80, 0xBF)) ||
                (b0 == 0xED && in(byte(1), 0x80, 0x9F))) &&
               in(byte(2), 0x80, 0xBF)) {
      cp = (b0 & 0x0F) << 12 | (byte(1) & 0x3F) << 6 | (byte(2) & 0x3F);
      len = 3;
    } else if (((b0 == 0xF0 && in(byte(1), 0x90, 0xBF)) ||
                (in(b0, 0xF1, 0xF3) && in(byte(1), 0x80, 0xBF)) ||
                (b0 == 0xF4 && in(byte(1), 0x80, 0x8F))) &&
               in(byte(2), 0x80, 0xBF) && in(byte(3), 0x80, 0xBF)) {
      cp = (b0 & 0x07) << 18 | (byte(1) & 0x3F) << 12 | (byte(2) & 0x3F) << 6 |
           (byte(3) & 0x3F);
      len = 4;
    } else {
      return std::nullopt;
    }
    if (byte(len) != '"')
      return std::nullopt;
    p_ += len + 1;
    return cp;
  }

  // A const's value: true, false, a JSON number, or a one-character string.
  bool literal(RawLiteral &out) {
    skipSpace();
    if (p_ == end_)
      return false;
    auto word = [&](std::string_view w) {
      if (size_t(end_ - p_) < w.size() || std::string_view(p_, w.size()) != w)
        return false;
      p_ += w.size();
      return true;
    };
    if (*p_ == 't' || *p_ == 'f') {
      bool v = *p_ == 't';
      if (!word(v ? "true" : "false"))
        return false;
      out = RawLiteral::ofBool(v);
      return true;
    }
    if (*p_ == '"') {
      std::optional<uint32_t> cp = charString();
      if (!cp)
        return false;
      out = RawLiteral::ofChar(*cp);
      return true;
    }
    // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    const char *start = p_;
    bool negative = *p_ == '-';
    if (negative)
      ++p_;
    const char *digits = p_;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9')
      ++p_;
    size_t intDigits = size_t(p_ - digits);
    if (intDigits == 0 || (*digits == '0' && intDigits > 1))
      return false;
    bool isFloat = false;
    if (p_ != end_ && *p_ == '.') {
      isFloat = true;
      const char *frac = ++p_;
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9')
        ++p_;
      if (p_ == frac)
        return false;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      isFloat = true;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-'))
        ++p_;
      const char *exp = p_;
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9')
        ++p_;
      if (p_ == exp)
        return false;
    }
    std::string token(start, size_t(p_ - start));
    if (isFloat) {
      // nlohmann reads a float with strtod too; one that overflows is its
      // error to report.
      double v = std::strtod(token.c_str(), nullptr);
      if (!std::isfinite(v))
        return false;
      out = RawLiteral::ofFloat(v);
      return true;
    }
    // Integers beyond 64 bits become floats in nlohmann: leave them to it.
    if (intDigits > 18)
      return false;
    int64_t magnitude = 0;
    std::from_chars(digits, p_, magnitude);
    out = RawLiteral::ofInt(negative ? -magnitude : magnitude);
    return true;
  }

  bool function(Function &fn, Diagnostics &diags) {
    std::string_view name;
    unsigned seen = 0;
    bool ok = object(seen, [&](std::string_view key, unsigned &s) {
      if (key == "name")
        return once(s, 0) && string(name);
      if (key == "pos")
        return once(s, 1) && pos(fn.pos);
      if (key == "type")
        return once(s, 2) && type(fn.returnType);
      // JsonProgramReader interns the parameters before the instructions'
      // variables: "args" after "instrs" would number them differently.
      if (key == "args")
        return !(s & 16) && once(s, 3) && array([&] { return param(fn); });
      if (key == "instrs") {
        if (!once(s, 4))
          return false;
        FunctionBuilder builder(fn, diags);
        if (!array([&] { return item(builder); }))
          return false;
        builder.finish();
        return true;
      }
      return false;
    });
    if (!ok || !(seen & 1) || !(seen & 16))
      return false;
    fn.name = std::string(name);
    return true;
  }

  // {"name": NAME, "type": TYPE}.
  bool param(Function &fn) {
    std::string_view name;
    Type t;
    unsigned seen = 0;
    bool ok = object(seen, [&](std::string_view key, unsigned &s) {
      if (key == "name")
        return once(s, 0) && string(name);
      if (key == "type")
        return once(s, 1) && type(t);
      return false;
    });
    if (!ok || seen != 3)
      return false;
    fn.params.push_back(Param{fn.var(name), t});
    return true;
  }

  bool itemFields(RawInstr &raw, std::string_view &label) {
    unsigned seen = 0;
    bool ok = object(seen, [&](std::string_view key, unsigned &s) {
      if (key == "op")
        return once(s, 0) && string(raw.op);
      if (key == "label")
        return once(s, 1) && string(label);
      if (key == "dest")
        return once(s, 2) && string(raw.dest.emplace());
      if (key == "type")
        return once(s, 3) && type(raw.type.emplace());
      if (key == "value")
        return once(s, 4) && literal(raw.value.emplace());
      if (key == "args")
        return once(s, 5) && names(raw.args);
      if (key == "funcs")
        return once(s, 6) && names(raw.funcs);
      if (key == "labels")
        return once(s, 7) && names(raw.labels);
      if (key == "pos")
        return once(s, 8) && pos(raw.pos);
      return false;
    });
    // Exactly one of "op" and "label"; a label carries nothing else but pos.
    if (!ok || (seen & 3) == 0 || (seen & 3) == 3)
      return false;
    return !(seen & 2) || (seen & ~(2u | 256u)) == 0;
  }

  bool item(FunctionBuilder &builder) {
    RawInstr raw;
    std::string_view label;
    if (!itemFields(raw, label))
      return false;
    if (raw.op.empty() && !label.empty()) {
      builder.addLabel(label, raw.pos);
      return true;
    }
    builder.addRaw(raw);
    return true;
  }
};

} // namespace

std::optional<Program> readJsonProgram(std::string_view text, Diagnostics &diags,
                                       bool keepUndefinedLabels) {
  Diagnostics scratch(diags.fileName());
  if (std::optional<Program> direct = DirectJsonReader(text).read(scratch))
    return direct;
  return JsonProgramReader(diags, keepUndefinedLabels).run(text);
}

} // namespace brisk
