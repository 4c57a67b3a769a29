#include "interp/Profile.h"

#include "ir/JsonCursor.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstdio>
#include <limits>
#include <map>
#include <unordered_map>
#include <utility>

namespace brisk {

using nlohmann::json;

uint64_t FunctionProfile::edgeCount(BlockId from, BlockId to) const {
  auto it = std::lower_bound(edges.begin(), edges.end(), std::pair(from, to),
                             [](const EdgeCount &e, std::pair<BlockId, BlockId> k) {
                               return std::pair(e.from, e.to) < k;
                             });
  return it != edges.end() && it->from == from && it->to == to ? it->count : 0;
}

const LoopProfile *FunctionProfile::loop(BlockId header) const {
  for (const LoopProfile &l : loops)
    if (l.header == header)
      return &l;
  return nullptr;
}

const FunctionProfile *Profile::function(std::string_view name) const {
  if (functions.size() < 16) {
    for (const FunctionProfile &f : functions)
      if (f.name == name)
        return &f;
    return nullptr;
  }
  if (index_.data != functions.data() || index_.size != functions.size()) {
    index_.byName.clear();
    index_.byName.reserve(functions.size());
    for (size_t i = 0; i < functions.size(); ++i)
      index_.byName.emplace_back(functions[i].name, uint32_t(i));
    std::sort(index_.byName.begin(), index_.byName.end()); // equal names: lowest index first
    index_.data = functions.data();
    index_.size = functions.size();
  }
  auto it = std::lower_bound(
      index_.byName.begin(), index_.byName.end(), name,
      [](const std::pair<std::string, uint32_t> &e, std::string_view n) { return e.first < n; });
  if (it != index_.byName.end() && it->first == name && functions[it->second].name == name)
    return &functions[it->second];
  // Not indexed: a name changed in place since. The scan is always right.
  for (const FunctionProfile &f : functions)
    if (f.name == name)
      return &f;
  return nullptr;
}

namespace {

class Fnv {
public:
  void bytes(const void *p, size_t n) {
    auto *c = static_cast<const unsigned char *>(p);
    for (size_t i = 0; i < n; ++i) {
      h_ ^= c[i];
      h_ *= kPrime;
    }
  }
  // The same value as bytes(&v, 8) on a little-endian machine, faster: a zero
  // byte only multiplies by the prime, so the high zero bytes of v (most of
  // every size, id and opcode) are one multiplication by a power of it.
  void u64(uint64_t v) {
    if constexpr (std::endian::native != std::endian::little) {
      bytes(&v, sizeof v);
    } else {
      int n = 0;
      for (; n < 8 && (v >> (8 * n)) != 0; ++n) {
        h_ ^= (v >> (8 * n)) & 0xff;
        h_ *= kPrime;
      }
      h_ *= kPrimePowers[8 - n];
    }
  }
  void str(std::string_view s) {
    u64(s.size());
    bytes(s.data(), s.size());
  }
  void type(Type t) { u64((uint64_t(t.base()) << 8) | t.ptrDepth()); }
  uint64_t value() const { return h_; }

private:
  static constexpr uint64_t kPrime = 0x100000001b3ULL;
  static constexpr std::array<uint64_t, 9> kPrimePowers = [] {
    std::array<uint64_t, 9> p{};
    p[0] = 1;
    for (size_t i = 1; i < p.size(); ++i)
      p[i] = p[i - 1] * kPrime;
    return p;
  }();
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

std::string hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string pathEnd(const PathProfile &p) { return p.endsAtBackEdge ? "back_edge" : "return"; }

} // namespace

void trimLoopPaths(LoopProfile &loop) {
  std::stable_sort(loop.paths.begin(), loop.paths.end(),
                   [](const PathProfile &a, const PathProfile &b) { return a.count > b.count; });
  while (loop.paths.size() > Profile::kMaxPathsPerLoop) {
    loop.otherPaths += loop.paths.back().count;
    loop.paths.pop_back();
  }
}

uint64_t programHash(const Program &program) {
  Fnv h;
  h.u64(program.functions.size());
  for (const Function &fn : program.functions) {
    h.str(fn.name);
    h.type(fn.returnType);
    h.u64(fn.params.size());
    for (const Param &p : fn.params) {
      h.str(fn.varName(p.var));
      h.type(p.type);
    }
    h.u64(fn.blocks.size());
    h.u64(fn.layout.size());
    for (BlockId b : fn.layout) {
      const Block &blk = fn.block(b);
      h.u64(b);
      h.str(blk.label);
      h.u64(blk.instrs.size());
      for (const Instr &in : blk.instrs) {
        h.u64(uint64_t(in.op));
        h.type(in.type);
        h.str(in.hasDest() ? std::string_view(fn.varName(in.dest)) : std::string_view());
        h.u64(in.args.size());
        for (VarId a : in.args)
          h.str(fn.varName(a));
        h.u64(in.labels.size());
        for (BlockId l : in.labels)
          h.u64(l);
        h.str(in.callee);
        h.u64(uint64_t(in.value.bits()));
      }
    }
  }
  return h.value();
}

namespace {

// Appends what nlohmann::ordered_json(s).dump() gives: printable ASCII
// without quotes or backslashes is copied as is; anything else (escapes,
// UTF-8, and the error an ill-formed sequence raises) goes through nlohmann.
void appendJsonString(std::string &out, std::string_view s) {
  for (char c : s)
    if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
      out += nlohmann::ordered_json(std::string(s)).dump();
      return;
    }
  out += '"';
  out += s;
  out += '"';
}

void appendNumber(std::string &out, uint64_t v) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
  out.append(digits, end);
}

} // namespace

