// JsonReader: Bril JSON (as bril2json writes it) to the brisk IR.
//
// Accepts every field of the language documentation (functions, args, type,
// instrs, labels, op, dest, args, funcs, labels, value, pos/pos_end/src) and
// reports, through Diagnostics, every structural problem: malformed JSON
// (with byte offset), a field of the wrong JSON type, a missing required
// field, an unknown opcode, a bad type, a duplicate or undefined label, a
// const literal that does not fit its type. It does not type-check operands
// (that is TypeChecker's job), so programs the reference interpreter only
// rejects at run time still load and run to their first error.
#pragma once

#include "ir/Diagnostics.h"
#include "ir/IR.h"

#include <optional>
#include <string_view>

namespace brisk {

std::optional<Program> readJsonProgram(std::string_view text, Diagnostics &diags);

} // namespace brisk
