#!/usr/bin/env bash
# Compile-time scaling of `brisk opt`, `brisk ssa` and `brisk dot` on two
# shapes of program of 1 thousand to 1 million instructions:
#   many  generated programs spread over many small functions
#         (`brisk gen --size=N`), profiled on one argument vector;
#   big   one function: bench/big_function.py, @main made of copies of a
#         Collatz loop with long straight-line stretches, profiled on n=7;
#   line  (only when SHAPES names it) one block that redefines one variable
#         N times: out of SSA, every version is a candidate to share x's
#         name, the shape that once made coalescing quadratic;
#   loops (only when SHAPES names it) one function of N/6 copies of a hot
#         one-block counted loop (6 instructions each), profiled on n=40:
#         unrolling and superblocks share the function's growth budget, the
#         shape that once overshot it and ran the pipeline six times.
#   calls (only when SHAPES names it) the loops shape, where 8 of the
#         loops call a two-instruction function that writes its parameter
#         (`r = call @bump t`, t read nowhere after): the inliner asks
#         whether t is live after the call, the shape that once built
#         blocks x variables live sets of the caller per site;
#   tail  (only when SHAPES names it) a self tail-recursive function whose
#         body is N/6 counted loops of their own counters, profiled on n=3:
#         tail recursion asks what is live into its entry, the shape that
#         once built blocks x variables live sets of it.
#   wide  (only when SHAPES names it) N/8 values computed at the top of one
#         function, N/8 counted loops, then a sum of the values: every value
#         is live across every loop, so live sets of every variable at
#         every block are N/8 x N/8 (the shape that makes liveness
#         quadratic in a pass that builds them for every variable).
# Each program is profiled (`brisk run --profile-out`), then optimized with
# that profile. Prints, per shape and size, the program's instruction
# count, the wall time, CPU time and peak memory of `brisk opt`, the wall and
# CPU time of `brisk ssa` (the SSA dump) and `brisk dot`, and the growth ratio
# per 10x of program size of opt's CPU time and memory and of ssa's and dot's
# CPU time. Linear is 10x; the goal is at most about 12x, and under 10 s at
# one million. Times come from bench/cputime.py (wait4's resource usage, in
# milliseconds here), not GNU time, whose hundredths of a second made the
# ratios at 10k mean little. CPU time (user + system) is the figure to
# compare: wall time grows with whatever else runs on the machine.
# CPU time also grows when the data outgrows a cache, with the same work:
# bench/cache_scaling.py counts the work (instructions executed) and the
# cache misses per size, to tell the two apart.
#
# usage: bench/scaling.sh [BRISK]
#   BRISK  the driver to measure (default: build/tools/brisk; use a Release
#          or RelWithDebInfo build)
#   env SHAPES (default "many big"), SIZES (default "1000 10000 100000 1000000"),
#       SEED (default 1), TIMEOUT (default 600: seconds one command may take;
#       a command that takes longer is reported as ">TIMEOUT"),
#       FORMAT (output format of brisk opt: json, the default, or text),
#       OPT_FLAGS (extra flags for brisk opt), KEEP (a folder to keep the files in),
#       REPS (default 1: time brisk opt, ssa and dot this many times per
#       size and report the fastest wall and CPU time of each; on a shared
#       machine single runs swing)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
brisk="${1:-$here/../build/tools/brisk}"
sizes="${SIZES:-1000 10000 100000 1000000}"
seed="${SEED:-1}"
format="${FORMAT:-json}"
reps="${REPS:-1}"
[ -x "$brisk" ] || { echo "no brisk driver at $brisk" >&2; exit 1; }
cputime="$here/cputime.py"
if [ -n "${KEEP:-}" ]; then
  tmp="$KEEP"; mkdir -p "$tmp"
else
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
fi

shapes="${SHAPES:-many big}"
limit="${TIMEOUT:-600}"
# Runs a command REPS times (stdout discarded) and prints "WALL CPU KB": the
# fastest wall and CPU seconds and the largest peak memory, or ">LIMIT >LIMIT 0"
# when a run fails or takes longer than the limit.
measure() {
  local best_wall="" best_cpu="" kb=0 w c m r
  for ((r = 0; r < reps; r++)); do
    if ! python3 "$cputime" --timeout="$limit" --out="$tmp/time-cmd" -- "$@" > /dev/null 2>&1; then
      echo ">$limit >$limit 0"
      return
    fi
    read -r w c m < "$tmp/time-cmd"
    if [ -z "$best_wall" ] || awk -v a="$w" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then best_wall=$w; fi
    if [ -z "$best_cpu" ] || awk -v a="$c" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then best_cpu=$c; fi
    if [ "$m" -gt "$kb" ]; then kb=$m; fi
  done
  echo "$best_wall $best_cpu $kb"
}
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b !~ />/) printf "%.1f", b / a; else print "-" }'
}
printf '%-5s %-8s %9s %10s %7s %8s %8s %8s %7s %7s %7s %7s %7s %7s %7s %7s\n' \
  shape size instrs dyn_instrs gen_s opt_s cpu_s opt_MB ssa_s ssa_cpu dot_s dot_cpu opt_x mem_x ssa_x dot_x