// Hand-laid-out JSON: the document structure one key per line, each block,
// edge, call site and path compact on one line, so profiles stay readable
// and diffable. The compact items are written directly, byte for byte what
// nlohmann's compact dump of the same objects gives (keys in the order
// written here): building a DOM per item made writing a large profile cost
// more than running the program.
std::string Profile::toJson() const {
  using oj = nlohmann::ordered_json;
  std::string out;
  // `key`: [ item, item ] with each item on its own line; `item(i)` appends
  // the i-th item.
  auto list = [&](const char *key, size_t count, bool last, auto item) {
    out += "   \"";
    out += key;
    out += "\": [";
    for (size_t i = 0; i < count; ++i) {
      out += i ? ",\n    " : "\n    ";
      item(i);
    }
    out += count == 0 ? "]" : "\n   ]";
    out += last ? "\n" : ",\n";
  };
  auto field = [&](const char *key, uint64_t v, bool first = false) {
    out += first ? "{\"" : ",\"";
    out += key;
    out += "\":";
    appendNumber(out, v);
  };
  out += "{\n \"format\": \"brisk-profile\",\n \"version\": 1,\n";
  out += " \"program_hash\": \"" + hex(programHash) + "\",\n";
  out += " \"runs\": " + std::to_string(runs) + ",\n";
  out += " \"inputs\": " + oj(inputs).dump() + ",\n \"functions\": [";
  for (size_t fi = 0; fi < functions.size(); ++fi) {
    const FunctionProfile &f = functions[fi];
    out += fi ? ",\n  {\n" : "\n  {\n";
    out += "   \"name\": ";
    appendJsonString(out, f.name);
    out += ",\n";
    out += "   \"entry_count\": " + std::to_string(f.entryCount) + ",\n";
    list("blocks", f.blockCounts.size(), false, [&](size_t b) {
      field("block", b, true);
      if (b < f.blockLabels.size() && !f.blockLabels[b].empty()) {
        out += ",\"label\":";
        appendJsonString(out, f.blockLabels[b]);
      }
      field("count", f.blockCounts[b]);
      out += '}';
    });
    list("edges", f.edges.size(), false, [&](size_t i) {
      const EdgeCount &e = f.edges[i];
      field("from", e.from, true);
      field("to", e.to);
      field("count", e.count);
      out += '}';
    });
    list("call_sites", f.callSites.size(), false, [&](size_t i) {
      const CallSiteCount &c = f.callSites[i];
      field("block", c.block, true);
      field("index", c.index);
      out += ",\"callee\":";
      appendJsonString(out, c.callee);
      field("count", c.count);
      out += '}';
    });
    list("loops", f.loops.size(), true, [&](size_t i) {
      const LoopProfile &l = f.loops[i];
      field("header", l.header, true);
      out += ",\"paths\":[";
      for (size_t k = 0; k < l.paths.size(); ++k) {
        const PathProfile &p = l.paths[k];
        out += k ? ",{\"blocks\":[" : "{\"blocks\":[";
        for (size_t j = 0; j < p.blocks.size(); ++j) {
          if (j)
            out += ',';
          appendNumber(out, p.blocks[j]);
        }
        out += "],\"end\":\"";
        out += pathEnd(p);
        out += '"';
        if (p.endsAtBackEdge)
          field("back_to", p.backEdgeTarget);
        field("count", p.count);
        out += '}';
      }
      out += ']';
      field("other_paths", l.otherPaths);
      out += '}';
    });
    out += "  }";
  }
  out += functions.empty() ? "]\n}\n" : "\n ]\n}\n";
  return out;
}

