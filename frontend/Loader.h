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
std::optional<Program> loadProgram(std::string_view text, Diagnostics &diags);

} // namespace brisk
