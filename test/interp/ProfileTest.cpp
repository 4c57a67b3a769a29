// Profiles: counts a hand-checked loop, refuses another program's profile,
// survives a JSON round trip, and merges runs.
#include "InterpTestSupport.h"

#include "interp/Interpreter.h"
#include "interp/Profile.h"

#include <nlohmann/json.hpp>

namespace brisk::test {
namespace {

// Three iterations of a loop whose body calls @f and alternates between two
// arms; every count below follows from reading the program.
const char *const kLoop = R"(
@f(x: int) {
  print x;
}
@main {
  i: int = const 0;
  n: int = const 3;
  one: int = const 1;
  two: int = const 2;
.head:
  c: bool = lt i n;
  br c .body .done;
.body:
  call @f i;
  r: int = div i two;
  r: int = mul r two;
  even: bool = eq r i;
  br even .even .odd;
.even:
  jmp .latch;
.odd:
.latch:
  i: int = add i one;
  jmp .head;
.done:
}
)";

BlockId blockNamed(const Function &f, const char *label) {
  std::optional<BlockId> b = f.findBlock(label);
  EXPECT_TRUE(b) << label;
  return b.value_or(0);
}

TEST(Profile, CountsBlocksEdgesCallsAndLoopPaths) {
  Program program = parse(kLoop);
  Outcome o = run(program, {}, /*profile=*/true);
  ASSERT_TRUE(o.result.ok) << o.result.error;
  ASSERT_TRUE(o.result.profile);
  const Profile &p = *o.result.profile;
  EXPECT_EQ(p.runs, 1u);
  EXPECT_EQ(p.programHash, programHash(program));

  const Function &main = *program.findFunction("main");
  BlockId head = blockNamed(main, "head"), body = blockNamed(main, "body"),
          even = blockNamed(main, "even"), odd = blockNamed(main, "odd"),
          latch = blockNamed(main, "latch"), done = blockNamed(main, "done");
  const FunctionProfile *fm = p.function("main");
  ASSERT_NE(fm, nullptr);
  EXPECT_EQ(fm->entryCount, 1u);
  EXPECT_EQ(fm->blockCount(main.entry()), 1u);
  EXPECT_EQ(fm->blockCount(head), 4u);
  EXPECT_EQ(fm->blockCount(body), 3u);
  EXPECT_EQ(fm->blockCount(even), 2u); // i = 0, 2
  EXPECT_EQ(fm->blockCount(odd), 1u);  // i = 1
  EXPECT_EQ(fm->blockCount(latch), 3u);
  EXPECT_EQ(fm->blockCount(done), 1u);
  EXPECT_EQ(fm->edgeCount(main.entry(), head), 1u);
  EXPECT_EQ(fm->edgeCount(head, body), 3u);
  EXPECT_EQ(fm->edgeCount(head, done), 1u);
  EXPECT_EQ(fm->edgeCount(body, even), 2u);
  EXPECT_EQ(fm->edgeCount(body, odd), 1u);
  EXPECT_EQ(fm->edgeCount(odd, latch), 1u);  // fall-through
  EXPECT_EQ(fm->edgeCount(even, latch), 2u);
  EXPECT_EQ(fm->edgeCount(latch, head), 3u); // the back edge
  ASSERT_EQ(fm->callSites.size(), 1u);
  EXPECT_EQ(fm->callSites[0].callee, "f");
  EXPECT_EQ(fm->callSites[0].block, body);
  EXPECT_EQ(fm->callSites[0].index, 0u);
  EXPECT_EQ(fm->callSites[0].count, 3u);
  EXPECT_EQ(p.function("f")->entryCount, 3u);

  // The first iteration belongs to the path from the function entry; the
  // second (i = 1, odd) and third (i = 2, even) start at the header, and
  // the final test leaves through .done.
  const LoopProfile *loop = fm->loop(head);
  ASSERT_NE(loop, nullptr);
  ASSERT_EQ(loop->paths.size(), 3u);
  uint64_t total = 0;
  for (const PathProfile &path : loop->paths) {
    total += path.count;
    EXPECT_EQ(path.count, 1u);
    if (path.endsAtBackEdge) {
      EXPECT_EQ(path.backEdgeTarget, head);
      bool viaOdd = path.blocks == std::vector<BlockId>{head, body, odd, latch};
      bool viaEven = path.blocks == std::vector<BlockId>{head, body, even, latch};
      EXPECT_TRUE(viaOdd || viaEven);
    } else {
      EXPECT_EQ(path.blocks, (std::vector<BlockId>{head, done}));
    }
  }
  EXPECT_EQ(total, 3u);
  EXPECT_EQ(loop->otherPaths, 0u);
}

TEST(Profile, PathsOfNestedLoopsEndAtTheInnerBackEdge) {
  Program program = parse(R"(
@main {
  i: int = const 0;
  two: int = const 2;
  one: int = const 1;
.outer:
  j: int = const 0;
.inner:
  j: int = add j one;
  c: bool = lt j two;
  br c .inner .next;
.next:
  i: int = add i one;
  d: bool = lt i two;
  br d .outer .done;
.done:
}
)");
  Outcome o = run(program, {}, true);
  ASSERT_TRUE(o.result.ok) << o.result.error;
  const Function &main = *program.findFunction("main");
  BlockId outer = *main.findBlock("outer"), inner = *main.findBlock("inner"),
          next = *main.findBlock("next"), done = *main.findBlock("done");
  const FunctionProfile *fm = o.result.profile->function("main");
  EXPECT_EQ(fm->blockCount(outer), 2u);
  EXPECT_EQ(fm->blockCount(inner), 4u);
  EXPECT_EQ(fm->edgeCount(inner, inner), 2u);
  EXPECT_EQ(fm->edgeCount(next, outer), 1u);
  // Inner header: once per outer iteration the path leaves the inner loop
  // and ends at the outer back edge (first time) or the return (second).
  const LoopProfile *in = fm->loop(inner);
  ASSERT_NE(in, nullptr);
  ASSERT_EQ(in->paths.size(), 2u);
  for (const PathProfile &p : in->paths) {
    EXPECT_EQ(p.count, 1u);
    if (p.endsAtBackEdge) {
      EXPECT_EQ(p.blocks, (std::vector<BlockId>{inner, next}));
      EXPECT_EQ(p.backEdgeTarget, outer);
    } else {
      EXPECT_EQ(p.blocks, (std::vector<BlockId>{inner, next, done}));
    }
  }
  // Outer header: its one restart runs into the inner loop's back edge.
  const LoopProfile *out = fm->loop(outer);
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(out->paths.size(), 1u);
  EXPECT_EQ(out->paths[0].blocks, (std::vector<BlockId>{outer, inner}));
  EXPECT_EQ(out->paths[0].backEdgeTarget, inner);
  EXPECT_EQ(out->paths[0].count, 1u);
}

TEST(Profile, RefusesAProfileOfAnotherProgram) {
  Program a = parse(kLoop);
  Outcome o = run(a, {}, true);
  ASSERT_TRUE(o.result.profile);
  std::string error;
  EXPECT_TRUE(o.result.profile->matches(a, error)) << error;
  Program b = parse(std::string(kLoop) + "@g {\n}\n");
  EXPECT_FALSE(o.result.profile->matches(b, error));
  EXPECT_NE(error.find("different program"), std::string::npos) << error;
  // A one-character change in an instruction is a different program too.
  std::string changed = kLoop;
  changed.replace(changed.find("const 3"), 7, "const 4");
  EXPECT_FALSE(o.result.profile->matches(parse(changed), error));
}

// A version of kLoop's @main written differently (the parity test becomes a
// remainder) that prints the same: its own counts differ, @f's do not.
TEST(Profile, TakingAFunctionsCountsFromAnotherProfileEqualsRunningAgain) {
  Program original = parse(kLoop);
  std::string text = kLoop;
  text.replace(text.find("  r: int = div i two;\n  r: int = mul r two;\n  even: bool = eq r i;"),
               std::string("  r: int = div i two;\n  r: int = mul r two;\n  even: bool = eq r i;").size(),
               "  zero: int = const 0;\n  r: int = div i two;\n  r: int = mul r two;\n"
               "  r: int = sub i r;\n  even: bool = eq r zero;");
  Program rewritten = parse(text);
  std::vector<std::vector<std::string>> inputs{{}};
  std::optional<Profile> before = interp::profileRuns(original, inputs);
  std::optional<Profile> after = interp::profileRuns(rewritten, inputs);
  ASSERT_TRUE(before && after);
  // The original program with @main's counts taken from the rewritten one's
  // profile: the rewritten program's profile, exactly.
  Profile composed = *before;
  composed.takeFunctionsFrom(*after, {"main"}, rewritten);
  EXPECT_EQ(composed.toJson(), after->toJson());
  // And back.
  composed.takeFunctionsFrom(*before, {"main"}, original);
  EXPECT_EQ(composed.toJson(), before->toJson());
  EXPECT_NE(before->toJson(), after->toJson());
}

// `b` counts what `a` counts: entries, blocks, edges, call sites, and the
// blocks and counts of every loop path.
void expectSameCounts(const FunctionProfile &a, const FunctionProfile &b) {
  EXPECT_EQ(b.entryCount, a.entryCount);
  EXPECT_EQ(b.blockCounts, a.blockCounts);
  ASSERT_EQ(b.edges.size(), a.edges.size());
  for (size_t e = 0; e < a.edges.size(); ++e)
    EXPECT_TRUE(b.edges[e].from == a.edges[e].from && b.edges[e].to == a.edges[e].to &&
                b.edges[e].count == a.edges[e].count);
  ASSERT_EQ(b.callSites.size(), a.callSites.size());
  for (size_t c = 0; c < a.callSites.size(); ++c)
    EXPECT_EQ(b.callSites[c].count, a.callSites[c].count);
  ASSERT_EQ(b.loops.size(), a.loops.size());
  for (size_t l = 0; l < a.loops.size(); ++l) {
    ASSERT_EQ(b.loops[l].paths.size(), a.loops[l].paths.size());
    for (size_t k = 0; k < a.loops[l].paths.size(); ++k) {
      EXPECT_EQ(b.loops[l].paths[k].blocks, a.loops[l].paths[k].blocks);
      EXPECT_EQ(b.loops[l].paths[k].count, a.loops[l].paths[k].count);
    }
  }
}

// The optimizer's training runs (profileForFile off, typeFacts off) record
// the same counts as a run for a profile file, without the hash and labels
// only a file needs.
TEST(Profile, TrainingRunsCountTheSameWithoutHashOrLabels) {
  Program program = parse(kLoop);
  std::vector<std::vector<std::string>> inputs{{}};
  interp::RunOptions training;
  training.profileForFile = false;
  training.typeFacts = false;
  std::optional<Profile> full = interp::profileRuns(program, inputs);
  std::optional<Profile> lean = interp::profileRuns(program, inputs, nullptr, training);
  ASSERT_TRUE(full && lean);
  EXPECT_EQ(lean->programHash, 0u);
  EXPECT_NE(full->programHash, 0u);
  ASSERT_EQ(lean->functions.size(), full->functions.size());
  for (size_t i = 0; i < full->functions.size(); ++i) {
    EXPECT_TRUE(lean->functions[i].blockLabels.empty());
    expectSameCounts(full->functions[i], lean->functions[i]);
  }
  // Composing keeps an uncomputed hash uncomputed.
  lean->takeFunctionsFrom(*full, {"main"}, program);
  EXPECT_EQ(lean->programHash, 0u);
}

// A run that profiles some functions only (RunOptions::profileOnly) counts
// them as a full run does, whichever of caller and callee it leaves out, and
// its profile holds those functions alone.
TEST(Profile, ProfilesTheNamedFunctionsOnlyWithTheSameCounts) {
  Program program = parse(R"(
@g(n: int): int {
  i: int = const 0;
  s: int = const 0;
  one: int = const 1;
  two: int = const 2;
.head:
  c: bool = lt i n;
  br c .body .done;
.body:
  r: int = div i two;
  r: int = mul r two;
  even: bool = eq r i;
  br even .even .odd;
.even:
  s: int = add s i;
  jmp .latch;
.odd:
  s: int = sub s one;
.latch:
  i: int = add i one;
  jmp .head;
.done:
  ret s;
}
@main {
  k: int = const 0;
  n: int = const 4;
  one: int = const 1;
.loop:
  c: bool = lt k n;
  br c .call .end;
.call:
  v: int = call @g k;
  print v;
  k: int = add k one;
  jmp .loop;
.end:
}
)");
  std::vector<std::vector<std::string>> inputs{{}, {}};
  interp::RunOptions training;
  training.profileForFile = false;
  training.typeFacts = false;
  std::optional<Profile> full = interp::profileRuns(program, inputs, nullptr, training);
  ASSERT_TRUE(full);
  for (const char *name : {"g", "main"}) {
    llvm::StringSet<> only;
    only.insert(name);
    training.profileOnly = &only;
    std::optional<Profile> part = interp::profileRuns(program, inputs, nullptr, training);
    ASSERT_TRUE(part);
    ASSERT_EQ(part->functions.size(), 1u);
    const FunctionProfile &a = *full->function(name);
    EXPECT_EQ(part->functions[0].name, name);
    expectSameCounts(a, part->functions[0]);
    // Composed into the full profile, it changes nothing.
    Profile composed = *full;
    composed.takeFunctionsFrom(*part, {name}, program);
    EXPECT_EQ(composed.function(name)->blockCounts, a.blockCounts);
  }
  // The loops were profiled (the comparison above compared something).
  EXPECT_FALSE(full->function("g")->loops.empty());
  EXPECT_FALSE(full->function("main")->loops.empty());
  EXPECT_EQ(full->function("g")->entryCount, 8u);
}

TEST(Profile, RoundTripsThroughJsonAndMerges) {
  Program program = parse(kLoop);
  Outcome o = run(program, {}, true);
  ASSERT_TRUE(o.result.profile);
  std::string json = o.result.profile->toJson();
  std::string error;
  std::optional<Profile> back = Profile::fromJson(json, error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->toJson(), json);

  ASSERT_TRUE(back->merge(*o.result.profile, error)) << error;
  EXPECT_EQ(back->runs, 2u);
  const Function &main = *program.findFunction("main");
  const FunctionProfile *fm = back->function("main");
  BlockId head = *main.findBlock("head");
  EXPECT_EQ(fm->blockCount(head), 8u);
  EXPECT_EQ(fm->edgeCount(*main.findBlock("latch"), head), 6u);
  EXPECT_EQ(fm->callSites[0].count, 6u);
  for (const PathProfile &path : fm->loop(head)->paths)
    EXPECT_EQ(path.count, 2u);

  Profile other = *back;
  other.programHash ^= 1;
  EXPECT_FALSE(back->merge(other, error));
  EXPECT_FALSE(Profile::fromJson("{\"format\": \"something else\"}", error));
}

TEST(Profile, RecordsEachRunsArgumentsAndMergeKeepsThemInOrder) {
  Program program = parse("@main(n: int) { print n; }");
  Outcome first = run(program, {"5"}, true);
  Outcome second = run(program, {"-7"}, true);
  ASSERT_TRUE(first.result.profile && second.result.profile);
  Profile merged = *first.result.profile;
  std::string error;
  ASSERT_TRUE(merged.merge(*second.result.profile, error)) << error;
  using Inputs = std::vector<std::vector<std::string>>;
  EXPECT_EQ(merged.inputs, (Inputs{{"5"}, {"-7"}}));
  std::optional<Profile> back = Profile::fromJson(merged.toJson(), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->inputs, merged.inputs);

  // A profile written before inputs were recorded still loads, with none.
  std::string json = first.result.profile->toJson();
  size_t at = json.find(" \"inputs\"");
  ASSERT_NE(at, std::string::npos);
  json.erase(at, json.find('\n', at) - at + 1);
  std::optional<Profile> old = Profile::fromJson(json, error);
  ASSERT_TRUE(old) << error;
  EXPECT_TRUE(old->inputs.empty());
}

// fromJson reads the JSON toJson writes directly, and anything else through
// nlohmann: whichever way it goes, the same text gives the same profile, and
// a malformed one the same message.
std::string replaced(std::string text, std::string_view from, std::string_view to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos)
    text.replace(at, from.size(), to);
  return text;
}

