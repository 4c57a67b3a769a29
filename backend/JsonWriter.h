// JsonWriter: the brisk IR to Bril JSON exactly as the reference tools expect
// it: "functions"; per function "name", "args" (omitted when empty), "type"
// (omitted when void), "instrs"; per instruction the fields bril2json writes,
// each omitted when empty; pointer types as {"ptr": T}; const values as JSON
// ints, booleans, floats, or one-character strings for chars. Unlabeled
// blocks that are branched to get a generated label. Internal opcodes (phi)
// must have been lowered before writing; writing one is a programming error.
#pragma once

#include "backend/ChunkedText.h"
#include "ir/IR.h"

#include <nlohmann/json.hpp>

#include <iosfwd>
#include <string>
#include <string_view>

namespace brisk {

nlohmann::json programToJson(const Program &program);
// Pretty-printed with two-space indentation and a trailing newline.
void writeJson(const Program &program, std::ostream &os);
std::string toJsonString(const Program &program);
// Hands toJsonString's text to `sink` in chunks of a few hundred kilobytes
// (ChunkedText), never holding the whole; returns false, having stopped,
// when the sink returned false.
bool writeJsonChunks(const Program &program, const TextSink &sink);
// Like toJsonString, with bril2json -p's source positions: a "pos" object
// {"row", "col"} (1-based) on every function, label and instruction whose
// position is known.
std::string toJsonStringWithPositions(const Program &program);

// Shared with the reader: {"ptr": {"ptr": "int"}} <-> Type.
nlohmann::json typeToJson(Type type);

} // namespace brisk
