// TextParser: the Bril text format (bril2json's syntax) to the brisk IR.
//
// Grammar, as in the bril-txt tools: functions `@f(a: int, p: ptr<int>): int { ... }`;
// labels `.name:`; constants `x: T = const LIT;` (ints, true/false, floats,
// nan/inf, chars 'c'); value ops `x: T = op ARGS;` and effect ops `op ARGS;`
// where each ARG is a variable, `@func` or `.label`; `#` comments. Every
// problem is reported with its line and column. Builds exactly the program
// bril2json would build, so text -> JSON equals the reference converter's
// output.
#pragma once

#include "ir/Diagnostics.h"
#include "ir/IR.h"

#include <optional>
#include <string_view>

namespace brisk {

std::optional<Program> parseTextProgram(std::string_view text, Diagnostics &diags);

} // namespace brisk
