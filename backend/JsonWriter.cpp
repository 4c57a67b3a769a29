#include "backend/JsonWriter.h"

#include "ir/BlockNames.h"
#include "backend/Utf8.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cmath>
#include <ostream>

namespace brisk {

using nlohmann::json;

json typeToJson(Type type) {
  json j = baseTypeName(type.base());
  for (unsigned i = 0; i < type.ptrDepth(); ++i)
    j = json{{"ptr", std::move(j)}};
  return j;
}

namespace {

json literalToJson(Type type, Literal value) {
  if (type.isBool())
    return value.asBool();
  if (type.isFloat())
    return value.asFloat();
  if (type.isChar()) {
    std::string s;
    appendUtf8(s, value.asChar());
    return s;
  }
  return value.asInt();
}

json instrToJson(const Function &f, const Instr &in, const std::vector<std::string> &names) {
  json j = json::object();
  j["op"] = std::string(spelling(in.op));
  if (in.hasDest()) {
    j["dest"] = f.varName(in.dest);
    j["type"] = typeToJson(in.type);
  }
  if (in.op == Opcode::Const)
    j["value"] = literalToJson(in.type, in.value);
  if (!in.args.empty()) {
    json args = json::array();
    for (VarId a : in.args)
      args.push_back(f.varName(a));
    j["args"] = std::move(args);
  }
  if (!in.callee.empty())
    j["funcs"] = json::array({in.callee});
  if (!in.labels.empty()) {
    json labels = json::array();
    for (BlockId b : in.labels)
      labels.push_back(names[b]);
    j["labels"] = std::move(labels);
  }
  return j;
}

json functionToJson(const Function &f) {
  json j = json::object();
  j["name"] = f.name;
  if (!f.params.empty()) {
    json args = json::array();
    for (const Param &p : f.params)
      args.push_back(json{{"name", f.varName(p.var)}, {"type", typeToJson(p.type)}});
    j["args"] = std::move(args);
  }
  if (!f.returnType.isNone())
    j["type"] = typeToJson(f.returnType);
  std::vector<std::string> names = blockNames(f);
  json instrs = json::array();
  for (BlockId b : f.layout) {
    if (!names[b].empty())
      instrs.push_back(json{{"label", names[b]}});
    for (const Instr &in : f.block(b).instrs)
      instrs.push_back(instrToJson(f, in, names));
  }
  j["instrs"] = std::move(instrs);
  return j;
}

// Streams a program as JSON text byte-identical to
// programToJson(p).dump(2, ' ', false, error_handler_t::replace): keys in
// sorted order, two-space indentation, empty fields omitted. Building the
// nlohmann DOM for a million-instruction program costs seconds and a
// gigabyte; this writes straight into a ChunkedText, handed over an
// instruction at a time when there is a sink.
class JsonStreamer {
public:
  explicit JsonStreamer(std::string &out, const TextSink *sink = nullptr)
      : chunks_(out, sink), out_(out) {}

  // False when the sink refused a chunk (the rest was then not written).
  bool program(const Program &p) {
    out_ += "{\n  \"functions\": [";
    for (size_t i = 0; i < p.functions.size() && chunks_.ok(); ++i) {
      out_ += i ? ",\n    " : "\n    ";
      function(p.functions[i], 4);
    }
    out_ += p.functions.empty() ? "]\n}" : "\n  ]\n}";
    out_ += '\n';
    return chunks_.finish();
  }

private:
  void newline(int indent) {
    // A newline and up to 64 spaces in one append.
    static constexpr std::string_view kIndent =
        "\n                                                                ";
    if (size_t(indent) < kIndent.size()) {
      out_.append(kIndent.data(), size_t(indent) + 1);
    } else {
      out_ += '\n';
      out_.append(size_t(indent), ' ');
    }
  }

  // Opens a key of an object whose members sit at `indent`.
  void key(const char *name, bool &first, int indent) {
    out_ += first ? "" : ",";
    first = false;
    newline(indent);
    out_ += '"';
    out_ += name;
    out_ += "\": ";
  }

  void string(std::string_view s) {
    // Names are nearly always printable ASCII: copied whole.
    if (std::all_of(s.begin(), s.end(), [](char c) {
          return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
        })) {
      out_ += '"';
      out_ += s;
      out_ += '"';
      return;
    }
    out_ += '"';
    for (size_t i = 0; i < s.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      switch (c) {
      case '"': out_ += "\\\""; break;
      case '\\': out_ += "\\\\"; break;
      case '\b': out_ += "\\b"; break;
      case '\f': out_ += "\\f"; break;
      case '\n': out_ += "\\n"; break;
      case '\r': out_ += "\\r"; break;
      case '\t': out_ += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out_ += buf;
        } else if (c < 0x80) {
          out_ += char(c);
        } else {
          i += utf8Sequence(s, i) - 1;
        }
      }
    }
    out_ += '"';
  }

  // Copies one UTF-8 sequence starting at s[i], or U+FFFD for an invalid one
  // (as nlohmann's replace handler does); returns the bytes consumed.
  size_t utf8Sequence(std::string_view s, size_t i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (!ok) {
      out_ += "\xEF\xBF\xBD";
      return 1;
    }
    out_.append(s.substr(i, len));
    return len;
  }

  void type(Type t, int indent) {
    for (unsigned d = 0; d < t.ptrDepth(); ++d) {
      out_ += "{";
      newline(indent + 2 * int(d + 1));
      out_ += "\"ptr\": ";
    }
    string(baseTypeName(t.base()));
    for (unsigned d = t.ptrDepth(); d > 0; --d) {
      newline(indent + 2 * int(d - 1));
      out_ += "}";
    }
  }

