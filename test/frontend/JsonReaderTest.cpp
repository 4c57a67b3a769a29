// The JSON reader: every field of the syntax documentation, the reference
// interpreter's reading of const values, and structural errors.
#include "FrontendTestSupport.h"

#include "backend/JsonWriter.h"
#include "frontend/Loader.h"

#include <cmath>

namespace brisk::test {
namespace {

TEST(JsonReader, ReadsTheDocumentationExample) {
  Program p = readJsonOk(R"({"functions": [{
    "name": "main",
    "instrs": [
      {"op": "const", "type": "int", "dest": "v0", "value": 1},
      {"op": "const", "type": "int", "dest": "v1", "value": 2},
      {"op": "add", "type": "int", "dest": "v2", "args": ["v0", "v1"]},
      {"op": "print", "args": ["v2"]},
      {"op": "alloc", "type": {"ptr": "int"}, "dest": "v3", "args": ["v0"]},
      {"op": "free", "args": ["v3"]}
    ]}]})");
  EXPECT_EQ(structure(p), "@main():void\n"
                          " block <0>\n"
                          "  v0:int = const #1\n"
                          "  v1:int = const #2\n"
                          "  v2:int = add v0 v1\n"
                          "  print v2\n"
                          "  v3:ptr<int> = alloc v0\n"
                          "  free v3\n");
}

TEST(JsonReader, MatchesTheTextParserOnTheSameProgram) {
  Program fromJson = readJsonOk(R"({"functions": [
    {"name": "f", "args": [{"name": "n", "type": "int"}], "type": "bool", "instrs": [
      {"label": "top"},
      {"op": "const", "dest": "z", "type": "int", "value": 0},
      {"op": "lt", "dest": "c", "type": "bool", "args": ["n", "z"]},
      {"op": "br", "args": ["c"], "labels": ["yes", "top"]},
      {"label": "yes"},
      {"op": "ret", "args": ["c"]}]},
    {"name": "main", "instrs": [
      {"op": "const", "dest": "k", "type": "int", "value": 3},
      {"op": "call", "dest": "r", "type": "bool", "args": ["k"], "funcs": ["f"]},
      {"op": "call", "args": ["k"], "funcs": ["f"]}]}]})");
  Program fromText = parseTextOk(R"(
@f(n: int): bool {
.top:
  z: int = const 0;
  c: bool = lt n z;
  br c .yes .top;
.yes:
  ret c;
}
@main {
  k: int = const 3;
  r: bool = call @f k;
  call @f k;
}
)");
  EXPECT_EQ(structure(fromJson), structure(fromText));
}

TEST(JsonReader, ConstValuesFollowTheReferenceInterpreter) {
  auto value = [](const char *type, const char *v) {
    Program p = readJsonOk(std::string(R"({"functions":[{"name":"m","instrs":[)") +
                           R"({"op":"const","dest":"x","type":)" + type + R"(,"value":)" + v +
                           "}]}]}");
    const Function &f = p.functions.at(0);
    return f.block(f.entry()).instrs.at(0).value;
  };
  EXPECT_EQ(value("\"int\"", "-5").asInt(), -5);
  EXPECT_EQ(value("\"int\"", "2.7").asInt(), 2);   // BigInt(Math.floor(v))
  EXPECT_EQ(value("\"int\"", "-2.5").asInt(), -3);
  EXPECT_EQ(value("\"float\"", "4").asFloat(), 4.0);
  EXPECT_EQ(value("\"float\"", "-0.25").asFloat(), -0.25);
  EXPECT_TRUE(value("\"bool\"", "true").asBool());
  EXPECT_EQ(value("\"char\"", "\"\\u0007\"").asChar(), 7u);
  EXPECT_EQ(value("\"char\"", "\"\xF0\x9F\x90\xB6\"").asChar(), 0x1F436u);
  EXPECT_EQ(value("\"any\"", "4").asInt(), 4); // an `any` number is an int
}

TEST(JsonReader, ReadsPositionsWhenPresent) {
  Program p = readJsonOk(R"({"functions":[{"name":"m","pos":{"row":1,"col":1},"instrs":[
    {"label":"l","pos":{"row":2,"col":1}},
    {"op":"nop","pos":{"row":3,"col":5},"pos_end":{"row":3,"col":9},"src":"/x.bril"},
    {"op":"nop","pos":"garbage"}]}]})");
  const Function &f = p.functions[0];
  EXPECT_EQ(f.pos, (SourcePos{1, 1}));
  EXPECT_EQ(f.block(f.entry()).pos, (SourcePos{2, 1}));
  EXPECT_EQ(f.block(f.entry()).instrs[0].pos, (SourcePos{3, 5}));
  EXPECT_FALSE(f.block(f.entry()).instrs[1].pos.known()); // malformed: ignored
}

