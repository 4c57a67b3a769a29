// TextParser: the Bril text format (bril2json's syntax) to the brisk IR.
//
// Grammar, as in the bril-txt tools: functions `@f(a: int, p: ptr<int>): int { ... }`
// (both the argument list and the return type optional); labels `.name:`;
// constants `x: T = const LIT;`; value ops `x: T = op ARGS;` and effect ops
// `op ARGS;` where each ARG is a variable, `@func` or `.label` (sorted into
// args, funcs and labels in order, as bril2json does); `#` comments.
// Identifiers are ("_"|"%"|letter)("_"|"%"|"."|letter|digit)*.
//
// Literals: ints (SIGNED_INT), floats (SIGNED_FLOAT: `.5`, `5.`, `1e6`,
// `-1E+6`), true/false, chars `'c'` (one code point) or `'\n'` with the
// escapes 0 a b t n v f r; a backslash and a quote are written raw, `'\'`
// and `'''`, as bril2json reads and brisk's printer writes them. Beyond
// bril2json, so the printer's output always parses back: `nan`, `inf`,
// `-inf`; and the escapes `'\\'` and `'\''` that earlier brisk printed.
// A destination written without a type (`x = add a b;`) gets the type its
// opcode or literal fixes; any other untyped destination is an error.
//
// Every problem is reported with its line and column (1-based, counting
// code points); after an error the parser skips to the next statement, so
// one run reports them all. Records source positions as `bril2json -p` does
// (the dest of a value op, the op of an effect op, the label, the function
// name). Builds exactly the program bril2json would build, so text -> JSON
// equals the reference converter's output.
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
std::optional<Program> parseTextProgram(std::string_view text, Diagnostics &diags,
                                        bool keepUndefinedLabels = false);

} // namespace brisk