namespace {

// Reads the profile JSON straight into a Profile, without building an
// nlohmann tree (for a profile of a million-instruction function the tree
// cost more than half a second to build and free). It reads the subset of
// JSON that toJson writes and anything laid out differently but alike:
// strings of printable ASCII without escapes, numbers that are unsigned
// integers fitting their field, each key at most once, no unknown keys. On
// anything else it gives up and fromJson reads the text with nlohmann,
// which then gives the result or the error it always gave: so this reader
// needs to be right only about what it accepts.
class DirectProfileReader : private JsonCursor {
public:
  explicit DirectProfileReader(std::string_view text) : JsonCursor(text) {}

  std::optional<Profile> read() {
    Profile profile;
    std::string_view format;
    uint64_t version = 0;
    unsigned seen = 0;
    bool ok = object(seen, [&](std::string_view key, unsigned &s) {
      if (key == "format")
        return once(s, 0) && string(format);
      if (key == "version")
        return once(s, 1) && number(version);
      if (key == "program_hash")
        return once(s, 2) && hash(profile.programHash);
      if (key == "runs")
        return once(s, 3) && number(profile.runs);
      if (key == "inputs")
        return once(s, 4) && inputs(profile.inputs);
      if (key == "functions")
        return once(s, 5) && array([&] { return function(profile.functions.emplace_back()); });
      return false;
    });
    skipSpace();
    // All but "inputs" are required.
    if (!ok || p_ != end_ || (seen & 0x2F) != 0x2F || format != "brisk-profile" || version != 1)
      return std::nullopt;
    return profile;
  }

private:
  using JsonCursor::number;
  using JsonCursor::string;

  bool string(std::string &out) {
    std::string_view s;
    if (!string(s))
      return false;
    out.assign(s);
    return true;
  }

  bool number(uint32_t &out) {
    uint64_t v = 0;
    if (!number(v, std::numeric_limits<uint32_t>::max()))
      return false;
    out = uint32_t(v);
    return true;
  }