  // nlohmann's own number formatting (shortest digits, its fixed/exponent
  // rule, null for non-finite values), so both writers agree to the byte.
  void number(double v) { out_ += json(v).dump(); }

  void literal(Type t, Literal v) {
    if (t.isBool()) {
      out_ += v.asBool() ? "true" : "false";
    } else if (t.isFloat()) {
      number(v.asFloat());
    } else if (t.isChar()) {
      std::string s;
      appendUtf8(s, v.asChar());
      string(s);
    } else {
      char digits[24];
      auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v.asInt());
      out_.append(digits, end);
    }
  }

  template <typename Range, typename Fn> void list(const Range &items, int indent, Fn each) {
    out_ += "[";
    bool first = true;
    for (const auto &item : items) {
      out_ += first ? "" : ",";
      first = false;
      newline(indent + 2);
      each(item);
    }
    newline(indent);
    out_ += "]";
  }

  void instr(const Function &f, const Instr &in, int indent) {
    out_ += "{";
    bool first = true;
    int inner = indent + 2;
    if (!in.args.empty()) {
      key("args", first, inner);
      list(in.args, inner, [&](VarId a) { string(f.varName(a)); });
    }
    if (in.hasDest()) {
      key("dest", first, inner);
      string(f.varName(in.dest));
    }
    if (!in.callee.empty()) {
      key("funcs", first, inner);
      list(std::array<std::string_view, 1>{in.callee}, inner,
           [&](std::string_view c) { string(c); });
    }
    if (!in.labels.empty()) {
      key("labels", first, inner);
      list(in.labels, inner, [&](BlockId b) { string((*names_)[b]); });
    }
    key("op", first, inner);
    string(spelling(in.op));
    if (in.hasDest()) {
      key("type", first, inner);
      type(in.type, inner);
    }
    if (in.op == Opcode::Const) {
      key("value", first, inner);
      literal(in.type, in.value);
    }
    newline(indent);
    out_ += "}";
  }

  void function(const Function &f, int indent) {
    std::vector<std::string> names = blockNames(f);
    names_ = &names;
    out_ += "{";
    bool first = true;
    int inner = indent + 2;
    if (!f.params.empty()) {
      key("args", first, inner);
      list(f.params, inner, [&](const Param &p) {
        out_ += "{";
        newline(inner + 4);
        out_ += "\"name\": ";
        string(f.varName(p.var));
        out_ += ",";
        newline(inner + 4);
        out_ += "\"type\": ";
        type(p.type, inner + 4);
        newline(inner + 2);
        out_ += "}";
      });
    }
    key("instrs", first, inner);
    bool any = false;
    out_ += "[";
    for (BlockId b : f.layout) {
      if (!names[b].empty()) {
        out_ += any ? "," : "";
        any = true;
        newline(inner + 2);
        out_ += "{";
        newline(inner + 4);
        out_ += "\"label\": ";
        string(names[b]);
        newline(inner + 2);
        out_ += "}";
      }
      for (const Instr &in : f.block(b).instrs) {
        out_ += any ? "," : "";
        any = true;
        newline(inner + 2);
        instr(f, in, inner + 2);
        chunks_.handOverIfFull();
      }
      if (!chunks_.ok())
        break; // nothing more is handed over
    }
    if (any)
      newline(inner);
    out_ += "]";
    key("name", first, inner);
    string(f.name);
    if (!f.returnType.isNone()) {
      key("type", first, inner);
      type(f.returnType, inner);
    }
    newline(indent);
    out_ += "}";
    names_ = nullptr;
  }

  ChunkedText chunks_;
  std::string &out_;
  const std::vector<std::string> *names_ = nullptr;
};

} // namespace

json programToJson(const Program &program) {
  json functions = json::array();
  for (const Function &f : program.functions)
    functions.push_back(functionToJson(f));
  return json{{"functions", std::move(functions)}};
}

namespace {

void addPos(json &j, SourcePos pos) {
  if (pos.known())
    j["pos"] = json{{"row", pos.row}, {"col", pos.col}};
}

} // namespace

std::string toJsonStringWithPositions(const Program &program) {
  json j = programToJson(program);
  for (size_t i = 0; i < program.functions.size(); ++i) {
    const Function &f = program.functions[i];
    json &jf = j["functions"][i];
    addPos(jf, f.pos);
    // The instrs array lists, per block in layout order, its label (when it
    // has a name) and its instructions: walk it the same way.
    std::vector<std::string> names = blockNames(f);
    json &instrs = jf["instrs"];
    size_t at = 0;
    for (BlockId b : f.layout) {
      if (!names[b].empty())
        addPos(instrs[at++], f.block(b).pos);
      for (const Instr &in : f.block(b).instrs)
        addPos(instrs[at++], in.pos);
    }
  }
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string toJsonString(const Program &program) {
  std::string out;
  // About 150 bytes per instruction: reserving them spares the copies of a
  // doubling buffer (pages reserved but never written cost nothing).
  size_t items = 0;
  for (const Function &f : program.functions)
    items += f.instrCount() + f.layout.size() + 4;
  out.reserve(items * 192);
  JsonStreamer(out).program(program);
  return out;
}

bool writeJsonChunks(const Program &program, const TextSink &sink) {
  std::string buffer;
  return JsonStreamer(buffer, &sink).program(program);
}

void writeJson(const Program &program, std::ostream &os) { os << toJsonString(program); }

} // namespace brisk
