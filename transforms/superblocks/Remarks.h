// Remarks: what the superblock former decided for each region and why, as
// written by `brisk opt --remarks=FILE`: one JSON object per line, in the
// order the regions were considered (hottest trace first per function).
//
// Fields: function, trace (the blocks as the program printed just before
// formation names them: ".L", "(entry)", "(after .L)"; ir/BlockNames.h),
// loop, head_count, decision ("speculative", "branches" or "rejected"; or
// "untouched", with an empty trace, for a whole function the optimizer left
// as written, such as one that uses speculation itself: Pipeline.h),
// unroll, guards, side_exits, commits_for_effects, expected_saving (dynamic
// instructions on the profile, CostModel.h), saving_speculative and
// saving_branches (the best candidate of each form), growth (static
// instructions added), reason.
#pragma once

#include "transforms/superblocks/SuperblockFormation.h"

#include <string>
#include <vector>

namespace brisk {

std::string remarksToJsonLines(const std::vector<RegionRemark> &remarks);

} // namespace brisk
