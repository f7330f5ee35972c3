#!/usr/bin/env bash
# BareFlow's engine against llama.cpp, token generation on the same GGUF files, interleaved.
#
#   bench/llm/llamacpp_compare.sh LLAMACPP_BUILD_DIR [--build BUILD_DIR] [--shape SHAPE]
#       [--types "Q4_0 Q4_K Q8_0 ..."] [--tokens N] [--reps N] [--threads "1 2"] [--tokenizer PATH]
#       [--models DIR]
#
# llama.cpp is not part of the project: build it elsewhere (docs/kernels.md says how) and give
# its build directory, the one holding bin/llama-bench. The models are BareFlow's: a checkpoint of
# random weights in a real shape (`bareflow synth`, default tinyllama-1.1b), written as GGUF of
# each type by `bareflow quantize --type` with the vocabulary of --tokenizer (default
# ../shared/models/tokenizer.bin beside the checkout), into --models DIR (default
# BUILD_DIR/bench-models; engine_bench.sh writes the same files there).
#
# Each round runs, for every type and thread count, llama-bench (tg N: `-p 0 -n N -r 1`,
# OMP_WAIT_POLICY=passive, whose spinning barriers otherwise lose a shared core) and then
# llm_engine_bench (positions 0..N-1 after a warm-up pass, as tg) on the same file, so that the
# two engines share the same minutes. Both figures are tokens over total time. The table gives
# each engine's median over the rounds and the ratio; the load average is printed per round.
set -euo pipefail
llamacpp=""
build=build
shape=tinyllama-1.1b
types="Q4_0 Q4_1 Q5_0 Q5_1 Q4_K Q5_K Q6_K Q8_0 F32"
tokens=64
reps=3
threads="1"
models=""
tokenizer="$(cd "$(dirname "$0")/../.." && pwd)/../shared/models/tokenizer.bin"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift ;;
    --shape) shape="$2"; shift ;;
    --types) types="$2"; shift ;;
    --tokens) tokens="$2"; shift ;;
    --reps) reps="$2"; shift ;;
    --threads) threads="$2"; shift ;;
    --tokenizer) tokenizer="$2"; shift ;;
    --models) models="$2"; shift ;;
    -*) echo "bareflow: llamacpp_compare.sh: unknown option $1" >&2; exit 2 ;;
    *) llamacpp="$1" ;;
  esac
  shift
done

if [[ -z $llamacpp ]]; then
  echo "bareflow: llamacpp_compare.sh: no llama.cpp build directory given (the one with bin/llama-bench)" >&2
  exit 2
fi
bench="$llamacpp/bin/llama-bench"
[[ -x $bench ]] || { echo "bareflow: llamacpp_compare.sh: $bench: not found or not executable (build llama.cpp's llama-bench there)" >&2; exit 2; }
bareflow="$build/bareflow"
engine="$build/bench/llm/llm_engine_bench"
for exe in "$bareflow" "$engine"; do
  [[ -x $exe ]] || { echo "bareflow: llamacpp_compare.sh: $exe: not built (ninja -C $build bareflow llm_engine_bench)" >&2; exit 1; }
done
[[ -s $tokenizer ]] || { echo "bareflow: llamacpp_compare.sh: $tokenizer: no tokenizer (--tokenizer PATH)" >&2; exit 1; }
models=${models:-$build/bench-models}
mkdir -p "$models"

model_path() {  # type -> path of the GGUF file, made on first use
  local type=$1 fp32="$models/$shape.bin" path="$models/$shape.$1.gguf"
  if [[ ! -s $fp32 ]]; then
    "$bareflow" synth --shape "$shape" "$fp32.tmp" >&2 && mv "$fp32.tmp" "$fp32"
  fi
  # A file of the same name without a vocabulary (engine_bench.sh's when ../shared was missing)
  # is made again: llama.cpp needs one (GGUF keeps its metadata at the front).
  if [[ ! -s $path ]] || ! grep -aq tokenizer.ggml.tokens < <(head -c 8000000 "$path"); then
    "$bareflow" quantize "$fp32" "$path.tmp" --type "$type" -z "$tokenizer" >&2 && mv "$path.tmp" "$path"
  fi
  echo "$path"
}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
median() { sort -g | awk 'NF { v[n++] = $1 } END { if (n) printf "%.2f", (n % 2) ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2 }'; }

# llama-bench's tokens per second of one tg run (its JSON: "avg_ts").
llamacpp_tps() {  # path threads
  OMP_WAIT_POLICY=passive "$bench" -m "$1" -t "$2" -p 0 -n "$tokens" -r 1 -o json 2>/dev/null |
    sed -n 's/.*"avg_ts": *\([0-9.e+-]*\).*/\1/p' | head -1
}

log="$models/llamacpp_compare.log"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $shape, tg$tokens, median of $reps interleaved rounds; llama.cpp: $bench"
declare -A got=()
for ((r = 0; r < reps; r++)); do
  echo "# round $((r + 1)): load average $(cut -d' ' -f1-3 /proc/loadavg)"
  for type in $types; do
    path=$(model_path "$type")
    for t in $threads; do
      l=$(llamacpp_tps "$path" "$t") || l=""
      [[ -n $l ]] || { echo "bareflow: llamacpp_compare.sh: llama-bench gave no figure for $path" >&2; exit 1; }
      line=$("$engine" "$path" --threads "$t" --tokens "$tokens") ||
        { echo "bareflow: llamacpp_compare.sh: llm_engine_bench failed on $path" >&2; exit 1; }
      echo "$type t=$t llama.cpp=$l $line" >> "$log"
      got[$type/$t/l]+="$l "
      got[$type/$t/b]+="$(echo "$line" | field tok_per_s) "
      got[$type/$t/k]=$(echo "$line" | field kernels)
    done
  done
done
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %3s %-7s | %10s %10s | %s\n' type thr kernels "llama.cpp" BareFlow "BareFlow/llama.cpp"
for type in $types; do
  for t in $threads; do
    l=$(echo "${got[$type/$t/l]}" | tr ' ' '\n' | median)
    b=$(echo "${got[$type/$t/b]}" | tr ' ' '\n' | median)
    printf '%-6s %3s %-7s | %10s %10s | %s\n' "$type" "$t" "${got[$type/$t/k]}" "$l" "$b" \
      "$(awk -v a="$b" -v c="$l" 'BEGIN { printf "%.2f", (c > 0 ? a / c : 0) }')"
  done
done