TEST(JsonReader, IgnoresUnknownFieldsAndAcceptsMissingArgs) {
  Program p = readJsonOk(R"({"functions":[{"name":"m","instrs":[{"op":"nop","extra":1}],
                             "attrs":{}}],"structs":[]})");
  EXPECT_EQ(p.functions[0].instrCount(), 1u);
}

TEST(JsonReader, ProgramsTheReferenceRejectsOnlyAtRunTimeStillLoad) {
  // Wrong arity, wrong types, an undefined variable and function: brili
  // reports these only when it reaches them, so brisk must load them.
  readJsonOk(R"({"functions":[{"name":"main","instrs":[
    {"op":"const","dest":"b","type":"bool","value":true},
    {"op":"add","dest":"x","type":"int","args":["b"]},
    {"op":"print","args":["nope"]},
    {"op":"call","funcs":["missing"]}]}]})");
}

TEST(JsonReader, ReportsMalformedJsonWithByteOffset) {
  std::string errs = jsonErrors("{\"functions\": [}");
  EXPECT_EQ(errs.rfind("error: t.json: malformed JSON at byte 16: ", 0), 0u) << errs;
  // nlohmann reports a number no double can hold as out_of_range, not a
  // parse error; it must still be a diagnostic, not an exception.
  errs = jsonErrors(R"({"functions":[{"name":"m","instrs":[{"op":"const","value":1e99999}]}]})");
  EXPECT_NE(errs.find("malformed JSON: number overflow"), std::string::npos) << errs;
}

TEST(JsonReader, ReportsStructuralProblems) {
  EXPECT_NE(jsonErrors("[]").find("must be a JSON object"), std::string::npos);
  EXPECT_NE(jsonErrors("{}").find("missing field \"functions\""), std::string::npos);
  EXPECT_NE(jsonErrors(R"({"functions":{}})").find("field \"functions\" must be a list"),
            std::string::npos);
  EXPECT_NE(jsonErrors(R"({"functions":[{"instrs":[]}]})")
                .find("function 0: missing field \"name\""),
            std::string::npos);
  EXPECT_NE(jsonErrors(R"({"functions":[{"name":"m"}]})").find("missing field \"instrs\""),
            std::string::npos);
  EXPECT_NE(jsonErrors(R"({"functions":[{"name":"m","instrs":[{"dest":"x"}]}]})")
                .find("in @m, instruction 0: missing field \"op\""),
            std::string::npos);
  EXPECT_NE(jsonErrors(R"({"functions":[{"name":"m","instrs":[{"op":"print","args":"x"}]}]})")
                .find("field \"args\" must be a list of strings"),
            std::string::npos);
  EXPECT_NE(jsonErrors(R"({"functions":[{"name":"m","instrs":[{"op":"print","args":[1]}]}]})")
                .find("field \"args\" must be a list of strings"),
            std::string::npos);
  EXPECT_NE(jsonErrors(R"({"functions":[{"name":"m","args":[{"name":"a"}],"instrs":[]}]})")
                .find("each argument must be"),
            std::string::npos);
}

TEST(JsonReader, ReportsBadTypes) {
  EXPECT_NE(jsonErrors(R"({"functions":[{"name":"m","type":"str","instrs":[]}]})")
                .find("unknown type 'str'"),
            std::string::npos);
  EXPECT_NE(jsonErrors(R"({"functions":[{"name":"m","type":{"vec":"int"},"instrs":[]}]})")
                .find("must be {\"ptr\": TYPE}"),
            std::string::npos);
  std::string deep = "\"int\"";
  for (int i = 0; i < 256; ++i)
    deep = "{\"ptr\":" + deep + "}";
  EXPECT_NE(jsonErrors(R"({"functions":[{"name":"m","type":)" + deep + R"(,"instrs":[]}]})")
                .find("pointer nesting deeper than 255"),
            std::string::npos);
}

TEST(JsonReader, ReportsConstValuesThatDoNotFit) {
  auto errs = [](const char *type, const char *v) {
    return jsonErrors(std::string(R"({"functions":[{"name":"m","instrs":[)") +
                      R"({"op":"const","dest":"x","type":)" + type + R"(,"value":)" + v +
                      "}]}]}");
  };
  EXPECT_NE(errs("\"int\"", "9223372036854775808").find("does not fit in 64 bits"),
            std::string::npos);
  EXPECT_NE(errs("\"int\"", "1e300").find("does not fit in a 64-bit int"), std::string::npos);
  EXPECT_NE(errs("\"int\"", "true").find("bool literal for a constant of type int"),
            std::string::npos);
  EXPECT_NE(errs("\"bool\"", "0").find("number literal for a constant of type bool"),
            std::string::npos);
  EXPECT_NE(errs("\"char\"", "\"ab\"").find("exactly one character"), std::string::npos);
  EXPECT_NE(errs("\"char\"", "\"\"").find("exactly one character"), std::string::npos);
  EXPECT_NE(errs("\"int\"", "null").find("must be a number, a boolean"), std::string::npos);
  EXPECT_NE(jsonErrors(R"({"functions":[{"name":"m","instrs":[{"op":"const","dest":"x","type":"int"}]}]})")
                .find("const needs a value"),
            std::string::npos);
}

