#include "transforms/superblocks/ProfileWeights.h"

#include <algorithm>

namespace brisk {

void FunctionWeights::setBlock(BlockId b, double count) {
  if (b >= blocks_.size())
    blocks_.resize(b + 1, 0.0);
  blocks_[b] = count;
}

double FunctionWeights::edge(BlockId from, BlockId to) const {
  if (from >= out_.size())
    return 0.0;
  for (auto &[t, c] : out_[from])
    if (t == to)
      return c;
  return 0.0;
}

void FunctionWeights::setEdge(BlockId from, BlockId to, double count) {
  if (from >= out_.size())
    out_.resize(from + 1);
  for (auto &[t, c] : out_[from])
    if (t == to) {
      c = count;
      return;
    }
  out_[from].push_back({to, count});
}

void FunctionWeights::clearEdgesFrom(BlockId from) {
  if (from < out_.size())
    out_[from].clear();
}

double FunctionWeights::probability(BlockId from, BlockId to) const {
  if (from >= out_.size())
    return 0.0;
  double total = 0;
  for (auto &[t, c] : out_[from])
    total += c;
  return total > 0 ? edge(from, to) / total : 0.0;
}

std::vector<std::pair<BlockId, double>> FunctionWeights::edgesFrom(BlockId from) const {
  if (from >= out_.size())
    return {};
  return {out_[from].begin(), out_[from].end()};
}

ProgramWeights ProgramWeights::fromProfile(const Program &program, const Profile &profile) {
  ProgramWeights w;
  for (const Function &f : program.functions) {
    const FunctionProfile *fp = profile.function(f.name);
    FunctionWeights &fw = w.byName_[f.name];
    if (!fp)
      continue;
    fw.entryCount = double(fp->entryCount);
    size_t sources = fp->blockCounts.size();
    for (const EdgeCount &e : fp->edges)
      sources = std::max<size_t>(sources, size_t(e.from) + 1);
    fw.reserve(sources);
    for (BlockId b = 0; b < fp->blockCounts.size(); ++b)
      if (fp->blockCounts[b])
        fw.setBlock(b, double(fp->blockCounts[b]));
    for (const EdgeCount &e : fp->edges)
      fw.setEdge(e.from, e.to, double(e.count));
  }
  return w;
}

const FunctionWeights *ProgramWeights::find(const Function &function) const {
  auto it = byName_.find(function.name);
  return it == byName_.end() ? nullptr : &it->second;
}

} // namespace brisk
