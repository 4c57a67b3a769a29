#!/usr/bin/env python3
"""Run a command and print "WALL CPU MAXRSS_KB" for it on one line.

usage: bench/cputime.py [--timeout=SECONDS] [--out=FILE] -- COMMAND [ARG...]

WALL is elapsed seconds; CPU is user + system seconds of the command and its
children, from wait4()'s resource usage, which the kernel keeps in
microseconds (GNU time prints it in hundredths of a second, too coarse for a
program that compiles in 50 ms); MAXRSS_KB is its peak resident memory. The
command's stdin, stdout and stderr are this script's. The line goes to FILE
(or stderr). The exit status is the command's; a command that runs longer
than the timeout is killed, and the status is 124 with "-" for every figure.
"""
import os
import signal
import sys
import time


def main(argv):
    timeout = None
    out = None
    while argv and argv[0] != "--":
        arg = argv.pop(0)
        if arg.startswith("--timeout="):
            timeout = float(arg.split("=", 1)[1])
        elif arg.startswith("--out="):
            out = arg.split("=", 1)[1]
        else:
            sys.exit(f"cputime.py: unknown option {arg}")
    if not argv or len(argv) < 2:
        sys.exit("usage: cputime.py [--timeout=S] [--out=FILE] -- COMMAND [ARG...]")
    command = argv[1:]

    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(command[0], command)
        except OSError as e:
            print(f"cputime.py: cannot run {command[0]}: {e.strerror}", file=sys.stderr)
        os._exit(127)

    timed_out = False
    if timeout is not None:
        def kill(_signum, _frame):
            nonlocal timed_out
            timed_out = True
            os.kill(pid, signal.SIGKILL)
        signal.signal(signal.SIGALRM, kill)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    while True:
        try:
            _, status, usage = os.wait4(pid, 0)
            break
        except InterruptedError:
            continue
    signal.setitimer(signal.ITIMER_REAL, 0)
    wall = time.perf_counter() - start

    if timed_out:
        line, code = "- - -", 124
    else:
        line = f"{wall:.3f} {usage.ru_utime + usage.ru_stime:.3f} {usage.ru_maxrss}"
        code = os.waitstatus_to_exitcode(status)
        if code < 0:
            code = 128 - code
    if out:
        with open(out, "w") as f:
            f.write(line + "\n")
    else:
        print(line, file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