TEST(JsonReader, ReportsLabelProblems) {
  std::string errs = jsonErrors(R"({"functions":[{"name":"m","instrs":[
    {"label":"a"},{"label":"a"},{"op":"jmp","labels":["b"]},{"label":7}]}]})");
  EXPECT_NE(errs.find("in @m: duplicate label .a"), std::string::npos) << errs;
  EXPECT_NE(errs.find("in @m, instruction 0 (jmp): undefined label .b"), std::string::npos)
      << errs;
  EXPECT_NE(errs.find("field \"label\" must be a string"), std::string::npos) << errs;
}

TEST(JsonReader, ReportsEveryProblemNotJustTheFirst) {
  std::string errs = jsonErrors(R"({"functions":[
    {"name":"a","instrs":[{"op":"frob"}]},
    {"name":"b","instrs":[{"op":"add","args":["x","y"]}]}]})");
  EXPECT_NE(errs.find("in @a, instruction 0 (frob): unknown opcode 'frob'"), std::string::npos)
      << errs;
  EXPECT_NE(errs.find("in @b, instruction 0 (add): add needs a destination"), std::string::npos)
      << errs;
}

// Well-formed JSON is read directly and anything unusual through nlohmann:
// the same program however its JSON is laid out, escaped or ordered, down
// to variable and block numbering and source positions.
std::string fingerprint(const Program &p) {
  std::string out = structure(p) + toJsonStringWithPositions(p);
  for (const Function &f : p.functions) {
    for (VarId v = 0; v < f.numVars(); ++v)
      out += f.varName(v) + ",";
    for (const Block &b : f.blocks)
      out += b.label + ";";
  }
  return out;
}

TEST(JsonReader, ReadsTheSameProgramHoweverTheJsonIsLaidOut) {
  Program original = parseTextOk(R"(@f(p: ptr<int>, k: int): char {
  c: char = const 'ξ';
  q: char = const '"';
  n: char = const '\n';
  e: char = const '😁';
  x: float = const -2.5e-3;
  b: bool = const true;
  m: int = const -42;
  v: int = load p;
  br b .yes .no;
.yes:
  ret c;
.no:
  ret e;
}
@main {
  one: int = const 1;
  p: ptr<int> = alloc one;
  store p one;
  r: char = call @f p one;
  print r;
  free p;
}
)");
  const std::string json = toJsonStringWithPositions(original);
  const std::string expected = fingerprint(readJsonOk(json));
  EXPECT_EQ(fingerprint(readJsonOk(nlohmann::json::parse(json).dump())), expected);
  // \u escapes, which only nlohmann reads.
  EXPECT_EQ(fingerprint(readJsonOk(nlohmann::json::parse(json).dump(1, ' ', true))), expected);
  // "args" after "instrs": the parameters still get the first VarIds.
  nlohmann::ordered_json reordered = nlohmann::ordered_json::parse(json);
  for (auto &f : reordered["functions"])
    if (f.contains("args")) {
      nlohmann::ordered_json args = f["args"];
      f.erase("args");
      f["args"] = args;
    }
  EXPECT_EQ(fingerprint(readJsonOk(reordered.dump())), expected);
  EXPECT_EQ(structure(readJsonOk(json)), structure(original));
}

TEST(Loader, DetectsTheFormatFromTheContent) {
  EXPECT_EQ(detectFormat("  \n {\"functions\": []}"), InputFormat::Json);
  EXPECT_EQ(detectFormat("\xEF\xBB\xBF{}"), InputFormat::Json);
  EXPECT_EQ(detectFormat("@main {}"), InputFormat::Text);
  // A JSON document of the wrong kind is still JSON, to get a JSON message.
  EXPECT_EQ(detectFormat(" [1, 2]"), InputFormat::Json);
  EXPECT_EQ(detectFormat("\"main\""), InputFormat::Json);
  EXPECT_EQ(detectFormat("# {json?}\n@main {}"), InputFormat::Text);
  EXPECT_EQ(detectFormat(""), InputFormat::Text);
  Diagnostics diags;
  std::optional<Program> a = loadProgram("{\"functions\":[{\"name\":\"x\",\"instrs\":[]}]}", diags);
  std::optional<Program> b = loadProgram("@x {}", diags);
  ASSERT_TRUE(a && b) << messages(diags);
  EXPECT_EQ(structure(*a), structure(*b));
}

} // namespace
} // namespace brisk::test
