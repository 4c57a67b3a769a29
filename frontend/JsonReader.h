// JsonReader: Bril JSON (as bril2json writes it) to the brisk IR.
//
// Accepts every field of the language documentation (functions, args, type,
// instrs, labels, op, dest, args, funcs, labels, value, pos/pos_end/src) and
// ignores fields it does not know. Reports, through Diagnostics, every
// structural problem, not just the first: malformed JSON (with its byte
// offset), a field of the wrong JSON type, a missing required field (name,
// instrs, op), an unknown opcode, a bad type, a duplicate or undefined label,
// a const literal that does not fit its type, a dest on an effect op or none
// on a value op. A malformed "pos" is ignored, since positions are hints.
//
// Const values are read the way the reference interpreter reads them: a
// number for an int is floored, an int for a float converts, an `any`
// constant is an int, a char is a string of exactly one code point.
//
// It does not type-check operands or count them (that is TypeChecker's
// job), so programs the reference interpreter only rejects at run time still
// load and run to their first error. Shape rules live in FunctionBuilder and
// are shared with the text parser; "instruction N" in a message counts
// instructions of the function, labels excluded.
#pragma once

#include "ir/Diagnostics.h"
#include "ir/IR.h"

#include <optional>
#include <string_view>

namespace brisk {

// With `keepUndefinedLabels`, a program whose only errors are undefined labels
// is still returned (the errors stay in `diags`), so that `brisk check` can go
// on and report the type errors too. Its label operands then name blocks
// that are not in the layout: such a program must not be run or optimized.
std::optional<Program> readJsonProgram(std::string_view text, Diagnostics &diags,
                                       bool keepUndefinedLabels = false);

} // namespace brisk