TEST(Profile, ReadsTheSameProfileHoweverTheJsonIsLaidOut) {
  Program program = parse(kLoop);
  Outcome o = run(program, {}, true);
  ASSERT_TRUE(o.result.profile);
  o.result.profile->inputs = {{"a b", "7"}, {}};
  const std::string json = o.result.profile->toJson();
  auto reread = [](const std::string &text) {
    std::string error;
    std::optional<Profile> p = Profile::fromJson(text, error);
    EXPECT_TRUE(p) << error;
    return p ? p->toJson() : error;
  };
  EXPECT_EQ(reread(json), json);
  // Keys in another order, other white space.
  EXPECT_EQ(reread(nlohmann::json::parse(json).dump()), json);
  std::string spaced = " \r\n\t";
  spaced += nlohmann::json::parse(json).dump(3);
  spaced += "\n\n";
  EXPECT_EQ(reread(spaced), json);
  // Escapes and a count written as a float: only nlohmann reads these.
  EXPECT_EQ(reread(replaced(json, "\"name\": \"main\"", "\"name\": \"m\\u0061in\"")), json);
  EXPECT_EQ(reread(replaced(json, "{\"block\":0,", "{\"block\":0.0,")), json);
  // A duplicate key: the last one counts, as nlohmann has it.
  std::string twice = replaced(json, "\"runs\": 1,", "\"runs\": 1, \"runs\": 9,");
  std::string error;
  std::optional<Profile> p = Profile::fromJson(twice, error);
  ASSERT_TRUE(p) << error;
  EXPECT_EQ(p->runs, 9u);
}

