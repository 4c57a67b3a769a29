#!/usr/bin/env bash
# Interpreter speed: runs `brisk run` over the long-running shared benchmarks
# (reference count of at least MIN_INSNS dynamic instructions) and prints, per
# program, the dynamic instruction count, the best wall time of REPS runs
# (start-up and parsing included) and the speed in millions of dynamic
# instructions per second, plain and with --profile-out, and their ratio.
#
# usage: bench/interp_speed.sh [BRISK] [SHARED_DIR]
#   BRISK       the driver to measure (default: build/tools/brisk; use a
#               Release build)
#   SHARED_DIR  the shared data (default: ../shared beside the repo)
#   env REPS (default 5), MIN_INSNS (default 1000000), ONLY (name filter)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
brisk="${1:-$here/../build/tools/brisk}"
shared="${2:-$here/../../shared}"
reps="${REPS:-5}"
min="${MIN_INSNS:-1000000}"
only="${ONLY:-}"
manifest="$shared/bench/manifest.tsv"
[ -x "$brisk" ] || { echo "no brisk driver at $brisk" >&2; exit 1; }
[ -f "$manifest" ] || { echo "no benchmark manifest at $manifest" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# best_time CMD...: the smallest wall time, in seconds, of $reps runs.
best_time() {
  local best=""
  for ((i = 0; i < reps; i++)); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" > /dev/null 2> "$tmp/err" || { echo "failed: $*" >&2; cat "$tmp/err" >&2; exit 1; }
    t1=$(date +%s%N)
    local t=$((t1 - t0))
    if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
  done
  awk -v ns="$best" 'BEGIN { printf "%.4f", ns / 1e9 }'
}

printf "%-28s %12s %9s %10s %9s %10s %7s\n" program dyn_inst plain_s "M_inst/s" prof_s "M_inst/s" ratio
# Tabs are white space to `read`, which would merge an empty args column.
while IFS=$'\037' read -r cat name args ref _; do
  [ "$cat" = category ] && continue
  [ "$ref" -ge "$min" ] || continue
  [ -z "$only" ] || [[ "$cat/$name" == *"$only"* ]] || continue
  prog="$shared/bench/$cat/$name.json"
  # shellcheck disable=SC2086
  "$brisk" run -p $args < "$prog" > /dev/null 2> "$tmp/count"
  dyn=$(sed -n 's/^total_dyn_inst: //p' "$tmp/count")
  [ "$dyn" = "$ref" ] || echo "warning: $cat/$name counted $dyn, reference $ref" >&2
  # shellcheck disable=SC2086
  plain=$(best_time "$brisk" run --program="$prog" $args)
  # shellcheck disable=SC2086
  prof=$(best_time "$brisk" run --program="$prog" --profile-out="$tmp/profile.json" $args)
  awk -v p="$cat/$name" -v d="$dyn" -v a="$plain" -v b="$prof" 'BEGIN {
    printf "%-28s %12d %9.4f %10.1f %9.4f %10.1f %7.2f\n", p, d, a, d / a / 1e6, b, d / b / 1e6, b / a }'
done < <(tr '\t' '\037' < "$manifest")
