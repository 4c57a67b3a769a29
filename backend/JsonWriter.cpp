#include "backend/JsonWriter.h"

#include "backend/BlockNames.h"
#include "backend/Utf8.h"

#include <ostream>
#include <sstream>

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

} // namespace

json programToJson(const Program &program) {
  json functions = json::array();
  for (const Function &f : program.functions)
    functions.push_back(functionToJson(f));
  return json{{"functions", std::move(functions)}};
}

void writeJson(const Program &program, std::ostream &os) {
  // Invalid UTF-8 cannot reach here (the frontend decodes chars to code
  // points), but names are arbitrary bytes: replace rather than throw.
  os << programToJson(program).dump(2, ' ', false, json::error_handler_t::replace) << '\n';
}

std::string toJsonString(const Program &program) {
  std::ostringstream os;
  writeJson(program, os);
  return os.str();
}

} // namespace brisk
