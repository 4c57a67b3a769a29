#include "ir/Symbol.h"

#include <llvm/ADT/StringMap.h>

#include <mutex>
#include <ostream>

namespace brisk {

namespace {

// Never destroyed: Symbols may outlive every static destructor.
struct Pool {
  std::mutex mutex;
  // The key is the name; the value is the same name as a std::string, which
  // StringMap never moves (rehashing moves pointers to entries).
  llvm::StringMap<std::string> names;
};

Pool &pool() {
  static Pool *p = new Pool;
  return *p;
}

} // namespace

const std::string *Symbol::intern(std::string_view name) {
  if (name.empty())
    return nullptr;
  Pool &p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  auto [it, added] = p.names.try_emplace(llvm::StringRef(name.data(), name.size()));
  if (added)
    it->second.assign(name);
  return &it->second;
}

const std::string &Symbol::emptyString() {
  static const std::string *empty = new std::string;
  return *empty;
}

std::ostream &operator<<(std::ostream &os, Symbol s) { return os << s.str(); }

} // namespace brisk
