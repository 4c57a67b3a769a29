#include "transforms/superblocks/Remarks.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace brisk {

namespace {
double round2(double x) { return std::round(x * 100.0) / 100.0; }
} // namespace

std::string remarksToJsonLines(const std::vector<RegionRemark> &remarks) {
  std::string out;
  for (const RegionRemark &r : remarks) {
    nlohmann::ordered_json j;
    j["function"] = r.function;
    j["trace"] = r.trace;
    j["loop"] = r.loop;
    j["head_count"] = round2(r.headCount);
    j["decision"] = r.decision;
    j["unroll"] = r.unroll;
    j["guards"] = r.guards;
    j["side_exits"] = r.sideExits;
    j["commits_for_effects"] = r.commitsForEffects;
    j["sunk_effects"] = r.sunkEffects;
    j["expected_saving"] = round2(r.expectedSaving);
    j["saving_speculative"] = round2(r.savingSpeculative);
    j["saving_branches"] = round2(r.savingBranches);
    j["growth"] = r.growth;
    j["commit_interval"] = r.commitInterval;
    j["expected_overhead"] = round2(r.expectedOverhead);
    j["expected_redo"] = round2(r.expectedRedo);
    j["reason"] = r.reason;
    out += j.dump();
    out += '\n';
  }
  return out;
}

} // namespace brisk
