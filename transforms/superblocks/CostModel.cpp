#include "transforms/superblocks/CostModel.h"

#include <cmath>

namespace brisk {

double regionEntryFlow(double headCount, double s, unsigned unroll, bool loop) {
  if (!loop || unroll == 0)
    return headCount;
  if (s >= 1.0 - 1e-12)
    return headCount / unroll;
  return headCount * (1.0 - s) / (1.0 - std::pow(s, double(unroll)));
}

double regionCost(const Function &f, const llvm::DenseMap<BlockId, double> &flow) {
  double cost = 0;
  for (auto &[b, fl] : flow)
    if (b < f.blocks.size() && !f.block(b).dead)
      cost += fl * blockCost(f, b);
  return cost;
}

} // namespace brisk
