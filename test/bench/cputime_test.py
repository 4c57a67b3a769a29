#!/usr/bin/env python3
"""Checks bench/cputime.py, the timer bench/scaling.sh reads: the figures it
writes, the exit status it passes on, and its timeout."""
import os
import subprocess
import sys
import tempfile

cputime = sys.argv[1]
failures = []


def run(*args):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "t")
        rc = subprocess.run([sys.executable, cputime, f"--out={out}", *args]).returncode
        with open(out) as f:
            return rc, f.read().split()


def check(what, ok):
    if not ok:
        failures.append(what)


# A command that burns CPU: its CPU time shows, in thousandths of a second.
rc, fields = run("--", sys.executable, "-c", "sum(range(3_000_000))")
check("status 0 passes through", rc == 0)
check("three figures", len(fields) == 3)
wall, cpu, kb = float(fields[0]), float(fields[1]), int(fields[2])
check("CPU time measured", cpu > 0.01)
check("three decimals", len(fields[1].split(".")[1]) == 3)
check("peak memory in KB", kb > 1000)

rc, _ = run("--", sys.executable, "-c", "import sys; sys.exit(3)")
check("a failing command's status passes through", rc == 3)

rc, fields = run("--timeout=0.3", "--", "sleep", "5")
check("timeout gives 124", rc == 124)
check("timeout gives no figures", fields == ["-", "-", "-"])

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
