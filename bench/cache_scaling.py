#!/usr/bin/env python3
"""Work and cache misses of `brisk opt` on the one-big-function shape, per size.

bench/scaling.sh measures time. Time per instruction of the program can grow
for two reasons: the algorithms do more work per instruction (a superlinear
algorithm), or the same work costs more because the data no longer fits the
caches. This script tells them apart. For each size it builds the program of
bench/scaling.sh's big shape (bench/big_function.py SIZE, profiled on n=7),
runs `brisk opt` under valgrind's cachegrind with a simulated last-level
cache (default 32 MiB, 16-way, 64-byte lines: this machine's L3), and prints

  - per size: instructions executed (Ir), first-level data misses (D1mr +
    D1mw), last-level data read and write misses (DLmr, DLmw), and the
    growth of each from the previous size;
  - per function, for the TOP functions by instructions at the largest size:
    the growth of their instructions and of their last-level read misses;
    the range of growth over every function with 0.5% of the instructions;
    and the TOP functions by last-level read misses.

A linear algorithm shows 10x instructions per 10x size in every function;
cache effects show as last-level misses growing much faster than that.
cachegrind runs the program about 50 times slower: 10k and 100k take about
two minutes together; 1M takes about 20 minutes.

usage: bench/cache_scaling.py [--brisk build/tools/brisk] [--sizes 10000,100000]
                              [--ll BYTES,WAYS,LINE] [--top N] [--keep DIR]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EVENTS = ["Ir", "D1mr", "D1mw", "DLmr", "DLmw"]


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def profile_program(brisk, size, folder):
    prog = os.path.join(folder, f"big-{size}.bril")
    prof = os.path.join(folder, f"big-{size}.prof.json")
    with open(prog, "w") as out:
        run([sys.executable, os.path.join(HERE, "big_function.py"), str(size)], stdout=out)
    with open(prog) as src:
        run([brisk, "run", f"--profile-out={prof}", "7"], stdin=src,
            stdout=subprocess.DEVNULL)
    return prog, prof


def cachegrind(brisk, prog, prof, ll, out_file):
    run(["valgrind", "--tool=cachegrind", "--cache-sim=yes", f"--LL={ll}",
         f"--cachegrind-out-file={out_file}", brisk, "opt", f"--profile={prof}",
         "-o", os.devnull, prog], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def read_counts(out_file):
    """Returns (totals, per-function counts), each a dict event -> count."""
    events, totals = None, None
    functions = {}
    current = None
    with open(out_file) as f:
        for line in f:
            if line.startswith("events:"):
                events = line.split()[1:]
            elif line.startswith("summary:"):
                totals = dict(zip(events, map(int, line.split()[1:])))
            elif line.startswith("fn="):
                current = functions.setdefault(line[3:].strip(), [0] * len(events))
            elif current is not None and line[:1].isdigit():
                numbers = line.split()[1:]
                for i, n in enumerate(numbers):
                    current[i] += int(n)
    per_function = {name: dict(zip(events, counts)) for name, counts in functions.items()}
    return totals, per_function


def short(name, width=70):
    name = name.replace("(anonymous namespace)::", "")
    name = re.sub(r"\(.*$", "", name)  # drop the parameter list
    return name if len(name) <= width else name[:width - 3] + "..."


def ranked(large, small, event, top):
    """The TOP functions of the larger run by `event`, each as (name, its
    counts, its counts in the smaller run: zero where it did not appear)."""
    absent = dict.fromkeys(EVENTS, 0)
    for name, counts in sorted(large.items(), key=lambda kv: -kv[1][event])[:top]:
        yield name, counts, small.get(name, absent)


def ratio(new, old):
    return f"{new / old:.1f}x" if old else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--brisk", default=os.path.join(HERE, "..", "build", "tools", "brisk"))
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--ll", default="33554432,16,64",
                    help="simulated last-level cache: bytes,ways,line bytes")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--keep", help="a folder to keep the programs and cachegrind files in")
    args = ap.parse_args()
    if not shutil.which("valgrind"):
        sys.exit("cache_scaling.py: valgrind is not installed")
    if not os.access(args.brisk, os.X_OK):
        sys.exit(f"cache_scaling.py: no brisk driver at {args.brisk}")
    sizes = [int(s) for s in args.sizes.split(",")]
    folder = args.keep or tempfile.mkdtemp(prefix="cache_scaling.")
    os.makedirs(folder, exist_ok=True)

    results = []
    for size in sizes:
        prog, prof = profile_program(args.brisk, size, folder)
        out_file = os.path.join(folder, f"cachegrind-{size}.out")
        cachegrind(args.brisk, prog, prof, args.ll, out_file)
        results.append(read_counts(out_file))

    print(f"simulated last-level cache {args.ll}")
    print(f"{'size':>9} {'Ir':>15} {'D1 misses':>12} {'LL rd miss':>11} {'LL wr miss':>11}"
          f" {'Ir x':>6} {'D1 x':>6} {'LLrd x':>7} {'LLwr x':>7}")
    previous = None
    for size, (totals, _) in zip(sizes, results):
        d1 = totals["D1mr"] + totals["D1mw"]
        row = (f"{size:>9} {totals['Ir']:>15,} {d1:>12,} {totals['DLmr']:>11,}"
               f" {totals['DLmw']:>11,}")
        if previous:
            p_d1 = previous["D1mr"] + previous["D1mw"]
            row += (f" {ratio(totals['Ir'], previous['Ir']):>6} {ratio(d1, p_d1):>6}"
                    f" {ratio(totals['DLmr'], previous['DLmr']):>7}"
                    f" {ratio(totals['DLmw'], previous['DLmw']):>7}")
        print(row)
        previous = totals

    if len(results) >= 2:
        (_, small), (_, large) = results[-2], results[-1]
        print(f"\nfunctions by instructions at {sizes[-1]}, growth from {sizes[-2]}:")
        print(f"{'Ir':>14} {'Ir x':>6} {'LL rd miss':>11} {'was':>8}  function")
        for name, counts, before in ranked(large, small, "Ir", args.top):
            print(f"{counts['Ir']:>14,} {ratio(counts['Ir'], before['Ir']):>6}"
                  f" {counts['DLmr']:>11,} {before['DLmr']:>8,}  {short(name)}")
        total = sum(c["Ir"] for c in large.values())
        growth = [c["Ir"] / small[name]["Ir"] for name, c in large.items()
                  if c["Ir"] >= total / 200 and small.get(name, {}).get("Ir")]
        if growth:
            print(f"the {len(growth)} functions with at least 0.5% of the instructions grew"
                  f" {min(growth):.1f}x to {max(growth):.1f}x")
        print(f"\nfunctions by last-level read misses at {sizes[-1]}:")
        print(f"{'LL rd miss':>11} {'was':>8} {'Ir x':>6}  function")
        for name, counts, before in ranked(large, small, "DLmr", args.top):
            print(f"{counts['DLmr']:>11,} {before['DLmr']:>8,}"
                  f" {ratio(counts['Ir'], before['Ir']):>6}  {short(name)}")
    if not args.keep:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
