// GeneratorFlags: the generator's feature switches, declared and read the
// same way by every subcommand that generates programs (gen, fuzz):
//   --no-memory, --no-floats, --no-chars, --no-calls, --no-recursion,
//   --no-prints turn features of the safe generator off;
//   --undefined-reads, --traps, --endless-loops, --own-speculation,
//   --hot-loops, --memory-hazards, --aliasing, --pointer-loops, --loop-nests,
//   --folded-arms (--hazards for all ten, --no-hazards for none) turn the shapes of
//   ProgramGenerator.h on, --no-undefined-reads ... turn them off, and
//   --shape-rate=P sets how often a statement holds one.
// Which shapes are on by default differs: `brisk gen` writes safe,
// terminating programs unless asked (bench/scaling.sh relies on that);
// `brisk fuzz` turns every shape on.
#pragma once

#include "tools/Options.h"
#include "tools/gen/ProgramGenerator.h"

#include <string>

namespace brisk {

// The default of --shape-rate: GenOptions' 4 for `brisk gen`; 6 for `brisk
// fuzz`, whose ten shapes share the positions the first five had alone, so
// that each of those five keeps about the frequency it had (measured in
// docs/generator.md).
unsigned defaultShapeRate(bool shapesOnByDefault);

// Declares the switches on `opts`; `prefix` starts each help line.
// `shapesOnByDefault` only changes the help text.
void declareGeneratorFlags(Options &opts, const std::string &prefix = "",
                           bool shapesOnByDefault = false);

// Turns the features whose switch was given off in `g` (--no-calls implies
// --no-recursion) and sets the shapes: on when `shapesOnByDefault` or asked
// for, off when --no-SHAPE is given. Returns false (with a message) on a
// malformed --shape-rate.
bool readGeneratorFlags(const Options &opts, GenOptions &g, bool shapesOnByDefault = false);

// The generator flags that reproduce `g`'s features relative to the defaults
// of a command whose shapes are on by default or not (for reproducers).
std::string generatorFlagsFor(const GenOptions &g, bool shapesOnByDefault);

} // namespace brisk
