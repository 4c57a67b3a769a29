#!/usr/bin/env bash
# Compile-time scaling of `brisk opt`: generated programs of 1 thousand, 10
# thousand, 100 thousand and 1 million instructions (`brisk gen --size=N`),
# each profiled on one argument vector (`brisk run --profile-out`), then
# optimized with that profile. Prints, per size, the program's instruction
# count, the wall time and peak memory of `brisk opt` (GNU time), and the
# growth ratio of time and memory per 10x of program size. Linear is 10x;
# the goal is at most about 12x, and under 10 s at one million.
#
# usage: bench/scaling.sh [BRISK]
#   BRISK  the driver to measure (default: build/tools/brisk; use a Release
#          or RelWithDebInfo build)
#   env SIZES (default "1000 10000 100000 1000000"), SEED (default 1),
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

args="$("$brisk" gen --args --seed="$seed" --input=0)"
printf '%-10s %10s %10s %8s %8s %8s %12s %8s %8s %8s\n' \
  size instrs dyn_instrs gen_s opt_s cpu_s opt_peak_MB time_x cpu_x mem_x
prev_t="" prev_m=""
for n in $sizes; do
  prog="$tmp/gen-$n.bril"
  t0=$(date +%s.%N)
  "$brisk" gen --seed="$seed" --size="$n" --format=text -o "$prog" 2> /dev/null
  t1=$(date +%s.%N)
  instrs=$(grep -c ';' "$prog" || true)
  # shellcheck disable=SC2086
  dyn=$("$brisk" run -p --profile-out="$tmp/prof-$n.json" $args < "$prog" 2>&1 > /dev/null |
        sed -n 's/^total_dyn_inst: //p')
  secs="" cpu="" kb=0
  for ((r = 0; r < reps; r++)); do
    # shellcheck disable=SC2086
    /usr/bin/time -f "%e %M %U %S" -o "$tmp/time-$n" \
      "$brisk" opt --profile="$tmp/prof-$n.json" --format="$format" ${OPT_FLAGS:-} \
      -o "$tmp/opt-$n.$format" "$prog"
    read -r s_ kb_ user sys < "$tmp/time-$n"
    c_=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    if [ -z "$secs" ] || awk -v a="$s_" -v b="$secs" 'BEGIN { exit !(a < b) }'; then secs=$s_; fi
    if [ -z "$cpu" ] || awk -v a="$c_" -v b="$cpu" 'BEGIN { exit !(a < b) }'; then cpu=$c_; fi
    if [ "$kb_" -gt "$kb" ]; then kb=$kb_; fi
  done
  mb=$(awk -v k="$kb" 'BEGIN { printf "%.1f", k / 1024 }')
  gen_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  tx="-" cx="-" mx="-"
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.1f", b / a; else print "-" }'; }
  if [ -n "$prev_t" ]; then
    tx=$(ratio "$prev_t" "$secs") cx=$(ratio "$prev_c" "$cpu") mx=$(ratio "$prev_m" "$kb")
  fi
  printf '%-10s %10s %10s %8s %8s %8s %12s %8s %8s %8s\n' \
    "$n" "$instrs" "$dyn" "$gen_s" "$secs" "$cpu" "$mb" "$tx" "$cx" "$mx"
  prev_t="$secs" prev_c="$cpu" prev_m="$kb"
done
