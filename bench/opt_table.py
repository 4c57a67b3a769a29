#!/usr/bin/env python3
"""The optimizer's measurement table (issues 6, 12 and 13).

For every shared benchmark (manifest.tsv) this compiles the program twice with
`brisk pgo` on its shipped arguments (the default pipeline, and
--no-speculation), profiles the original on the shipped arguments (the
training run), then runs the original and both optimized programs under
`brisk run` on the shipped arguments and, with --inputs all, on the two
held-out inputs of bench/inputs.tsv. Per benchmark and input it prints:

  orig, nospec, default  dynamic instructions (the reference interpreter's count)
  ns/o, def/o          the optimized counts' ratios to the original
  def/ns               default against --no-speculation (the price of speculating)
  spec%                share of the default run's instructions executed under
                       speculation (`brisk run --stats`: speculative_dyn_inst /
                       total_dyn_inst; speculate, guard and commit included)
  grow                 static code growth of the default program: the largest
                       optimized/original instruction count over the functions
                       that exist in both (labels are not instructions)
  total                static growth of the whole program: all optimized
                       instructions / all original instructions
  ctime                wall-clock seconds of the default `brisk pgo` (it includes
                       the training runs of the profile and the re-profile)
  same                 stdout, exit status and error message identical for all
                       three programs (and, with --oracle, under the reference
                       interpreter too, with the same counts)
  spec                 whether the default program contains `speculate`
  hot                  whether the training run executes some loop header at
                       least 100 times (a header's block count in the profile)

then per input kind a geometric-mean row and summary lines (worst rows; for
def/ns the geomean, the worst and how many exceed 1.10; the median spec% over
the benchmarks with a hot loop), and for the shipped arguments the
benchmarks with a hot loop whose default output does not speculate. It writes
an SVG bar chart of the per-benchmark ratios on the shipped arguments
(default/original and no-speculation/original, with the 1.0 line) to --svg,
and the table as TSV to --tsv.

usage: bench/opt_table.py [--brisk build/tools/brisk] [--shared ../shared]
           [--only NAME,...] [--inputs shipped|all] [--jobs N]
           [--svg FILE] [--tsv FILE] [--oracle /work/oracle/brili]
           [-- EXTRA pgo FLAGS...]
Flags after `--` go to both `brisk pgo` runs (e.g. `-- --growth=1.5`).
With --oracle (a `brili` that reads JSON on stdin), all three programs are
also run under the reference interpreter and must print what `brisk run`
prints, exit the same way and report the same count. Exit status 1 when any output
differs, a build fails, or the oracle disagrees.
"""
import argparse
import concurrent.futures
import json
import math
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, stdin_path=None, timeout=900):
    with open(stdin_path, "rb") as f:
        return subprocess.run(cmd, stdin=f, capture_output=True, timeout=timeout)


def stat(stderr, name):
    """The figure `name: N` of `brisk run --stats` (or -p) output, or None."""
    for line in stderr.decode(errors="replace").splitlines():
        if line.startswith(name + ":"):
            return int(line.split(":")[1])
    return None


def dyn_count(stderr):
    return stat(stderr, "total_dyn_inst")


def error_lines(stderr):
    return [l for l in stderr.decode(errors="replace").splitlines() if l.startswith("error:")]


HOT_LOOP = 100  # a loop header executed this often in the training run is a hot loop


def hottest_loop_header(profile_json):
    """The largest block count of a loop header (a back-edge target) in a profile."""
    best = 0
    for fn in profile_json.get("functions", []):
        counts = {b["block"]: b["count"] for b in fn.get("blocks", [])}
        for loop in fn.get("loops", []):
            best = max(best, counts.get(loop["header"], 0))
    return best


def instr_counts(program_json):
    """Instructions (not labels) per function of a Bril JSON program."""
    counts = {}
    for fn in program_json.get("functions", []):
        counts[fn["name"]] = sum(1 for i in fn.get("instrs", []) if "op" in i)
    return counts


def growth(orig_counts, opt_counts):
    per_fn = [opt_counts[n] / c for n, c in orig_counts.items() if n in opt_counts and c > 0]
    total = sum(opt_counts.values()) / max(1, sum(orig_counts.values()))
    return (max(per_fn) if per_fn else 1.0), total