  // Exactly 16 hex digits (what strtoull reads in full).
  bool hash(uint64_t &out) {
    std::string_view s;
    if (!string(s) || s.size() != 16)
      return false;
    uint64_t v = 0;
    for (char c : s) {
      unsigned d;
      if (c >= '0' && c <= '9')
        d = unsigned(c - '0');
      else if (c >= 'a' && c <= 'f')
        d = unsigned(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        d = unsigned(c - 'A' + 10);
      else
        return false;
      v = v << 4 | d;
    }
    out = v;
    return true;
  }

  bool inputs(std::vector<std::vector<std::string>> &out) {
    out.clear();
    return array([&] {
      std::vector<std::string> &run = out.emplace_back();
      return array([&] { return string(run.emplace_back()); });
    });
  }

  bool function(FunctionProfile &f) {
    unsigned seen = 0;
    bool ok = object(seen, [&](std::string_view key, unsigned &s) {
      if (key == "name")
        return once(s, 0) && string(f.name);
      if (key == "entry_count")
        return once(s, 1) && number(f.entryCount);
      if (key == "blocks")
        return once(s, 2) && array([&] { return block(f); });
      if (key == "edges")
        return once(s, 3) && array([&] { return edge(f.edges.emplace_back()); });
      if (key == "call_sites")
        return once(s, 4) && array([&] { return callSite(f.callSites.emplace_back()); });
      if (key == "loops")
        return once(s, 5) && array([&] { return loop(f.loops.emplace_back()); });
      return false;
    });
    if (!ok || seen != 0x3F)
      return false;
    std::sort(f.edges.begin(), f.edges.end(), [](const EdgeCount &a, const EdgeCount &b) {
      return std::pair(a.from, a.to) < std::pair(b.from, b.to);
    });
    return true;
  }

  bool block(FunctionProfile &f) {
    uint64_t b = 0, count = 0;
    std::string_view label;
    unsigned seen = 0;
    bool ok = object(seen, [&](std::string_view key, unsigned &s) {
      if (key == "block")
        return once(s, 0) && number(b, uint64_t(1) << 24);
      if (key == "count")
        return once(s, 1) && number(count);
      if (key == "label")
        return once(s, 2) && string(label);
      return false;
    });
    if (!ok || (seen & 3) != 3)
      return false;
    if (f.blockCounts.size() <= b) {
      f.blockCounts.resize(b + 1, 0);
      f.blockLabels.resize(b + 1);
    }
    f.blockCounts[b] = count;
    f.blockLabels[b].assign(label);
    return true;
  }

  bool edge(EdgeCount &e) {
    unsigned seen = 0;
    bool ok = object(seen, [&](std::string_view key, unsigned &s) {
      if (key == "from")
        return once(s, 0) && number(e.from);
      if (key == "to")
        return once(s, 1) && number(e.to);
      if (key == "count")
        return once(s, 2) && number(e.count);
      return false;
    });
    return ok && seen == 7;
  }

  bool callSite(CallSiteCount &c) {
    unsigned seen = 0;
    bool ok = object(seen, [&](std::string_view key, unsigned &s) {
      if (key == "block")
        return once(s, 0) && number(c.block);
      if (key == "index")
        return once(s, 1) && number(c.index);
      if (key == "callee")
        return once(s, 2) && string(c.callee);
      if (key == "count")
        return once(s, 3) && number(c.count);
      return false;
    });
    return ok && seen == 15;
  }

  bool loop(LoopProfile &l) {
    unsigned seen = 0;
    bool ok = object(seen, [&](std::string_view key, unsigned &s) {
      if (key == "header")
        return once(s, 0) && number(l.header);
      if (key == "other_paths")
        return once(s, 1) && number(l.otherPaths);
      if (key == "paths")
        return once(s, 2) && array([&] { return path(l.paths.emplace_back()); });
      return false;
    });
    return ok && seen == 7;
  }

  bool path(PathProfile &pp) {
    unsigned seen = 0;
    std::string_view end;
    BlockId backTo = kNoBlock;
    bool ok = object(seen, [&](std::string_view key, unsigned &s) {
      if (key == "blocks")
        return once(s, 0) && array([&] { return number(pp.blocks.emplace_back()); });
      if (key == "end")
        return once(s, 1) && string(end);
      if (key == "count")
        return once(s, 2) && number(pp.count);
      if (key == "back_to")
        return once(s, 3) && number(backTo);
      return false;
    });
    if (!ok || (seen & 7) != 7)
      return false;
    if (end == "back_edge") {
      if (!(seen & 8))
        return false;
      pp.endsAtBackEdge = true;
      pp.backEdgeTarget = backTo;
      return true;
    }
    return end == "return";
  }

};

} // namespace

std::optional<Profile> Profile::fromJson(std::string_view text, std::string &error) {
  if (std::optional<Profile> direct = DirectProfileReader(text).read())
    return direct;
  json root = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    error = "profile is not valid JSON";
    return std::nullopt;
  }
  try {
    if (!root.is_object() || root.value("format", "") != "brisk-profile") {
      error = "not a brisk profile (missing \"format\": \"brisk-profile\")";
      return std::nullopt;
    }
    if (root.at("version").get<int>() != 1) {
      error = "unsupported profile version " + root.at("version").dump();
      return std::nullopt;
    }
    Profile p;
    std::string hash = root.at("program_hash").get<std::string>();
    char *end = nullptr;
    p.programHash = std::strtoull(hash.c_str(), &end, 16);
    if (hash.size() != 16 || *end != '\0') {
      error = "malformed program_hash \"" + hash + "\"";
      return std::nullopt;
    }
    p.runs = root.at("runs").get<uint64_t>();
    if (auto it = root.find("inputs"); it != root.end())
      p.inputs = it->get<std::vector<std::vector<std::string>>>();
    for (const json &jf : root.at("functions")) {
      FunctionProfile f;
      f.name = jf.at("name").get<std::string>();
      f.entryCount = jf.at("entry_count").get<uint64_t>();
      for (const json &jb : jf.at("blocks")) {
        size_t b = jb.at("block").get<size_t>();
        if (b > (size_t(1) << 24)) {
          error = "block id out of range in function " + f.name;
          return std::nullopt;
        }
        if (f.blockCounts.size() <= b) {
          f.blockCounts.resize(b + 1, 0);
          f.blockLabels.resize(b + 1);
        }
        f.blockCounts[b] = jb.at("count").get<uint64_t>();
        f.blockLabels[b] = jb.value("label", "");
      }
      for (const json &je : jf.at("edges"))
        f.edges.push_back({je.at("from").get<BlockId>(), je.at("to").get<BlockId>(),
                           je.at("count").get<uint64_t>()});
      std::sort(f.edges.begin(), f.edges.end(), [](const EdgeCount &a, const EdgeCount &b) {
        return std::pair(a.from, a.to) < std::pair(b.from, b.to);
      });
      for (const json &jc : jf.at("call_sites"))
        f.callSites.push_back({jc.at("block").get<BlockId>(), jc.at("index").get<uint32_t>(),
                               jc.at("callee").get<std::string>(),
                               jc.at("count").get<uint64_t>()});
      for (const json &jl : jf.at("loops")) {
        LoopProfile l;
        l.header = jl.at("header").get<BlockId>();
        l.otherPaths = jl.at("other_paths").get<uint64_t>();
        for (const json &jp : jl.at("paths")) {
          PathProfile pp;
          pp.blocks = jp.at("blocks").get<std::vector<BlockId>>();
          std::string end = jp.at("end").get<std::string>();
          if (end != "back_edge" && end != "return") {
            error = "path end must be \"back_edge\" or \"return\", got \"" + end + "\"";
            return std::nullopt;
          }
          pp.endsAtBackEdge = end == "back_edge";
          if (pp.endsAtBackEdge)
            pp.backEdgeTarget = jp.at("back_to").get<BlockId>();
          pp.count = jp.at("count").get<uint64_t>();
          l.paths.push_back(std::move(pp));
        }
        f.loops.push_back(std::move(l));
      }
      p.functions.push_back(std::move(f));
    }
    return p;
  } catch (const json::exception &e) {
    error = std::string("malformed profile: ") + e.what();
    return std::nullopt;
  }
}

