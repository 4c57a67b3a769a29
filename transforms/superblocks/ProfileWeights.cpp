#include "transforms/superblocks/ProfileWeights.h"

namespace brisk {

void FunctionWeights::setBlock(BlockId b, double count) {
  if (b >= blocks_.size())
    blocks_.resize(b + 1, 0.0);
  blocks_[b] = count;
}

double FunctionWeights::edge(BlockId from, BlockId to) const {
  auto it = edges_.find(key(from, to));
  return it == edges_.end() ? 0.0 : it->second;
}

void FunctionWeights::setEdge(BlockId from, BlockId to, double count) {
  edges_[key(from, to)] = count;
}

void FunctionWeights::clearEdgesFrom(BlockId from) {
  std::vector<uint64_t> doomed;
  for (auto &[k, v] : edges_)
    if (BlockId(k >> 32) == from)
      doomed.push_back(k);
  for (uint64_t k : doomed)
    edges_.erase(k);
}

double FunctionWeights::probability(BlockId from, BlockId to) const {
  double total = 0;
  for (auto &[k, v] : edges_)
    if (BlockId(k >> 32) == from)
      total += v;
  return total > 0 ? edge(from, to) / total : 0.0;
}

std::vector<std::pair<BlockId, double>> FunctionWeights::edgesFrom(BlockId from) const {
  std::vector<std::pair<BlockId, double>> out;
  for (auto &[k, v] : edges_)
    if (BlockId(k >> 32) == from)
      out.push_back({BlockId(k & 0xffffffffu), v});
  return out;
}

ProgramWeights ProgramWeights::fromProfile(const Program &program, const Profile &profile) {
  ProgramWeights w;
  for (const Function &f : program.functions) {
    const FunctionProfile *fp = profile.function(f.name);
    FunctionWeights &fw = w.byName_[f.name];
    if (!fp)
      continue;
    fw.entryCount = double(fp->entryCount);
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
