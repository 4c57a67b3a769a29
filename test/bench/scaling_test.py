#!/usr/bin/env python3
"""Checks bench/scaling.sh on small sizes of the big shape: one row per
size with the figures in their columns, growth ratios from the second row
on, and with WORK=1 (when valgrind is installed) the instructions brisk opt
executes and their growth."""
import os
import shutil
import subprocess
import sys

scaling, brisk = sys.argv[1], sys.argv[2]
failures = []


def check(what, ok):
    if not ok:
        failures.append(what)


def table(**env):
    out = subprocess.run(["bash", scaling, brisk], capture_output=True, text=True,
                         env={**os.environ, "SHAPES": "big", "SIZES": "300 3000", **env})
    check(f"exit 0 with {env}: {out.stderr}", out.returncode == 0)
    lines = out.stdout.splitlines()
    head = lines[0].split()
    return head, [dict(zip(head, line.split())) for line in lines[1:]]


head, rows = table()
check("one row per size", [r.get("size") for r in rows] == ["300", "3000"])
check("no work column without WORK", "opt_Mir" not in head)
for r in rows:
    check(f"opt CPU time is a number: {r}", float(r["cpu_s"]) >= 0)
    check(f"opt ran within the limit: {r}", not r["opt_s"].startswith(">"))
check("first row has no ratio", rows[0]["opt_x"] == "-")
check("second row has a ratio", rows[1]["opt_x"] != "-")

if shutil.which("valgrind"):
    head, rows = table(WORK="1")
    check("work columns", head[-2:] == ["opt_Mir", "ir_x"])
    small, large = float(rows[0]["opt_Mir"]), float(rows[1]["opt_Mir"])
    check(f"instructions counted: {small} {large}", 0 < small < large)
    check("work ratio is the quotient", rows[1]["ir_x"] == f"{large / small:.1f}")
    # A driver that fails: no count, no ratio, and the table still ends.
    head, rows = table(WORK="1", OPT_FLAGS="--no-such-flag")
    check("failed run counts nothing", [r["opt_Mir"] for r in rows] == ["-", "-"])
    check("failed run has no ratio", rows[1]["ir_x"] == "-")
else:
    print("valgrind not installed: WORK=1 not checked")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
