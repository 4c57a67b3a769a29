#include "frontend/JsonReader.h"

#include "frontend/FunctionBuilder.h"
#include "frontend/Utf8Decode.h"

#include <nlohmann/json.hpp>

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

} // namespace

std::optional<Program> readJsonProgram(std::string_view text, Diagnostics &diags,
                                       bool keepUndefinedLabels) {
  return JsonProgramReader(diags, keepUndefinedLabels).run(text);
}

} // namespace brisk
