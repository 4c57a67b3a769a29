#include "frontend/Loader.h"

#include "frontend/JsonReader.h"
#include "frontend/TextParser.h"

namespace brisk {

InputFormat detectFormat(std::string_view text) {
  // A UTF-8 byte order mark is not white space to either format; skip it so
  // a file saved by an editor that adds one is still recognised.
  if (text.substr(0, 3) == "\xEF\xBB\xBF")
    text.remove_prefix(3);
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
      continue;
    // No text program starts with '[' or '"', and the JSON reader says
    // "must be a JSON object" where the text parser could only complain
    // about a stray character.
    return c == '{' || c == '[' || c == '"' ? InputFormat::Json : InputFormat::Text;
  }
  return InputFormat::Text;
}

std::optional<Program> loadProgram(std::string_view text, Diagnostics &diags,
                                   bool keepUndefinedLabels) {
  if (detectFormat(text) == InputFormat::Json)
    return readJsonProgram(text, diags, keepUndefinedLabels);
  return parseTextProgram(text, diags, keepUndefinedLabels);
}

} // namespace brisk