def read_manifest(shared):
    rows = []
    with open(os.path.join(shared, "bench", "manifest.tsv")) as f:
        next(f)
        for line in f:
            cat, name, a = line.rstrip("\n").split("\t")[:3]
            rows.append((cat, name, a))
    return rows


def read_inputs():
    extra = {}
    path = os.path.join(HERE, "inputs.tsv")
    if os.path.exists(path):
        with open(path) as f:
            next(f)
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 4:
                    extra[(parts[0], parts[1])] = [parts[2], parts[3]]
    return extra


def measure(args, tmp, cat, name, shipped, extra, pgo_flags):
    """All rows of one benchmark, as a list of dicts, or an error string."""
    src = os.path.join(args.shared, "bench", cat, name + ".bril")
    full = os.path.join(tmp, name + ".default.json")
    nospec = os.path.join(tmp, name + ".nospec.json")
    ctime = None
    for out, flags in ((full, []), (nospec, ["--no-speculation"])):
        start = time.monotonic()
        p = run([args.brisk, "pgo", "-o", out] + flags + pgo_flags + shipped.split(), src)
        if out == full:
            ctime = time.monotonic() - start
        if p.returncode != 0:
            return "brisk pgo %s failed: %s" % (" ".join(flags), p.stderr.decode(errors="replace"))
    p = run([args.brisk, "json"], src)
    orig_json = os.path.join(tmp, name + ".orig.json")
    with open(orig_json, "wb") as f:
        f.write(p.stdout)
    orig_counts = instr_counts(json.loads(p.stdout))
    profile = os.path.join(tmp, name + ".train.json")
    run([args.brisk, "run", "--profile-out=" + profile] + shipped.split(), src)
    try:
        with open(profile) as f:
            hot = hottest_loop_header(json.load(f)) >= HOT_LOOP
    except (OSError, ValueError):
        return "training profile of %s not written" % name
    with open(full) as f:
        text = f.read()
    grow, total = growth(orig_counts, instr_counts(json.loads(text)))
    speculates = '"speculate"' in text
    inputs = [("shipped", shipped)]
    if args.inputs == "all":
        for i, e in enumerate(extra.get((cat, name), [])):
            inputs.append(("extra%d" % (i + 1), e))
    out = []
    for kind, a in inputs:
        res = {}
        spec_inst = None
        for tag, prog, prog_json in (("orig", src, orig_json), ("nospec", nospec, nospec),
                                     ("full", full, full)):
            p = run([args.brisk, "run", "--stats"] + a.split(), prog)
            res[tag] = (p.stdout, p.returncode, dyn_count(p.stderr), error_lines(p.stderr))
            if tag == "full":
                spec_inst = stat(p.stderr, "speculative_dyn_inst")
            if args.oracle:
                q = run([args.oracle, "-p"] + a.split(), prog_json)
                # brili prints no count after an error; brisk --stats always does.
                want = res[tag][2] if q.returncode == 0 else None
                if (q.stdout, q.returncode, dyn_count(q.stderr), error_lines(q.stderr)) != \
                        (p.stdout, p.returncode, want, res[tag][3]):
                    oracle_diffs.append("%s %s %s" % (name, kind, tag))
        same = (res["orig"][0] == res["nospec"][0] == res["full"][0] and
                res["orig"][1] == res["nospec"][1] == res["full"][1] and
                res["orig"][3] == res["nospec"][3] == res["full"][3])
        if args.oracle and any(d.startswith("%s %s " % (name, kind)) for d in oracle_diffs):
            same = False
        o, n, fu = res["orig"][2], res["nospec"][2], res["full"][2]
        out.append(dict(name=name, input=kind, orig=o, nospec=n, full=fu,
                        rn=n / o if o and n else float("nan"),
                        rf=fu / o if o and fu else float("nan"),
                        rfn=fu / n if fu and n else float("nan"),
                        share=spec_inst / fu if fu and spec_inst is not None else float("nan"),
                        grow=grow, total=total, ctime=ctime, same=same, spec=speculates,
                        hot=hot))
    return out


oracle_diffs = []  # "name input program" where the reference interpreter disagrees