for shape in $shapes; do
prev_t="" prev_m="" prev_ssa="" prev_dot=""
for n in $sizes; do
  prog="$tmp/$shape-$n.bril"
  t0=$(date +%s.%N)
  if [ "$shape" = big ]; then
    python3 "$here/big_function.py" "$n" > "$prog"
    args=7
  elif [ "$shape" = line ]; then
    awk -v n="$n" 'BEGIN { print "@main(n: int) {\n  x: int = const 1;"
                           for (i = 0; i < n; i++) print "  x: int = add x n;"
                           print "  print x;\n}" }' > "$prog"
    args=3
  elif [ "$shape" = loops ]; then
    awk -v n="$n" 'BEGIN { print "@main(n: int) {\n  s: int = const 0;\n  one: int = const 1;"
                           print "  two: int = const 2;"
                           for (k = 0; k < int(n / 6); k++) {
                             printf "  i%d: int = const 0;\n.h%d:\n  t%d: int = mul i%d two;\n", k, k, k, k
                             printf "  s: int = add s t%d;\n  i%d: int = add i%d one;\n", k, k, k
                             printf "  c%d: bool = lt i%d n;\n  br c%d .h%d .x%d;\n.x%d:\n", k, k, k, k, k, k
                           }
                           print "  print s;\n}" }' > "$prog"
    args=40
  elif [ "$shape" = calls ]; then
    awk -v n="$n" 'BEGIN { print "@bump(x: int): int {\n  x: int = add x x;\n  ret x;\n}"
                           print "@main(n: int) {\n  s: int = const 0;\n  one: int = const 1;"
                           print "  two: int = const 2;"
                           loops = int(n / 6); every = int(loops / 8); if (every < 1) every = 1
                           for (k = 0; k < loops; k++) {
                             printf "  i%d: int = const 0;\n.h%d:\n  t%d: int = mul i%d two;\n", k, k, k, k
                             if (k % every == 0)
                               printf "  r%d: int = call @bump t%d;\n  s: int = add s r%d;\n", k, k, k
                             else
                               printf "  s: int = add s t%d;\n", k
                             printf "  i%d: int = add i%d one;\n", k, k
                             printf "  c%d: bool = lt i%d n;\n  br c%d .h%d .x%d;\n.x%d:\n", k, k, k, k, k, k
                           }
                           print "  print s;\n}" }' > "$prog"
    args=40
  elif [ "$shape" = wide ]; then
    awk -v n="$n" 'BEGIN { print "@main(n: int) {\n  s: int = const 0;\n  one: int = const 1;"
                           m = int(n / 8)
                           for (k = 0; k < m; k++) printf "  v%d: int = add n s;\n  s: int = add s one;\n", k
                           for (k = 0; k < m; k++) {
                             printf "  i%d: int = const 0;\n.h%d:\n  s: int = add s i%d;\n", k, k, k
                             printf "  i%d: int = add i%d one;\n  c%d: bool = lt i%d n;\n", k, k, k, k
                             printf "  br c%d .h%d .x%d;\n.x%d:\n", k, k, k, k
                           }
                           for (k = 0; k < m; k++) printf "  s: int = add s v%d;\n", k
                           print "  print s;\n}" }' > "$prog"
    args=3
  elif [ "$shape" = tail ]; then
    awk -v n="$n" 'BEGIN { print "@main(n: int) {\n  r: int = call @walk n n;\n  print r;\n}"
                           print "@walk(n: int, k: int): int {\n  s: int = const 0;"
                           print "  one: int = const 1;\n  zero: int = const 0;"
                           for (j = 0; j < int(n / 6); j++) {
                             printf "  i%d: int = const 0;\n.h%d:\n  s: int = add s i%d;\n", j, j, j
                             printf "  i%d: int = add i%d one;\n  c%d: bool = lt i%d n;\n", j, j, j, j
                             printf "  br c%d .h%d .x%d;\n.x%d:\n", j, j, j, j
                           }
                           print "  k1: int = sub k one;\n  done: bool = le k1 zero;"
                           print "  br done .end .again;\n.again:\n  r: int = call @walk n k1;"
                           print "  ret r;\n.end:\n  ret s;\n}" }' > "$prog"
    args=3
  else
    "$brisk" gen --seed="$seed" --size="$n" --format=text -o "$prog" 2> /dev/null
    args="$("$brisk" gen --args --seed="$seed" --input=0)"
  fi
  t1=$(date +%s.%N)
  instrs=$(grep -c ';' "$prog" || true)
  # shellcheck disable=SC2086
  dyn=$("$brisk" run -p --profile-out="$tmp/prof-$n.json" $args < "$prog" 2>&1 > /dev/null |
        sed -n 's/^total_dyn_inst: //p')
  # shellcheck disable=SC2086
  read -r secs cpu kb <<< "$(measure "$brisk" opt --profile="$tmp/prof-$n.json" \
    --format="$format" ${OPT_FLAGS:-} -o "$tmp/opt-$n.$format" "$prog")"
  mb=$(awk -v k="$kb" 'BEGIN { printf "%.1f", k / 1024 }')
  gen_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  read -r ssa_s ssa_cpu _ <<< "$(measure "$brisk" ssa "$prog")"
  read -r dot_s dot_cpu _ <<< "$(measure "$brisk" dot "$prog")"
  tx="-" mx="-" sx="-" dx="-"
  if [ -n "$prev_t" ]; then
    tx=$(ratio "$prev_t" "$cpu") mx=$(ratio "$prev_m" "$kb")
    sx=$(ratio "$prev_ssa" "$ssa_cpu") dx=$(ratio "$prev_dot" "$dot_cpu")
  fi
  printf '%-5s %-8s %9s %10s %7s %8s %8s %8s %7s %7s %7s %7s %7s %7s %7s %7s\n' \
    "$shape" "$n" "$instrs" "$dyn" "$gen_s" "$secs" "$cpu" "$mb" "$ssa_s" "$ssa_cpu" \
    "$dot_s" "$dot_cpu" "$tx" "$mx" "$sx" "$dx"
  prev_t="$cpu" prev_m="$kb" prev_ssa="$ssa_cpu" prev_dot="$dot_cpu"
done
done
