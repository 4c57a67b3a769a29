// GeneratorFlags: the generator's feature switches (--no-memory, --no-floats,
// --no-chars, --no-calls, --no-recursion, --no-prints), declared and read the
// same way by every subcommand that generates programs (gen, fuzz).
#pragma once

#include "tools/Options.h"
#include "tools/gen/ProgramGenerator.h"

namespace brisk {

// Declares the switches on `opts`; `prefix` starts each help line.
void declareGeneratorFlags(Options &opts, const std::string &prefix = "");

// Turns the features whose switch was given off in `g` (--no-calls implies
// --no-recursion).
void readGeneratorFlags(const Options &opts, GenOptions &g);

} // namespace brisk
