#!/bin/sh
# Builds the seed corpus for brisk_fuzz_frontend in DIR (outside the repo:
# libFuzzer adds every new interesting input to it). Seeds: every golden test
# (text programs, and the malformed JSON inputs next to them) and, when the
# shared data folder exists, every Bril program there in both formats.
#
#   test/fuzz/make-corpus.sh DIR [SHARED_DIR]
#
# Files are named by content hash, so running it twice adds nothing new.
set -eu
if [ $# -lt 1 ]; then
  echo "usage: $0 CORPUS_DIR [SHARED_DIR]" >&2
  exit 1
fi
out=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
shared=${2:-$repo/../shared}
mkdir -p "$out"

add() {
  hash=$(sha1sum "$1" | cut -c1-40)
  cp "$1" "$out/$hash"
}

count=0
for f in $(find "$repo/test/golden" -name '*.bril' -o -name '*.json' | sort); do
  add "$f"
  count=$((count + 1))
done
if [ -d "$shared" ]; then
  for f in $(find "$shared" -name '*.bril' -o -name '*.json' | sort); do
    add "$f"
    count=$((count + 1))
  done
else
  echo "note: no shared data at $shared; seeding from the repo only" >&2
fi
echo "$count seed files -> $out ($(ls "$out" | wc -l) distinct)"
