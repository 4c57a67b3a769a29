#!/usr/bin/env python3
"""The optimizer's measurement table (issue 6).

For every shared benchmark (manifest.tsv) this compiles the program twice with
`brisk pgo` on its shipped arguments (the full pipeline, and --no-speculation),
then runs the original and both optimized programs under `brisk run -p` on the
shipped arguments and, with --inputs all, on the two held-out inputs of
bench/inputs.tsv. Per benchmark and input it prints:

  orig, nospec, full   dynamic instructions (the reference interpreter's count)
  ns/o, full/o         their ratios to the original
  grow                 static code growth of the full program: the largest
                       optimized/original instruction count over the functions
                       that exist in both (labels are not instructions)
  total                the same ratio for the whole program
  ctime                wall-clock seconds of the full `brisk pgo` (it includes
                       the training runs of the profile and the re-profile)
  same                 stdout and exit status identical for all three programs
  spec                 whether the full program contains `speculate`

then a geometric-mean row per input kind and the worst rows. It writes an SVG
bar chart of the per-benchmark ratios on the shipped arguments (full/original
and no-speculation/original, with the 1.0 line) to --svg, and the table as TSV
to --tsv.

usage: bench/opt_table.py [--brisk build/tools/brisk] [--shared ../shared]
           [--only NAME,...] [--inputs shipped|all] [--jobs N]
           [--svg FILE] [--tsv FILE] [--oracle /work/oracle/brili]
           [-- EXTRA pgo FLAGS...]
Flags after `--` go to both `brisk pgo` runs (e.g. `-- --growth=1.5`).
With --oracle, the full program is also run under the reference interpreter
and must print the same output and count. Exit status 1 when any output
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


def dyn_count(stderr):
    for line in stderr.decode(errors="replace").splitlines():
        if line.startswith("total_dyn_inst:"):
            return int(line.split(":")[1])
    return None


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
    full = os.path.join(tmp, name + ".full.json")
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
    orig_counts = instr_counts(json.loads(p.stdout))
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
        for tag, prog in (("orig", src), ("nospec", nospec), ("full", full)):
            p = run([args.brisk, "run", "-p"] + a.split(), prog)
            res[tag] = (p.stdout, p.returncode, dyn_count(p.stderr))
        same = (res["orig"][0] == res["nospec"][0] == res["full"][0] and
                res["orig"][1] == res["nospec"][1] == res["full"][1])
        if args.oracle and same:
            p = run([args.oracle, "-p"] + a.split(), full)
            same = p.stdout == res["full"][0] and dyn_count(p.stderr) == res["full"][2]
        o, n, fu = res["orig"][2], res["nospec"][2], res["full"][2]
        out.append(dict(name=name, input=kind, orig=o, nospec=n, full=fu,
                        rn=n / o if o and n else float("nan"),
                        rf=fu / o if o and fu else float("nan"),
                        grow=grow, total=total, ctime=ctime, same=same, spec=speculates))
    return out


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
                 'original (shipped arguments), sorted by full/original</text>' % left)
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
                          "full" if key == "rf" else "no-spec", v))
        parts.append('<text transform="translate(%d,%d) rotate(60)" font-size="7">%s</text>' %
                     (x + 2, top + height + 4, r["name"]))
    parts.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="red" stroke-dasharray="4 2"/>' %
                 (left, width - 10, y(1.0), y(1.0)))
    gf = geomean([r["rf"] for r in rows])
    gn = geomean([r["rn"] for r in rows])
    parts.append('<rect x="%d" y="%d" width="10" height="10" fill="#1f77b4"/>'
                 '<text x="%d" y="%d">full pipeline (geomean %.3f)</text>' %
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
    fmt = "%-26s %-7s %10s %10s %10s %6s %6s %5s %5s %6s %4s %4s"
    print(fmt % ("benchmark", "input", "orig", "nospec", "full", "ns/o", "full/o",
                 "grow", "total", "ctime", "same", "spec"))
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
                             "%.3f" % r["rn"], "%.3f" % r["rf"], "%.2f" % r["grow"],
                             "%.2f" % r["total"], "%.2f" % r["ctime"],
                             "yes" if r["same"] else "NO", "yes" if r["spec"] else "no"),
                      flush=True)
    kinds = sorted(set(r["input"] for r in table), key=lambda k: (k != "shipped", k))
    for kind in kinds:
        rs = [r for r in table if r["input"] == kind and r["orig"] and r["full"] and r["nospec"]]
        print(fmt % ("geomean", kind, "", "", "", "%.3f" % geomean([r["rn"] for r in rs]),
                     "%.3f" % geomean([r["rf"] for r in rs]), "", "", "", "", ""))
        empty = [r["name"] for r in table if r["input"] == kind and r["orig"] and not r["full"]]
        if empty:
            print("  %s: optimized to no instruction at all (ratio 0, left out of the geomean, "
                  "which can only raise it): %s" % (kind, ", ".join(empty)))
        worst = max(rs, key=lambda r: r["rf"])
        print("  %s: %d benchmarks, worst full/o %.3f (%s), above 1.00: %d, above 1.05: %d, "
              "outputs differ: %d" %
              (kind, len(rs), worst["rf"], worst["name"], sum(r["rf"] > 1.0 for r in rs),
               sum(r["rf"] > 1.05 for r in rs), sum(not r["same"] for r in table if r["input"] == kind)))
    shipped = [r for r in table if r["input"] == "shipped"]
    if shipped:
        g = max(shipped, key=lambda r: r["grow"])
        print("max growth per function %.2f (%s); max program growth %.2f; "
              "total compile time %.1f s; benchmarks that speculate: %d" %
              (g["grow"], g["name"], max(r["total"] for r in shipped),
               sum(r["ctime"] for r in shipped), sum(r["spec"] for r in shipped)))
    if args.svg and shipped:
        write_svg(args.svg, [r for r in shipped if r["orig"] and r["full"] and r["nospec"]])
    if args.tsv:
        with open(args.tsv, "w") as f:
            f.write("name\tinput\torig\tnospec\tfull\tnospec_ratio\tfull_ratio\tgrowth\t"
                    "program_growth\tcompile_s\tsame\tspeculates\n")
            for r in table:
                f.write("%s\t%s\t%s\t%s\t%s\t%.4f\t%.4f\t%.3f\t%.3f\t%.2f\t%s\t%s\n" %
                        (r["name"], r["input"], r["orig"], r["nospec"], r["full"], r["rn"],
                         r["rf"], r["grow"], r["total"], r["ctime"], r["same"], r["spec"]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
