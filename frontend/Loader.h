// Loader: reads a program in either format. The format is detected from the
// content (JSON starts with '{' after white space, or '[' or '"', which no
// text program does, so a JSON document of the wrong kind gets a JSON
// message; anything else is text), so every subcommand accepts both.
#pragma once

#include "ir/Diagnostics.h"
#include "ir/IR.h"

#include <optional>
#include <string_view>

namespace brisk {

enum class InputFormat { Json, Text };

InputFormat detectFormat(std::string_view text);
// With `keepUndefinedLabels`, a program whose only errors are undefined labels
// is still returned (the errors stay in `diags`), so that `brisk check` can go
// on and report the type errors too. Its label operands then name blocks
// that are not in the layout: such a program must not be run or optimized.
std::optional<Program> loadProgram(std::string_view text, Diagnostics &diags,
                                   bool keepUndefinedLabels = false);

} // namespace brisk