bool Profile::merge(const Profile &other, std::string &error) {
  if (other.programHash != programHash) {
    error = "profiles are of different programs (hash " + hex(programHash) + " vs " +
            hex(other.programHash) + ")";
    return false;
  }
  Profile out = *this;
  out.runs += other.runs;
  out.inputs.insert(out.inputs.end(), other.inputs.begin(), other.inputs.end());
  std::unordered_map<std::string, size_t> byName; // the last function of each name
  for (size_t i = 0; i < out.functions.size(); ++i)
    byName[out.functions[i].name] = i;
  for (const FunctionProfile &of : other.functions) {
    auto found = byName.find(of.name);
    if (found == byName.end()) {
      byName[of.name] = out.functions.size();
      out.functions.push_back(of);
      continue;
    }
    FunctionProfile *f = &out.functions[found->second];
    f->entryCount += of.entryCount;
    if (f->blockCounts.size() < of.blockCounts.size()) {
      f->blockCounts.resize(of.blockCounts.size(), 0);
      f->blockLabels = of.blockLabels;
    }
    for (size_t b = 0; b < of.blockCounts.size(); ++b)
      f->blockCounts[b] += of.blockCounts[b];
    std::map<std::pair<BlockId, BlockId>, uint64_t> edges;
    for (const EdgeCount &e : f->edges)
      edges[{e.from, e.to}] += e.count;
    for (const EdgeCount &e : of.edges)
      edges[{e.from, e.to}] += e.count;
    f->edges.clear();
    for (auto &[k, c] : edges)
      f->edges.push_back({k.first, k.second, c});
    std::map<std::pair<BlockId, uint32_t>, CallSiteCount> calls;
    for (const std::vector<CallSiteCount> *list : {&std::as_const(f->callSites), &of.callSites})
      for (const CallSiteCount &c : *list) {
        auto [it, fresh] = calls.try_emplace({c.block, c.index}, c);
        if (!fresh)
          it->second.count += c.count;
      }
    f->callSites.clear();
    for (auto &[k, c] : calls)
      f->callSites.push_back(c);
    std::map<BlockId, LoopProfile> loops;
    for (const std::vector<LoopProfile> *list : {&std::as_const(f->loops), &of.loops})
      for (const LoopProfile &l : *list) {
        LoopProfile &m = loops[l.header];
        m.header = l.header;
        m.otherPaths += l.otherPaths;
        for (const PathProfile &p : l.paths) {
          auto it = std::find_if(m.paths.begin(), m.paths.end(), [&](const PathProfile &q) {
            return q.blocks == p.blocks && q.endsAtBackEdge == p.endsAtBackEdge &&
                   q.backEdgeTarget == p.backEdgeTarget;
          });
          if (it == m.paths.end())
            m.paths.push_back(p);
          else
            it->count += p.count;
        }
      }
    f->loops.clear();
    for (auto &[h, l] : loops) {
      trimLoopPaths(l);
      f->loops.push_back(std::move(l));
    }
  }
  *this = std::move(out);
  return true;
}

bool Profile::matches(const Program &program, std::string &error) const {
  uint64_t h = brisk::programHash(program);
  if (h != programHash) {
    error = "profile is of a different program (profile hash " + hex(programHash) +
            ", program hash " + hex(h) + ")";
    return false;
  }
  return true;
}

void Profile::takeFunctionsFrom(const Profile &from, const std::vector<std::string> &names,
                                const Program &program) {
  for (const std::string &name : names) {
    const FunctionProfile *theirs = from.function(name);
    if (!theirs)
      continue;
    for (FunctionProfile &mine : functions)
      if (mine.name == name) {
        mine = *theirs;
        break;
      }
  }
  if (programHash != 0) // else never computed: see RunOptions::profileForFile
    programHash = brisk::programHash(program);
}

} // namespace brisk