TEST(Profile, ExplainsWhatIsWrongWithAMalformedProfile) {
  Program program = parse(kLoop);
  Outcome o = run(program, {}, true);
  ASSERT_TRUE(o.result.profile);
  const std::string json = o.result.profile->toJson();
  auto why = [](const std::string &text) {
    std::string error;
    EXPECT_FALSE(Profile::fromJson(text, error));
    return error;
  };
  EXPECT_EQ(why(json + "x"), "profile is not valid JSON");
  EXPECT_EQ(why(json.substr(0, json.size() / 2)), "profile is not valid JSON");
  EXPECT_EQ(why(replaced(json, "brisk-profile", "other")),
            "not a brisk profile (missing \"format\": \"brisk-profile\")");
  EXPECT_EQ(why(replaced(json, "\"version\": 1", "\"version\": 2")),
            "unsupported profile version 2");
  EXPECT_EQ(why(replaced(json, "{\"block\":0,", "{\"block\":16777217,")),
            "block id out of range in function f");
  EXPECT_EQ(why(replaced(json, "\"end\":\"return\"", "\"end\":\"sideways\"")),
            "path end must be \"back_edge\" or \"return\", got \"sideways\"");
  EXPECT_EQ(why(replaced(json, "\"edges\"", "\"edgez\"")),
            "malformed profile: [json.exception.out_of_range.403] key 'edges' not found");
  EXPECT_EQ(why(replaced(json, "\"runs\": 1", "\"runs\": \"1\"")),
            "malformed profile: [json.exception.type_error.302] type must be number, but is "
            "string");
  std::string shortHash = replaced(json, "\"program_hash\": \"", "\"program_hash\": \"0");
  EXPECT_EQ(why(shortHash).rfind("malformed program_hash \"0", 0), 0u) << why(shortHash);
}

