#!/usr/bin/env bash
# Soak test of `bareflow run` with the code cache on the llama app (tests/runtime/code_cache_test.py):
# damaged caches (every run right, no damaged unit taken, each damage reported) and runs killed
# while they compile and write the cache (the next run right, `cache verify` clean), many more
# times than CTest runs them (200 and 20).
#   bench/cache/soak_run_cache.sh [BUILD_DIR=build] [DAMAGE_TRIALS=1000] [KILL_TRIALS=500] [SHARED=../shared]
set -u
build=${1:-build} damage=${2:-1000} kills=${3:-500} shared=${4:-../shared}
test_py="$(dirname "$0")/../../tests/runtime/code_cache_test.py"
args=("$build/bareflow" "$build/apps/llama.bc" "$shared" "$build/tests/runtime/programs")
start=$(date +%s)
rc=0
python3 "$test_py" "${args[@]}" damage "$damage" | grep -v '^ok' || true
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
python3 "$test_py" "${args[@]}" kill "$kills" | grep -v '^ok' || true
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
echo "soak_run_cache: $damage damaged caches, $kills killed runs: $([ "$rc" = 0 ] && echo clean || echo FAILED)" \
     "in $(( $(date +%s) - start )) s"
exit "$rc"
