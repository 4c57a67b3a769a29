#!/usr/bin/env python3
"""Checks bench/scaling.sh on small sizes of the big shape: one row per
size with the figures in their columns, growth ratios from the second row
on, and a driver that fails is reported as such, not timed."""
import os
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
for r in rows:
    check(f"opt CPU time is a number: {r}", float(r["cpu_s"]) >= 0)
    check(f"opt ran within the limit: {r}", not r["opt_s"].startswith(">"))
check("first row has no ratio", rows[0]["opt_x"] == "-")
check("second row has a ratio", rows[1]["opt_x"] != "-")

# A driver whose opt fails: no time, no ratio, and the table still ends.
head, rows = table(OPT_FLAGS="--no-such-flag")
check("failed opt is not timed", [r["cpu_s"] for r in rows] == [">600", ">600"])
check("failed opt has no ratio", rows[1]["opt_x"] == "-")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