// Many functions: function() answers from its name index, and stays right
// when the list grows, is replaced, or a name changes in place; merge()
// matches functions by name however many there are.
TEST(Profile, FindsAndMergesFunctionsByNameInBigProfiles) {
  Profile p;
  for (int i = 0; i < 40; ++i) {
    FunctionProfile f;
    f.name = 'f';
    f.name += std::to_string(i);
    f.entryCount = uint64_t(i);
    p.functions.push_back(f);
  }
  for (int i = 0; i < 40; ++i) {
    std::string name = "f";
    name += std::to_string(i); // piecewise: GCC 12 warns falsely on "f" + string
    ASSERT_EQ(p.function(name), &p.functions[size_t(i)]);
  }
  EXPECT_EQ(p.function("g"), nullptr);

  p.functions[5].name = "renamed"; // same vector, same size: a stale index
  EXPECT_EQ(p.function("renamed"), &p.functions[5]);
  EXPECT_EQ(p.function("f5"), nullptr);
  p.functions.push_back(p.functions[7]); // a second "f7": the first one wins
  EXPECT_EQ(p.function("f7"), &p.functions[7]);
  p.functions.back().name = "last";
  EXPECT_EQ(p.function("last"), &p.functions.back());

  Profile q = p; // the copy indexes its own vector
  q.functions.erase(q.functions.begin());
  EXPECT_EQ(q.function("f1"), &q.functions[0]);
  EXPECT_EQ(q.function("f0"), nullptr);

  FunctionProfile extra;
  extra.name = "extra";
  extra.entryCount = 100;
  q.functions.push_back(extra);
  std::string error;
  ASSERT_TRUE(p.merge(q, error)) << error;
  EXPECT_EQ(p.function("f0")->entryCount, 0u);
  EXPECT_EQ(p.function("f1")->entryCount, 2u);
  EXPECT_EQ(p.function("f39")->entryCount, 78u);
  EXPECT_EQ(p.function("extra")->entryCount, 100u);
  EXPECT_EQ(p.functions.size(), 42u);
}

} // namespace
} // namespace brisk::test
