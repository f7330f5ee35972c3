#!/usr/bin/env bash
# Soak test of the code cache's integrity: the damage trials (flipped bits in every kind of
# entry) and the kill trials (writers SIGKILLed at random moments, then everything read back
# checked complete) of tests/cache, many more times than CTest runs them. Too long for CTest;
# run it after changes to src/cache.
#   bench/cache/soak_cache.sh [BUILD_DIR=build] [DAMAGE_TRIALS=1200] [KILL_TRIALS=500]
set -u
build=${1:-build} damage=${2:-1200} kills=${3:-500}
test_bin="$build/tests/cache/cache_test"
[ -x "$test_bin" ] || { echo "soak_cache: $test_bin not built (ninja -C $build cache_test)" >&2; exit 2; }
start=$(date +%s)
BF_CACHE_DAMAGE_TRIALS=$damage BF_CACHE_KILL_TRIALS=$kills "$test_bin" \
  --gtest_filter='CacheDamage.FlippedBitsAreMisses:CacheProcesses.KilledWritersLeaveOnlyCompleteEntries' \
  --gtest_brief=1 2>&1 | grep -v '^$'
rc=${PIPESTATUS[0]}
echo "soak_cache: $damage damage trials, $kills kill trials: $([ "$rc" = 0 ] && echo clean || echo FAILED)" \
     "in $(( $(date +%s) - start )) s"
exit "$rc"