def median(xs):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    mid = len(xs) // 2
    return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def write_svg(path, rows):
    """Grouped bars per benchmark: full/original and no-spec/original."""
    rows = sorted(rows, key=lambda r: r["rf"])
    bar, gap, left, top, height = 5, 4, 50, 30, 260
    width = left + len(rows) * (2 * bar + gap) + 20
    ymax = max([1.1] + [max(r["rf"], r["rn"]) for r in rows])

    def y(v):
        return top + height - v / ymax * height

    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
             'font-family="sans-serif" font-size="10">' % (width, top + height + 130)]
    parts.append('<text x="%d" y="18" font-size="13">dynamic instructions, optimized / '
                 'original (shipped arguments), sorted by default/original</text>' % left)
    for t in range(0, int(ymax * 10) + 1, 2):
        v = t / 10
        parts.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' %
                     (left, width - 10, y(v), y(v)))
        parts.append('<text x="%d" y="%.1f" text-anchor="end">%.1f</text>' % (left - 4, y(v) + 3, v))
    for i, r in enumerate(rows):
        x = left + i * (2 * bar + gap)
        for j, (key, color) in enumerate((("rf", "#1f77b4"), ("rn", "#ff7f0e"))):
            v = r[key]
            parts.append('<rect x="%d" y="%.1f" width="%d" height="%.1f" fill="%s">'
                         '<title>%s %s %.3f</title></rect>' %
                         (x + j * bar, y(v), bar, y(0) - y(v), color, r["name"],
                          "default" if key == "rf" else "no-spec", v))
        parts.append('<text transform="translate(%d,%d) rotate(60)" font-size="7">%s</text>' %
                     (x + 2, top + height + 4, r["name"]))
    parts.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="red" stroke-dasharray="4 2"/>' %
                 (left, width - 10, y(1.0), y(1.0)))
    gf = geomean([r["rf"] for r in rows])
    gn = geomean([r["rn"] for r in rows])
    parts.append('<rect x="%d" y="%d" width="10" height="10" fill="#1f77b4"/>'
                 '<text x="%d" y="%d">default pipeline (geomean %.3f)</text>' %
                 (width - 330, top, width - 315, top + 9, gf))
    parts.append('<rect x="%d" y="%d" width="10" height="10" fill="#ff7f0e"/>'
                 '<text x="%d" y="%d">--no-speculation (geomean %.3f)</text>' %
                 (width - 330, top + 14, width - 315, top + 23, gn))
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def main():
    argv = sys.argv[1:]
    pgo_flags = []
    if "--" in argv:
        pgo_flags = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    ap = argparse.ArgumentParser()
    ap.add_argument("--brisk", default=os.path.join(HERE, "..", "build", "tools", "brisk"))
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "shared"))
    ap.add_argument("--only", default="")
    ap.add_argument("--inputs", default="all", choices=["shipped", "all"])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--oracle", default="")
    ap.add_argument("--tsv", default="")
    ap.add_argument("--svg", default="")
    args = ap.parse_args(argv)
    only = set(x for x in args.only.split(",") if x)
    benches = [r for r in read_manifest(args.shared) if not only or r[1] in only]
    extra = read_inputs()
    tmp = tempfile.mkdtemp(prefix="opttable-")
    fmt = "%-26s %-7s %10s %10s %10s %6s %6s %6s %6s %5s %5s %6s %4s %4s %4s"
    print(fmt % ("benchmark", "input", "orig", "nospec", "default", "ns/o", "def/o", "def/ns",
                 "spec%", "grow", "total", "ctime", "same", "spec", "hot"))
    failures = 0
    table = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(measure, args, tmp, c, n, a, extra, pgo_flags) for c, n, a in benches]
        for (cat, name, _), fut in zip(benches, futures):
            res = fut.result()
            if isinstance(res, str):
                failures += 1
                print("%-26s BUILD FAILED" % name)
                sys.stderr.write("%s: %s\n" % (name, res))
                continue
            for r in res:
                failures += not r["same"]
                table.append(r)
                print(fmt % (r["name"], r["input"], r["orig"], r["nospec"], r["full"],
                             "%.3f" % r["rn"], "%.3f" % r["rf"], "%.3f" % r["rfn"],
                             "%.1f" % (100 * r["share"]), "%.2f" % r["grow"],
                             "%.2f" % r["total"], "%.2f" % r["ctime"],
                             "yes" if r["same"] else "NO", "yes" if r["spec"] else "no",
                             "yes" if r["hot"] else "no"),
                      flush=True)
    kinds = sorted(set(r["input"] for r in table), key=lambda k: (k != "shipped", k))
    for kind in kinds:
        rs = [r for r in table if r["input"] == kind and r["orig"] and r["full"] and r["nospec"]]
        print(fmt % ("geomean", kind, "", "", "", "%.3f" % geomean([r["rn"] for r in rs]),
                     "%.3f" % geomean([r["rf"] for r in rs]),
                     "%.3f" % geomean([r["rfn"] for r in rs]), "", "", "", "", "", "", ""))
        empty = [r["name"] for r in table if r["input"] == kind and r["orig"] and not r["full"]]
        if empty:
            print("  %s: optimized to no instruction at all (ratio 0, left out of the geomean, "
                  "which can only raise it): %s" % (kind, ", ".join(empty)))
        worst = max(rs, key=lambda r: r["rf"])
        print("  %s: %d benchmarks, worst def/o %.3f (%s), above 1.00: %d, above 1.05: %d, "
              "outputs differ: %d" %
              (kind, len(rs), worst["rf"], worst["name"], sum(r["rf"] > 1.0 for r in rs),
               sum(r["rf"] > 1.05 for r in rs), sum(not r["same"] for r in table if r["input"] == kind)))
        worst = max(rs, key=lambda r: r["rfn"])
        hot = [r for r in rs if r["hot"]]
        print("  %s: def/ns geomean %.3f, worst %.3f (%s), above 1.10: %d; median spec%% over "
              "the %d with a hot loop %.1f%%" %
              (kind, geomean([r["rfn"] for r in rs]), worst["rfn"], worst["name"],
               sum(r["rfn"] > 1.10 for r in rs), len(hot),
               100 * median([r["share"] for r in hot if r["share"] == r["share"]])))
    shipped = [r for r in table if r["input"] == "shipped"]
    if shipped:
        g = max(shipped, key=lambda r: r["grow"])
        t = max(shipped, key=lambda r: r["total"])
        print("max growth per function %.2f (%s); max program growth %.2f (%s), above 2.5: %d; "
              "total compile time %.1f s; benchmarks that speculate: %d" %
              (g["grow"], g["name"], t["total"], t["name"], sum(r["total"] > 2.5 for r in shipped),
               sum(r["ctime"] for r in shipped), sum(r["spec"] for r in shipped)))
        hot = [r for r in shipped if r["hot"]]
        print("benchmarks whose training run executes a loop header >= %d times: %d; of them "
              "speculating by default: %d; hot but not speculating: %s" %
              (HOT_LOOP, len(hot), sum(r["spec"] for r in hot),
               ", ".join(r["name"] for r in hot if not r["spec"]) or "none"))
    if args.oracle:
        print("reference interpreter (%s) disagreements: %d%s" %
              (args.oracle, len(oracle_diffs),
               "" if not oracle_diffs else " (" + ", ".join(oracle_diffs) + ")"))
    if args.svg and shipped:
        write_svg(args.svg, [r for r in shipped if r["orig"] and r["full"] and r["nospec"]])
    if args.tsv:
        with open(args.tsv, "w") as f:
            f.write("name\tinput\torig\tnospec\tdefault\tnospec_ratio\tdefault_ratio\t"
                    "default_nospec_ratio\tspeculative_share\tgrowth\tprogram_growth\tcompile_s\t"
                    "same\tspeculates\thot_loop\n")
            for r in table:
                f.write("%s\t%s\t%s\t%s\t%s\t%.4f\t%.4f\t%.4f\t%.4f\t%.3f\t%.3f\t%.2f\t%s\t%s\t%s\n" %
                        (r["name"], r["input"], r["orig"], r["nospec"], r["full"], r["rn"],
                         r["rf"], r["rfn"], r["share"], r["grow"], r["total"], r["ctime"],
                         r["same"], r["spec"], r["hot"]))
    return 1 if failures or oracle_diffs else 0


if __name__ == "__main__":
    sys.exit(main())
