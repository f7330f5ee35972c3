// Every tiering knob in one table, each overridable with `--jit-param NAME=VALUE` and listed by
// `bareflow run --jit-params`. The debug section holds switches that are read from the
// environment too (BAREFLOW_JIT_*), so that a test or a bench can set them without touching
// the command line.
#pragma once

#include <cstdint>
#include <string>

namespace bf::jit {

// X(name, default, shapes_code, meaning). shapes_code: 1 when the knob changes the code that a
// compile produces (not only when or what is compiled): the code cache's key covers those.
// Hotness of a function = calls + back_edge_weight * loop back-edges taken (tier-0 counters).
#define BF_JIT_PARAMS(X)                                                                          \
  X(tier1_hotness, 1000, 0, "hotness that moves a function from interp to O1")                    \
  X(tier2_hotness, 50000, 0, "hotness that moves a function to O2 (profile-guided)")              \
  X(tier3_hotness, 500000, 0, "hotness that moves a function to O3 (profile-guided)")             \
  X(back_edge_weight, 1, 0, "weight of a loop back-edge in the hotness")                          \
  X(max_tier, 3, 1, "highest tier auto goes to (0-3)")                                            \
  X(poll_us, 500, 0, "microseconds between two reads of the counters")                            \
  X(pgo, 1, 1, "1: attach the profile as !prof to tiers 2-3")                                     \
  X(inline_callee_calls, 100, 1, "calls that make a callee a candidate for inlining at tiers 2-3") \
  X(inline_max_callees, 24, 1, "most callees copied into one compile")                            \
  X(lookahead_ms, 500, 0, "tier by the hotness a function will reach this much later at its current rate") \
  X(small_function, 64, 0, "tier-0 instructions up to which a function goes straight to max_tier at its first tier-up") \
  X(compile_batch, 4, 0, "most functions that go up together, in one compile")                    \
  X(compile_share, 50, 0, "CPU time of the compiler thread, at most this percent of the program's own") \
  X(compile_allowance_ms, 300, 0, "CPU milliseconds of compiles allowed before compile_share applies") \
  X(plan, 1, 0, "1: compile what earlier runs found hot at start, before it runs (the code cache's profile store)") \
  X(plan_tier, 3, 0, "tier at which what earlier runs found hot is compiled at start (0: each at the tier it reached)") \
  X(plan_batch, 64, 0, "most functions compiled together at start, in one compile")              \
  X(osr, 1, 0, "1: move loops that keep running interpreted after a tier-up onto compiled code")  \
  X(osr_delay_us, 50000, 0, "microseconds such a loop must keep iterating before it gets an OSR entry") \
  X(osr_wait, 0, 0, "tests: interpreted loops wait at their probe for their OSR entry (implies no delay)")

// X(name, environment variable, meaning): text-valued, empty when off.
#define BF_JIT_DEBUG_PARAMS(X)                                                                    \
  X(trace, "BAREFLOW_JIT_TRACE", "non-empty: print the candidates of every poll and each compile's phase times") \
  X(dump, "BAREFLOW_JIT_DUMP", "DIR: keep each compile's optimized IR there")                     \
  X(fail, "BAREFLOW_JIT_FAIL", "NAME@TIER: compiles of function NAME at tier TIER fail (tests of the failure path)")

struct Params {
#define BF_JIT_PARAM_FIELD(name, value, shapes, help) uint64_t name = value;
  BF_JIT_PARAMS(BF_JIT_PARAM_FIELD)
#undef BF_JIT_PARAM_FIELD
#define BF_JIT_DEBUG_FIELD(name, env, help) std::string name;
  BF_JIT_DEBUG_PARAMS(BF_JIT_DEBUG_FIELD)
#undef BF_JIT_DEBUG_FIELD

  // The defaults, with the debug section taken from the environment.
  static Params from_environment();
};

// Sets NAME=VALUE; false with `error` set for an unknown name or a bad value.
bool set_param(Params& params, const std::string& assignment, std::string& error);
// The table as text: NAME VALUE  meaning, one per line, then the debug section.
std::string describe_params(const Params& params);
// The knobs that shape compiled code, as NAME=VALUE lines: part of a cached unit's key.
std::string code_shaping_params(const Params& params);

}  // namespace bf::jit
