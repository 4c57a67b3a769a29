#!/usr/bin/env python3
"""Runs golden text tests.

A golden test is a .bril file holding its own command and expected output:

    # RUN: brisk ssa
    # CHECK: @main {
    # CHECK:   x.0: int = const 1;
    ...

The RUN line is a shell command in which `brisk` stands for the driver under
test; the test file is its standard input (or `%s` in the command names it;
`%S` names the test file's folder, for tests whose input is another file, such
as a malformed JSON program).
The CHECK lines, in order, are the exact expected standard output (each
without the `# CHECK: ` prefix; `# CHECK:` alone is an empty line). A test
passes when the output matches exactly. An optional `# EXIT: N` line gives the
expected exit status (default 0); `# STDERR:` lines give the exact expected
standard error (when none are present, stderr is not compared).

--update rewrites the CHECK, STDERR and EXIT lines of the given files from
the actual output; review the diff before committing it.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys

CHECK = "# CHECK:"
STDERR = "# STDERR:"
EXIT = "# EXIT:"


def parse(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    run = None
    checks, stderr, exit_code = [], None, 0
    for line in lines:
        if line.startswith("# RUN:"):
            run = line[len("# RUN:"):].strip()
        elif line.startswith(CHECK):
            checks.append(line[len(CHECK) + 1:] if len(line) > len(CHECK) else "")
        elif line.startswith(STDERR):
            stderr = stderr or []
            stderr.append(line[len(STDERR) + 1:] if len(line) > len(STDERR) else "")
        elif line.startswith(EXIT):
            exit_code = int(line[len(EXIT):].strip())
    return lines, run, checks, stderr, exit_code


def run_test(brisk, path):
    with open(path, "rb") as f:
        source = f.read()
    lines, run, checks, stderr, exit_code = parse(path)
    if run is None:
        return None, f"{path}: no '# RUN:' line"
    command = re.sub(r"(?<![\w/.-])brisk(?![\w/.-])", shlex.quote(brisk), run)
    command = command.replace("%s", shlex.quote(path))
    command = command.replace("%S", shlex.quote(os.path.dirname(os.path.abspath(path))))
    proc = subprocess.run(command, shell=True, input=source, capture_output=True, timeout=120)
    return (proc, lines, checks, stderr, exit_code), None


def body_without_expectations(lines):
    return [l for l in lines if not (l.startswith(CHECK) or l.startswith(STDERR) or l.startswith(EXIT))]


def update(brisk, path):
    result, err = run_test(brisk, path)
    if err:
        print(err)
        return False
    proc, lines, _, stderr, _ = result
    body = body_without_expectations(lines)
    while body and body[-1] == "":
        body.pop()
    out = proc.stdout.decode("utf-8", "replace").split("\n")
    if out and out[-1] == "":
        out.pop()
    new = body + [""]
    if proc.returncode != 0:
        new.append(f"{EXIT} {proc.returncode}")
    new += [f"{CHECK} {l}".rstrip() if l else CHECK for l in out]
    if stderr is not None or proc.returncode != 0:
        err_lines = proc.stderr.decode("utf-8", "replace").split("\n")
        if err_lines and err_lines[-1] == "":
            err_lines.pop()
        new += [f"{STDERR} {l}".rstrip() if l else STDERR for l in err_lines]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(new) + "\n")
    print(f"updated {path}")
    return True


def check(brisk, path):
    result, err = run_test(brisk, path)
    if err:
        print(err)
        return False
    proc, _, checks, stderr, exit_code = result
    ok = True
    if proc.returncode != exit_code:
        print(f"{path}: exit status {proc.returncode}, expected {exit_code}")
        ok = False
    actual = proc.stdout.decode("utf-8", "replace").split("\n")
    if actual and actual[-1] == "":
        actual.pop()
    actual = [l.rstrip() for l in actual]
    if actual != checks:
        print(f"{path}: output differs from CHECK lines")
        import difflib
        for l in difflib.unified_diff(checks, actual, "expected", "actual", lineterm=""):
            print(l)
        ok = False
    if stderr is not None:
        err_lines = proc.stderr.decode("utf-8", "replace").split("\n")
        if err_lines and err_lines[-1] == "":
            err_lines.pop()
        if [l.rstrip() for l in err_lines] != stderr:
            print(f"{path}: stderr differs from STDERR lines")
            print("actual stderr:\n" + proc.stderr.decode("utf-8", "replace"))
            ok = False
    if not ok and proc.stderr and stderr is None:
        print("stderr:\n" + proc.stderr.decode("utf-8", "replace"))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--brisk", required=True, help="path to the brisk driver")
    ap.add_argument("--update", action="store_true", help="rewrite expectations from actual output")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    fn = update if args.update else check
    results = [fn(args.brisk, f) for f in args.files]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
