#include "ir/Type.h"

namespace brisk {

const char *baseTypeName(BaseType base) {
  switch (base) {
  case BaseType::None: return "void";
  case BaseType::Int: return "int";
  case BaseType::Bool: return "bool";
  case BaseType::Float: return "float";
  case BaseType::Char: return "char";
  case BaseType::Any: return "any";
  }
  return "void";
}

BaseType baseTypeFromName(std::string_view name) {
  if (name == "int") return BaseType::Int;
  if (name == "bool") return BaseType::Bool;
  if (name == "float") return BaseType::Float;
  if (name == "char") return BaseType::Char;
  if (name == "any") return BaseType::Any;
  return BaseType::None;
}

std::string Type::toString() const {
  std::string s;
  for (unsigned i = 0; i < depth_; ++i) s += "ptr<";
  s += baseTypeName(base_);
  s.append(depth_, '>');
  return s;
}

} // namespace brisk
