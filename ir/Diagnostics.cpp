#include "ir/Diagnostics.h"

#include <ostream>

namespace brisk {

void Diagnostics::error(Location where, std::string message) {
  if (errors_.size() >= kMaxStored) {
    ++dropped_;
    return;
  }
  errors_.push_back(Diagnostic{std::move(where), std::move(message)});
}

std::string Diagnostics::format(const Diagnostic &d) const {
  std::string s = "error: " + fileName_;
  if (d.where.pos.known()) {
    // (Appended piece by piece: GCC 12 warns falsely, -Wrestrict, on
    // "literal" + std::string temporaries at -O3.)
    s += ':';
    s += std::to_string(d.where.pos.row);
    if (d.where.pos.col > 0) {
      s += ':';
      s += std::to_string(d.where.pos.col);
    }
  }
  s += ": ";
  if (!d.where.function.empty()) {
    s += "in @" + d.where.function;
    if (!d.where.block.empty())
      s += ", block " + d.where.block;
    if (d.where.instrIndex >= 0) {
      s += ", instruction " + std::to_string(d.where.instrIndex);
      if (!d.where.opcode.empty())
        s += " (" + d.where.opcode + ")";
    }
    s += ": ";
  }
  s += d.message;
  return s;
}

void Diagnostics::print(std::ostream &os) const {
  for (const Diagnostic &d : errors_)
    os << format(d) << '\n';
  if (dropped_ > 0)
    os << "error: " << fileName_ << ": " << dropped_ << " more errors not shown\n";
}

} // namespace brisk
