// RedundantLoads: redundant load elimination and store-to-load forwarding
// over SSA, with the alias model of analysis/MemoryAlias.h.
//
// A forward dataflow over the CFG (intersection at joins) tracks, at each
// point, cells whose contents a variable holds: after `store p v`, the cell
// of p holds v; after `x = load p`, it holds x. A `store q` forgets every
// cell q may alias, a `free q` every cell of an object q may be, a `call`
// every cell it may reach. A `load p` of a cell that some variable is known
// to hold on every path becomes `id` of that variable.
//
// Why deleting such a load keeps brili's memory errors: the load or store
// that made the fact ran on every path to it, on the same cell, and did not
// trap, so the cell was in bounds, allocated and (after a store, or since a
// load succeeded) initialized; nothing since may have stored to it or freed
// it. So the deleted load could not have trapped and reads what the
// variable holds. A load with no such predecessor -- possibly the first
// access, the one that traps on an uninitialized, out-of-bounds or freed
// cell -- stays where it is.
//
// Requires SSA form with phis. Changes instructions only (loads become
// `id`s; copy propagation or GVN removes them), never the CFG. With
// `memoryWriters` (analysis/MemoryAlias.h functionsThatWriteMemory), a call
// of a function that never stores or frees forgets nothing.
#pragma once

#include "ir/IR.h"

#include <llvm/ADT/StringSet.h>

namespace brisk {

bool eliminateRedundantLoads(Function &f, const llvm::StringSet<> *memoryWriters = nullptr);

} // namespace brisk
