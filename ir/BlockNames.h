// BlockNames: the label each block is printed with. A block keeps its own
// label; an unlabeled block that some instruction targets gets a generated
// one ("b.N") that collides with no existing label. Shared by the JSON writer
// and the text printer so both spell a program the same way.
#pragma once

#include "ir/IR.h"

#include <string>
#include <vector>

namespace brisk {

// Indexed by BlockId; empty for blocks printed without a label.
std::vector<std::string> blockNames(const Function &function);

} // namespace brisk
