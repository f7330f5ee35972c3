#!/usr/bin/env bash
# The tokenizer on a long prompt, this tree's against an older commit's (default: before the heap
# merge, the parent of "llm/tokenizer: merge pairs from a heap"): llm_tokenizer_time.cpp built
# against each src/llm with the same compiler and flags, then run one after the other. The older
# src/llm is taken with `git archive` into a temporary directory, removed at the end.
#
#   bench/llm/tokenizer_before_after.sh [--rev REV] [--reps N] [--old-reps N] [SHARED_DIR]
#
# SHARED_DIR (default ../shared beside the checkout) holds models/tok512.bin and tokenizer.bin.
# The O(n^2) loop takes tens of seconds on 27 KB: --old-reps defaults to 1.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
shared="$repo/../shared"
rev=""
reps=5
old_reps=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rev) rev="$2"; shift ;;
    --reps) reps="$2"; shift ;;
    --old-reps) old_reps="$2"; shift ;;
    -*) echo "bareflow: tokenizer_before_after.sh: unknown option $1" >&2; exit 2 ;;
    *) shared="$1" ;;
  esac
  shift
done
if [[ -z $rev ]]; then
  heap=$(git -C "$repo" log --format=%H --grep='^llm/tokenizer: merge pairs from a heap' | tail -1)
  [[ -n $heap ]] || { echo "bareflow: tokenizer_before_after.sh: the heap merge's commit is not in this history (--rev REV)" >&2; exit 1; }
  rev="$heap^"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/bareflow-tokenizer-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/old"
git -C "$repo" archive "$rev" src/llm | tar -x -C "$work/old"

build() {  # SRC_ROOT OUT
  clang++-19 -std=c++20 -O3 -DNDEBUG -fno-exceptions -fno-rtti -I"$1/src" -I"$repo/bench/llm" \
    "$repo/bench/llm/tokenizer_time.cpp" "$1/src/llm/tokenizer.cpp" "$1/src/llm/mapped_file.cpp" -o "$2"
}
build "$work/old" "$work/before"
build "$repo" "$work/after"

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), before: $(git -C "$repo" rev-parse --short "$rev"), after: this tree;" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$work/before" "$shared" "$old_reps" | sed 's/^/before /'
"$work/after" "$shared" "$reps" | sed 's/^/after  /'
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
