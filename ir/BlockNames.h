// BlockNames: the one place that says what a block is called, the way the
// printed program calls it.
//
// blockNames() gives the label each block is printed with: its own label, or,
// for an unlabeled block that some instruction targets, a generated one
// ("b.N") that collides with no existing label. The JSON writer, the text
// printer, `brisk ssa` and `brisk dot` all print with it, so every output
// spells a program the same way.
//
// blockRef() is how a message (the verifier's diagnostics, the superblock
// remarks) refers to a block: ".L" with the name it is printed with, or, for a
// block printed without a label, where the printed program shows its
// instructions: "(entry)" at the top of the function, "(after .L)" right
// after block .L.
#pragma once

#include "ir/IR.h"

#include <string>
#include <vector>

namespace brisk {

// Indexed by BlockId; empty for blocks printed without a label. The walk
// that finds the targeted blocks reads every instruction; when `sawGuard`
// is given it also says whether one of them is a `guard`, so that a printer
// can build its CFG from the terminators alone (CFG::Guards::Absent) when
// none is, instead of walking every instruction again.
std::vector<std::string> blockNames(const Function &function, bool *sawGuard = nullptr);

// `b` as messages name it; `names` is blockNames(function).
std::string blockRef(const Function &function, const std::vector<std::string> &names, BlockId b);
// The same, computing the names only when `b` has no label of its own.
std::string blockRef(const Function &function, BlockId b);

} // namespace brisk
