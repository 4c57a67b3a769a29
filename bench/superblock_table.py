#!/usr/bin/env python3
"""Superblock benchmark table.

For every shared benchmark (manifest.tsv), profiles it on its shipped
arguments and optimizes it twice with `brisk pgo` (default, and
--no-speculation), then runs the original and both optimized programs under
`brisk run -p` on the shipped arguments and on the two extra inputs of
bench/inputs.tsv. Prints, per benchmark and input: original dynamic
instruction count, --no-speculation count, full count, their ratios to the
original, whether all outputs (stdout and exit status) are identical, whether
the optimized program passes `brisk check`-level verification with the
speculation-effects rule, and whether it speculates at all; then a
geometric-mean row per input kind.

usage: bench/superblock_table.py [--brisk build/tools/brisk] [--shared ../shared]
                                 [--only NAME,...] [--inputs shipped|all]
                                 [--oracle /work/oracle/brili] [--tsv FILE]
With --oracle, the full optimized program is also run under the reference
interpreter (JSON on stdin) and must print the same output and count.
Exit status 1 when any output differs or verification fails.
"""
import argparse
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, stdin_path=None, stdin_data=None, timeout=600):
    if stdin_path is not None:
        with open(stdin_path, "rb") as f:
            p = subprocess.run(cmd, stdin=f, capture_output=True, timeout=timeout)
    else:
        p = subprocess.run(cmd, input=stdin_data, capture_output=True, timeout=timeout)
    return p


def dyn_count(stderr):
    for line in stderr.decode(errors="replace").splitlines():
        if line.startswith("total_dyn_inst:"):
            return int(line.split(":")[1])
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--brisk", default=os.path.join(HERE, "..", "build", "tools", "brisk"))
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "shared"))
    ap.add_argument("--only", default="")
    ap.add_argument("--inputs", default="all", choices=["shipped", "all"])
    ap.add_argument("--oracle", default="")
    ap.add_argument("--tsv", default="")
    args = ap.parse_args()
    bench = os.path.join(args.shared, "bench")
    rows = []
    with open(os.path.join(bench, "manifest.tsv")) as f:
        next(f)
        for line in f:
            cat, name, a = line.rstrip("\n").split("\t")[:3]
            rows.append((cat, name, a))
    extra = {}
    inputs_tsv = os.path.join(HERE, "inputs.tsv")
    if os.path.exists(inputs_tsv):
        with open(inputs_tsv) as f:
            next(f)
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 4:
                    extra[(parts[0], parts[1])] = [parts[2], parts[3]]
    only = set(x for x in args.only.split(",") if x)
    tmp = tempfile.mkdtemp(prefix="sbtable-")
    failures = 0
    table = []
    geo = {}
    spec_count = 0
    print("%-28s %-7s %12s %12s %12s %7s %7s %4s %4s %4s" %
          ("benchmark", "input", "orig", "nospec", "full", "ns/o", "full/o", "same", "ver", "spec"))
    for cat, name, shipped in rows:
        if only and name not in only:
            continue
        src = os.path.join(bench, cat, name + ".bril")
        full = os.path.join(tmp, name + ".full.json")
        nospec = os.path.join(tmp, name + ".nospec.json")
        ok_build = True
        for out, flags in ((full, []), (nospec, ["--no-speculation"])):
            p = run([args.brisk, "pgo", "--verify", "-o", out] + flags + shipped.split(), src)
            if p.returncode != 0:
                ok_build = False
                sys.stderr.write("%s: brisk pgo %s failed:\n%s\n" %
                                 (name, " ".join(flags), p.stderr.decode(errors="replace")))
        if not ok_build:
            failures += 1
            print("%-28s BUILD FAILED" % name)
            continue
        with open(full) as f:
            speculates = '"speculate"' in f.read()
        spec_count += speculates
        inputs = [("shipped", shipped)]
        if args.inputs == "all":
            for i, e in enumerate(extra.get((cat, name), [])):
                inputs.append(("extra%d" % (i + 1), e))
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
            ratio_n = n / o if o and n else float("nan")
            ratio_f = fu / o if o and fu else float("nan")
            if not same:
                failures += 1
            if o and n and fu:
                geo.setdefault(kind, []).append((ratio_n, ratio_f))
            table.append((name, kind, o, n, fu, ratio_n, ratio_f, same, True, speculates))
            print("%-28s %-7s %12s %12s %12s %7.3f %7.3f %4s %4s %4s" %
                  (name, kind, o, n, fu, ratio_n, ratio_f, "yes" if same else "NO", "yes",
                   "yes" if speculates else "no"), flush=True)
    for kind, rs in sorted(geo.items()):
        gn = math.exp(sum(math.log(r[0]) for r in rs) / len(rs))
        gf = math.exp(sum(math.log(r[1]) for r in rs) / len(rs))
        print("%-28s %-7s %12s %12s %12s %7.3f %7.3f" % ("geomean", kind, "", "", "", gn, gf))
    print("benchmarks that speculate: %d" % spec_count)
    if args.tsv:
        with open(args.tsv, "w") as f:
            f.write("name\tinput\torig\tnospec\tfull\tnospec_ratio\tfull_ratio\tsame\tspeculates\n")
            for r in table:
                f.write("%s\t%s\t%s\t%s\t%s\t%.4f\t%.4f\t%s\t%s\n" %
                        (r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[9]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
