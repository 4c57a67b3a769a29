#!/usr/bin/env bash
# Compile-time scaling of `brisk opt`, `brisk ssa` and `brisk dot` on two
# shapes of program of 1 thousand to 1 million instructions:
#   many  generated programs spread over many small functions
#         (`brisk gen --size=N`), profiled on one argument vector;
#   big   one function: bench/big_function.py, @main made of copies of a
#         Collatz loop with long straight-line stretches, profiled on n=7.
# Each program is profiled (`brisk run --profile-out`), then optimized with
# that profile. Prints, per shape and size, the program's instruction
# count, the wall time, CPU time and peak memory of `brisk opt` (GNU time),
# the wall and CPU time of `brisk ssa` (the SSA dump) and `brisk dot`, and the
# growth ratio per 10x of program size of opt's wall time and memory and of
# ssa's and dot's CPU time. Linear is 10x; the
# goal is at most about 12x, and under 10 s at one million.
#
# usage: bench/scaling.sh [BRISK]
#   BRISK  the driver to measure (default: build/tools/brisk; use a Release
#          or RelWithDebInfo build)
#   env SHAPES (default "many big"), SIZES (default "1000 10000 100000 1000000"),
#       SEED (default 1), TIMEOUT (default 600: seconds one command may take;
#       a command that takes longer is reported as ">TIMEOUT"),
#       FORMAT (output format of brisk opt: json, the default, or text),
#       OPT_FLAGS (extra flags for brisk opt), KEEP (a folder to keep the files in),
#       REPS (default 1: time brisk opt this many times per size and report
#       the fastest wall and CPU time; on a shared machine single runs swing)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
brisk="${1:-$here/../build/tools/brisk}"
sizes="${SIZES:-1000 10000 100000 1000000}"
seed="${SEED:-1}"
format="${FORMAT:-json}"
reps="${REPS:-1}"
[ -x "$brisk" ] || { echo "no brisk driver at $brisk" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is needed" >&2; exit 1; }
if [ -n "${KEEP:-}" ]; then
  tmp="$KEEP"; mkdir -p "$tmp"
else
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
fi

shapes="${SHAPES:-many big}"
limit="${TIMEOUT:-600}"
# "WALL CPU" seconds of one command (stdout discarded), or ">LIMIT -". CPU
# (user + system) is the figure to compare on a shared machine, where wall
# time grows with the other jobs.
wall() {
  if ! timeout "$limit" /usr/bin/time -f "%e %U %S" -o "$tmp/time-cmd" "$@" > /dev/null 2>&1; then
    echo ">$limit -"
    return
  fi
  awk '{ printf "%.2f %.2f", $1, $2 + $3 }' "$tmp/time-cmd"
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
  else
    "$brisk" gen --seed="$seed" --size="$n" --format=text -o "$prog" 2> /dev/null
    args="$("$brisk" gen --args --seed="$seed" --input=0)"
  fi
  t1=$(date +%s.%N)
  instrs=$(grep -c ';' "$prog" || true)
  # shellcheck disable=SC2086
  dyn=$("$brisk" run -p --profile-out="$tmp/prof-$n.json" $args < "$prog" 2>&1 > /dev/null |
        sed -n 's/^total_dyn_inst: //p')
  secs="" cpu="" kb=0
  for ((r = 0; r < reps; r++)); do
    # shellcheck disable=SC2086
    if ! timeout "$limit" /usr/bin/time -f "%e %M %U %S" -o "$tmp/time-$n" \
      "$brisk" opt --profile="$tmp/prof-$n.json" --format="$format" ${OPT_FLAGS:-} \
      -o "$tmp/opt-$n.$format" "$prog"; then
      echo ">$limit 0 $limit 0" > "$tmp/time-$n"
    fi
    read -r s_ kb_ user sys < "$tmp/time-$n"
    c_=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    if [ -z "$secs" ] || awk -v a="$s_" -v b="$secs" 'BEGIN { exit !(a < b) }'; then secs=$s_; fi
    if [ -z "$cpu" ] || awk -v a="$c_" -v b="$cpu" 'BEGIN { exit !(a < b) }'; then cpu=$c_; fi
    if [ "$kb_" -gt "$kb" ]; then kb=$kb_; fi
  done
  mb=$(awk -v k="$kb" 'BEGIN { printf "%.1f", k / 1024 }')
  gen_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  read -r ssa_s ssa_cpu <<< "$(wall "$brisk" ssa "$prog")"
  read -r dot_s dot_cpu <<< "$(wall "$brisk" dot "$prog")"
  tx="-" mx="-" sx="-" dx="-"
  if [ -n "$prev_t" ]; then
    tx=$(ratio "$prev_t" "$secs") mx=$(ratio "$prev_m" "$kb")
    sx=$(ratio "$prev_ssa" "$ssa_cpu") dx=$(ratio "$prev_dot" "$dot_cpu")
  fi
  printf '%-5s %-8s %9s %10s %7s %8s %8s %8s %7s %7s %7s %7s %7s %7s %7s %7s\n' \
    "$shape" "$n" "$instrs" "$dyn" "$gen_s" "$secs" "$cpu" "$mb" "$ssa_s" "$ssa_cpu" \
    "$dot_s" "$dot_cpu" "$tx" "$mx" "$sx" "$dx"
  prev_t="$secs" prev_m="$kb" prev_ssa="$ssa_cpu" prev_dot="$dot_cpu"
done
done
