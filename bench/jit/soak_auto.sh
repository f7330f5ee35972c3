#!/usr/bin/env bash
# Soak test of `--tier=auto`: runs the llama app N times with 2 threads, every other run with
# tier thresholds drawn at random, each under a time limit, and counts wrong outputs and hangs
# against the native build. Too long for CTest; run it after changes to the tiers.
#   bench/jit/soak_auto.sh BUILD_DIR MODEL TOKENIZER [RUNS=40] [TOKENS=200]
set -u
build=$1 model=$2 tokenizer=$3 runs=${4:-40} tokens=${5:-200}
args=(-m "$model" -z "$tokenizer" -p "Once upon a time" -n "$tokens" --temp 0 -t 2)
want=$("$build/apps/llama" "${args[@]}" 2>/dev/null | md5sum)
hangs=0 wrong=0
for i in $(seq 1 "$runs"); do
  opts=()
  if [ $((i % 2)) = 1 ]; then
    t1=$((RANDOM % 2000 + 1)); t2=$((t1 + RANDOM % 50000)); t3=$((t2 + RANDOM * 10))
    opts=(--jit-param tier1_hotness=$t1 --jit-param tier2_hotness=$t2 --jit-param tier3_hotness=$t3
          --jit-param poll_us=$((RANDOM % 1000 + 50)) --jit-param osr_delay_us=$((RANDOM % 5000)))
  fi
  got=$(timeout 120 "$build/bareflow" run --no-cache --tier=auto "${opts[@]}" "$build/apps/llama.bc" -- "${args[@]}" 2>/dev/null | md5sum)
  rc=${PIPESTATUS[0]}
  status=ok
  if [ "$rc" = 124 ]; then status=HANG; hangs=$((hangs + 1));
  elif [ "$got" != "$want" ]; then status=WRONG; wrong=$((wrong + 1)); fi
  echo "run $i: $status ${opts[*]}"
done
echo "soak: $runs runs, $hangs hangs, $wrong wrong outputs"
[ $hangs = 0 ] && [ $wrong = 0 ]
