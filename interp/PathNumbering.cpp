#include "interp/PathNumbering.h"

#include <algorithm>

namespace brisk::interp {

InterpCfg buildInterpCfg(const Function &fn) {
  InterpCfg cfg;
  cfg.runs.resize(fn.blocks.size());
  cfg.exits.assign(fn.blocks.size(), false);
  cfg.targets.reserve(fn.layout.size() * 2);
  for (size_t i = 0; i < fn.layout.size(); ++i) {
    BlockId b = fn.layout[i];
    InterpCfg::Run &run = cfg.runs[b];
    run.begin = uint32_t(cfg.targets.size());
    auto add = [&](BlockId t) {
      auto mine = cfg.targets.begin() + run.begin;
      if (std::find(mine, cfg.targets.end(), t) == cfg.targets.end()) {
        cfg.targets.push_back(t);
        ++run.size;
      }
    };
    const Block &blk = fn.block(b);
    for (const Instr &in : blk.instrs)
      if (in.op == Opcode::Guard && !in.labels.empty())
        add(in.labels[0]);
    const Instr *term = blk.terminator();
    if (!term) {
      if (i + 1 < fn.layout.size())
        add(fn.layout[i + 1]);
      else
        cfg.exits[b] = true;
    } else if (term->op == Opcode::Ret) {
      cfg.exits[b] = true;
    } else {
      for (BlockId t : term->labels)
        add(t);
    }
  }
  return cfg;
}

PathNumbering::PathNumbering(const Function &fn, const InterpCfg &cfg)
    : numBlocks_(fn.blocks.size()) {
  outBegin_.resize(numBlocks_);
  outSize_.assign(numBlocks_, 0);
  uint32_t room = 0;
  for (BlockId b = 0; b < numBlocks_; ++b) {
    outBegin_[b] = room;
    room += uint32_t(cfg.succs(b).size()) + (cfg.exits[b] ? 1 : 0);
  }
  edges_.resize(room);
  auto push = [&](BlockId b, DagEdge e) { edges_[outBegin_[b] + outSize_[b]++] = e; };
  if (fn.layout.empty()) {
    ok_ = false;
    return;
  }
  // Depth-first search for retreating edges (iterative: functions may be huge).
  enum : uint8_t { White, Grey, Black };
  std::vector<uint8_t> color(numBlocks_, White);
  std::vector<std::pair<BlockId, size_t>> stack;
  std::vector<BlockId> headers; // in order of discovery
  std::vector<bool> isHeader(numBlocks_, false);
  BlockId entry = fn.entry();
  stack.emplace_back(entry, 0);
  color[entry] = Grey;
  entryOut_.push_back({entry, Kind::Start, kNoBlock});
  while (!stack.empty()) {
    auto &[b, next] = stack.back();
    if (llvm::ArrayRef<BlockId> succs = cfg.succs(b); next < succs.size()) {
      BlockId t = succs[next++];
      if (color[t] == Grey) {
        push(b, {exitNode(), Kind::BackEnd, t});
        if (!isHeader[t]) {
          isHeader[t] = true;
          headers.push_back(t);
        }
      } else {
        push(b, {t, Kind::Normal, kNoBlock});
        if (color[t] == White) {
          color[t] = Grey;
          stack.emplace_back(t, 0);
        }
      }
      continue;
    }
    if (cfg.exits[b])
      push(b, {exitNode(), Kind::Exit, kNoBlock});
    color[b] = Black;
    stack.pop_back();
  }
  for (BlockId h : headers)
    entryOut_.push_back({h, Kind::Restart, h});

  // Number paths in reverse topological order (post-order of the DAG).
  std::vector<uint64_t> numPaths(numBlocks_ + 2, 0);
  std::vector<uint8_t> state(numBlocks_ + 2, 0);
  numPaths[exitNode()] = 1;
  state[exitNode()] = 2;
  const uint64_t kLimit = uint64_t(1) << 62;
  std::vector<std::pair<uint32_t, size_t>> work{{entryNode(), 0}};
  state[entryNode()] = 1;
  while (!work.empty() && ok_) {
    auto &[n, i] = work.back();
    if (llvm::ArrayRef<DagEdge> edges = out(n); i < edges.size()) {
      uint32_t t = edges[i++].to;
      if (state[t] == 0) {
        state[t] = 1;
        work.emplace_back(t, 0);
      }
      continue;
    }
    uint64_t sum = 0;
    for (DagEdge &e : out(n)) {
      e.inc = int64_t(sum);
      sum += numPaths[e.to];
      if (sum > kLimit)
        ok_ = false;
    }
    numPaths[n] = sum;
    state[n] = 2;
    work.pop_back();
  }
  numPaths_ = ok_ ? numPaths[entryNode()] : 0;
  // The entry node has one Restart edge per loop header: indexed here so a
  // back edge's restart value costs O(1), not a scan of every header.
  restartInc_.assign(numBlocks_, 0);
  for (const DagEdge &e : entryOut_)
    if (e.kind == Kind::Restart)
      restartInc_[e.header] = e.inc;
}

llvm::MutableArrayRef<PathNumbering::DagEdge> PathNumbering::out(uint32_t n) {
  if (n == entryNode())
    return entryOut_;
  if (n == exitNode())
    return {};
  return llvm::MutableArrayRef<DagEdge>(edges_).slice(outBegin_[n], outSize_[n]);
}

llvm::ArrayRef<PathNumbering::DagEdge> PathNumbering::out(uint32_t n) const {
  return const_cast<PathNumbering *>(this)->out(n);
}

const PathNumbering::DagEdge *PathNumbering::find(uint32_t from, Kind kind, uint32_t to,
                                                  BlockId header) const {
  for (const DagEdge &e : out(from))
    if (e.kind == kind && e.to == to && e.header == header)
      return &e;
  return nullptr;
}

bool PathNumbering::isBackEdge(BlockId u, BlockId v) const {
  return find(u, Kind::BackEnd, exitNode(), v) != nullptr;
}

int64_t PathNumbering::increment(BlockId u, BlockId v) const {
  const DagEdge *e = find(u, Kind::Normal, v, kNoBlock);
  return e ? e->inc : 0;
}

int64_t PathNumbering::backEdgeEnd(BlockId u, BlockId h) const {
  const DagEdge *e = find(u, Kind::BackEnd, exitNode(), h);
  return e ? e->inc : 0;
}

int64_t PathNumbering::backEdgeRestart(BlockId h) const {
  return h < restartInc_.size() ? restartInc_[h] : 0;
}

int64_t PathNumbering::exitIncrement(BlockId u) const {
  const DagEdge *e = find(u, Kind::Exit, exitNode(), kNoBlock);
  return e ? e->inc : 0;
}

DecodedPath PathNumbering::decode(uint64_t path) const {
  DecodedPath d{PathStart::FunctionEntry, PathEnd::Return, {}, kNoBlock};
  uint32_t node = entryNode();
  uint64_t rest = path;
  // Each step takes the out edge with the largest increment not above the
  // remainder; increments are assigned in edge order, so they ascend.
  for (size_t steps = 0; node != exitNode() && steps <= numBlocks_ + 1; ++steps) {
    // A binary search: the entry node has an edge per loop header, and a
    // linear scan made decoding every recorded path quadratic.
    llvm::ArrayRef<DagEdge> edges = out(node);
    auto after = std::upper_bound(edges.begin(), edges.end(), rest,
                                  [](uint64_t r, const DagEdge &e) { return r < uint64_t(e.inc); });
    if (after == edges.begin())
      break;
    const DagEdge *pick = &*(after - 1);
    rest -= uint64_t(pick->inc);
    if (pick->kind == Kind::Restart)
      d.start = PathStart::LoopHeader;
    if (pick->kind == Kind::BackEnd) {
      d.end = PathEnd::BackEdge;
      d.backEdgeTarget = pick->header;
    }
    node = pick->to;
    if (node < numBlocks_)
      d.blocks.push_back(BlockId(node));
  }
  return d;
}

} // namespace brisk::interp
