// The text parser: grammar, block formation, literals, positions, and the
// errors it must report with their line and column.
#include "FrontendTestSupport.h"

#include <cmath>

namespace brisk::test {
namespace {

const Instr &onlyInstr(const Program &p) {
  const Function &f = p.functions.at(0);
  return f.block(f.layout.at(0)).instrs.at(0);
}

TEST(TextParser, BlocksStartAtLabelsAndAfterTerminators) {
  Program p = parseTextOk(R"(
@main {
  a: int = const 1;
  jmp .l;
  print a;
.l:
.m:
  print a;
  ret;
}
)");
  EXPECT_EQ(structure(p), "@main():void\n"
                          " block <0>\n"
                          "  a:int = const #1\n"
                          "  jmp .l\n"
                          " block <1>\n"
                          "  print a\n"
                          " block l\n"
                          " block m\n"
                          "  print a\n"
                          "  ret\n");
}

TEST(TextParser, EmptyFunctionHasOneEntryBlock) {
  Program p = parseTextOk("@f { }");
  ASSERT_EQ(p.functions.size(), 1u);
  const Function &f = p.functions[0];
  ASSERT_EQ(f.layout.size(), 1u);
  EXPECT_TRUE(f.block(f.entry()).instrs.empty());
  EXPECT_FALSE(f.block(f.entry()).hasLabel());
}

TEST(TextParser, LeadingLabelIsTheEntry) {
  Program p = parseTextOk("@main {\n.top:\n  jmp .top;\n}\n");
  const Function &f = p.functions[0];
  ASSERT_EQ(f.layout.size(), 1u);
  EXPECT_EQ(f.block(f.entry()).label, "top");
  EXPECT_EQ(f.block(f.entry()).instrs[0].labels[0], f.entry());
}

TEST(TextParser, ForwardLabelReferenceResolvesToTheLaterBlock) {
  Program p = parseTextOk("@main {\n  jmp .end;\n.end:\n  ret;\n}\n");
  const Function &f = p.functions[0];
  ASSERT_EQ(f.layout.size(), 2u);
  EXPECT_EQ(f.block(f.layout[0]).instrs[0].labels[0], f.layout[1]);
}

TEST(TextParser, HeaderArgumentsAndReturnType) {
  Program p = parseTextOk(
      "@f(a: int, p: ptr<ptr<float>>, c: char): bool { r: bool = const true; ret r; }\n"
      "@g() { }\n@h: int { x: int = const 0; ret x; }\n");
  EXPECT_EQ(structure(p), "@f(a:int,p:ptr<ptr<float>>,c:char,):bool\n"
                          " block <0>\n"
                          "  r:bool = const #1\n"
                          "  ret r\n"
                          "@g():void\n"
                          " block <0>\n"
                          "@h():int\n"
                          " block <0>\n"
                          "  x:int = const #0\n"
                          "  ret x\n");
}

TEST(TextParser, OperandsSplitIntoArgsFunctionsAndLabels) {
  Program p = parseTextOk("@main { c: bool = const true; x: int = call @f c; "
                          "br c .a .b; .a: .b: phi_like: int = phi x x .a .b; }\n"
                          "@f(c: bool): int { r: int = const 1; ret r; }");
  const Function &f = p.functions[0];
  const Instr &call = f.block(f.layout[0]).instrs[1];
  EXPECT_EQ(call.op, Opcode::Call);
  EXPECT_EQ(call.callee, "f");
  ASSERT_EQ(call.args.size(), 1u);
  EXPECT_EQ(f.varName(call.args[0]), "c");
  const Instr &br = f.block(f.layout[0]).instrs[2];
  ASSERT_EQ(br.labels.size(), 2u);
  EXPECT_EQ(f.block(br.labels[0]).label, "a");
  EXPECT_EQ(f.block(br.labels[1]).label, "b");
}

TEST(TextParser, IdentifiersMayContainDotsAndPercent) {
  Program p = parseTextOk("@main { v.1: int = const 1; %t_2: int = id v.1; print %t_2; }");
  EXPECT_NE(structure(p).find("%t_2:int = id v.1"), std::string::npos) << structure(p);
}

TEST(TextParser, IntegerLiterals) {
  EXPECT_EQ(onlyInstr(parseTextOk("@m { x: int = const -42; }")).value.asInt(), -42);
  EXPECT_EQ(onlyInstr(parseTextOk("@m { x: int = const +7; }")).value.asInt(), 7);
  EXPECT_EQ(onlyInstr(parseTextOk("@m { x: int = const 9223372036854775807; }")).value.asInt(),
            INT64_MAX);
  EXPECT_EQ(onlyInstr(parseTextOk("@m { x: int = const -9223372036854775808; }")).value.asInt(),
            INT64_MIN);
  // A float literal for an int is floored, as the reference interpreter does.
  EXPECT_EQ(onlyInstr(parseTextOk("@m { x: int = const -2.5; }")).value.asInt(), -3);
}

TEST(TextParser, FloatLiterals) {
  auto f = [](const char *lit) {
    return onlyInstr(parseTextOk(std::string("@m { x: float = const ") + lit + "; }"))
        .value.asFloat();
  };
  EXPECT_EQ(f(".1"), 0.1);
  EXPECT_EQ(f("5."), 5.0);
  EXPECT_EQ(f("1e6"), 1e6);
  EXPECT_EQ(f("1E-6"), 1e-6);
  EXPECT_EQ(f("-1E+6"), -1e6);
  EXPECT_EQ(f("+.11e12"), 0.11e12);
  EXPECT_EQ(f("3"), 3.0); // an int literal for a float converts
  EXPECT_TRUE(std::signbit(f("-0.0")));
  EXPECT_TRUE(std::isnan(f("nan")));
  EXPECT_EQ(f("inf"), INFINITY);
  EXPECT_EQ(f("-inf"), -INFINITY);
  EXPECT_EQ(f("1e999"), INFINITY); // overflow reads as Python's float() does
}

TEST(TextParser, BoolAndCharLiterals) {
  EXPECT_TRUE(onlyInstr(parseTextOk("@m { b: bool = const true; }")).value.asBool());
  EXPECT_FALSE(onlyInstr(parseTextOk("@m { b: bool = const false; }")).value.asBool());
  auto c = [](const char *lit) {
    return onlyInstr(parseTextOk(std::string("@m { c: char = const ") + lit + "; }"))
        .value.asChar();
  };
  EXPECT_EQ(c("'a'"), uint32_t('a'));
  EXPECT_EQ(c("'\\n'"), 10u);
  EXPECT_EQ(c("'\\0'"), 0u);
  EXPECT_EQ(c("'\\a'"), 7u);
  EXPECT_EQ(c("'\\v'"), 11u);
  EXPECT_EQ(c("'\\''"), uint32_t('\''));
  EXPECT_EQ(c("'\\\\'"), uint32_t('\\'));
  EXPECT_EQ(c("'\\'"), uint32_t('\\')); // bril2json's spelling of a backslash
  EXPECT_EQ(c("'''"), uint32_t('\''));  // and of a quote
  EXPECT_EQ(c("'\xF0\x9F\x90\xB6'"), 0x1F436u); // a dog, outside the BMP
  EXPECT_EQ(c("' '"), uint32_t(' '));
}

TEST(TextParser, UntypedDestinationsGetTheTypeTheOpcodeFixes) {
  Program p = parseTextOk("@m { a = const 1; f = const 1.5; c = const 'x'; "
                          "b = lt a a; s = add a a; }");
  EXPECT_EQ(structure(p).substr(structure(p).find("a:")),
            "a:int = const #1\n"
            "  f:float = const #4609434218613702656\n"
            "  c:char = const #120\n"
            "  b:bool = lt a a\n"
            "  s:int = add a a\n");
}

TEST(TextParser, CommentsAndWhitespaceAreIgnored) {
  Program p = parseTextOk("# leading\n@main {# after brace\n\tx: int = const 1; # tail\r\n"
                          "  print x;\n}# end");
  EXPECT_EQ(p.functions[0].instrCount(), 2u);
}

TEST(TextParser, RecordsSourcePositions) {
  Program p = parseTextOk("@main {\n  x: int = const 1;\n.l:\n    print x;\n}\n");
  const Function &f = p.functions[0];
  EXPECT_EQ(f.pos, (SourcePos{1, 1}));
  EXPECT_EQ(f.block(f.layout[0]).instrs[0].pos, (SourcePos{2, 3})); // at the dest
  EXPECT_EQ(f.block(f.layout[1]).pos, (SourcePos{3, 1}));
  EXPECT_EQ(f.block(f.layout[1]).instrs[0].pos, (SourcePos{4, 5})); // at the op
}

TEST(TextParser, ColumnsCountCharactersNotBytes) {
  Program p = parseTextOk("@main { c: char = const '\xC3\xA9'; d: int = const 1; }");
  const Function &f = p.functions[0];
  EXPECT_EQ(f.block(f.entry()).instrs[1].pos, (SourcePos{1, 30}));
}

TEST(TextParser, EmptyInputIsAnEmptyProgram) {
  EXPECT_TRUE(parseTextOk("").functions.empty());
  EXPECT_TRUE(parseTextOk("  # only a comment\n").functions.empty());
}

TEST(TextParser, ReportsUnknownOpcodeWithPosition) {
  EXPECT_EQ(textErrors("@main {\n  x: int = frob;\n}\n"),
            "error: t.bril:2:3: in @main, instruction 0 (frob): unknown opcode 'frob'\n");
}

TEST(TextParser, ReportsMissingSemicolonAndKeepsGoing) {
  std::string errs = textErrors("@main {\n  x: int = const 1\n  print x;\n  y: int = id;\n"
                                "  nonsense: = ;\n}\n");
  EXPECT_NE(errs.find("t.bril:3:3: in @main: expected ';', found 'print'"), std::string::npos)
      << errs;
  EXPECT_NE(errs.find("t.bril:5:13: in @main: expected a type, found '='"), std::string::npos)
      << errs;
}

// An operand list cannot run into a '}', a label, a function or a typed
// destination: the ';' before it is missing, which is one message, and the
// instruction still counts (so later ones keep their indices). An untyped
// effect operation after the missing ';' (`jmp` below) reads as one more
// operand: the grammar cannot tell, so that costs no extra message.
TEST(TextParser, MissingSemicolonAfterOperandsKeepsTheInstruction) {
  Diagnostics diags("t.bril");
  std::optional<Program> p = parseTextProgram(
      "@main {\n  a: int = const 1;\n  print a\n.l:\n  b: int = add a a\n  c: int = id b"
      "\n  jmp .l\n}\n@g {\n  ret\n}\n",
      diags);
  std::string errs = test::messages(diags);
  EXPECT_EQ(errs, "error: t.bril:4:1: in @main: expected ';', found '.l'\n"
                  "error: t.bril:6:3: in @main: expected ';', found 'c'\n"
                  "error: t.bril:8:1: in @main: expected ';', found '}'\n"
                  "error: t.bril:11:1: in @g: expected ';', found '}'\n");
}

TEST(TextParser, ReportsLabelProblems) {
  std::string errs = textErrors("@main {\n.a:\n.a:\n  jmp .nowhere;\n}\n");
  EXPECT_NE(errs.find("t.bril:3:1: in @main: duplicate label .a"), std::string::npos) << errs;
  EXPECT_NE(errs.find("t.bril:4:3: in @main, instruction 0 (jmp): undefined label .nowhere"),
            std::string::npos)
      << errs;
}

TEST(TextParser, ReportsBadLiteralsAndTypes) {
  EXPECT_NE(textErrors("@m { x: int = const 9223372036854775808; }")
                .find("integer literal does not fit in 64 bits"),
            std::string::npos);
  EXPECT_NE(textErrors("@m { x: bool = const 1; }")
                .find("number literal for a constant of type bool"),
            std::string::npos);
  // Each malformed char literal says what is wrong with it.
  EXPECT_NE(textErrors("@m { x: char = const 'ab'; }")
                .find("char literal 'ab' holds 2 characters; a char is exactly one"),
            std::string::npos);
  EXPECT_NE(textErrors("@m { x: char = const '\\q'; }").find("unknown escape '\\q'"),
            std::string::npos);
  EXPECT_NE(textErrors("@m { x: char = const 'a;\n}").find("unterminated char literal"),
            std::string::npos);
  EXPECT_NE(textErrors("@m { x: char = const ''; }").find("empty char literal"),
            std::string::npos);
  EXPECT_NE(textErrors("@m { x: char = const '\xff'; }")
                .find("char literal '\\xff' is not well-formed UTF-8"),
            std::string::npos);
  EXPECT_NE(textErrors("@m { x: vec<int> = const 1; }")
                .find("unknown type constructor 'vec'"),
            std::string::npos);
  EXPECT_NE(textErrors("@m { x: string = const 1; }").find("unknown type 'string'"),
            std::string::npos);
  EXPECT_NE(textErrors("@m { x: ptr<int> = const 0; }").find("pointer type ptr<int>"),
            std::string::npos);
  EXPECT_NE(textErrors("@m { x: int = const; }").find("expected a literal after const"),
            std::string::npos);
}

TEST(TextParser, ReportsShapeErrors) {
  EXPECT_NE(textErrors("@m { a: int = const 1; x: int = print a; }")
                .find("print does not produce a value"),
            std::string::npos);
  EXPECT_NE(textErrors("@m { a: int = const 1; add a a; }").find("add needs a destination"),
            std::string::npos);
  EXPECT_NE(textErrors("@m { x = id x; }").find("destination x needs a type"),
            std::string::npos);
  EXPECT_NE(textErrors("@m { print @f; }").find("print takes no function reference"),
            std::string::npos);
  EXPECT_NE(textErrors("@m { call @f @g; }")
                .find("call takes 1 function reference(s), got 2"),
            std::string::npos);
}

TEST(TextParser, ReportsStrayTokensAndUnclosedFunctions) {
  EXPECT_NE(textErrors("main { }").find("t.bril:1:1: expected a function ('@name'), found 'main'"),
            std::string::npos);
  EXPECT_NE(textErrors("@main {\n  print x;\n").find("t.bril:3:1: in @main: missing '}'"),
            std::string::npos);
  EXPECT_NE(textErrors("@main { $ }").find("unexpected character '$'"), std::string::npos);
  // Control and ill-formed bytes are shown in hex, never raw.
  EXPECT_NE(textErrors("@main { \x01 }").find("unexpected byte 0x01"), std::string::npos);
  EXPECT_NE(textErrors("@main { \xFF }").find("unexpected byte 0xff"), std::string::npos);
}

TEST(TextParser, DeepPointerNestingIsBoundedNotRecursive) {
  std::string deep = "@m(p: ";
  for (int i = 0; i < 256; ++i)
    deep += "ptr<";
  deep += "int";
  deep += std::string(256, '>');
  deep += ") { }";
  EXPECT_NE(textErrors(deep).find("pointer nesting deeper than 255"), std::string::npos);
}

} // namespace
} // namespace brisk::test
