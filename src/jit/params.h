// Every tiering knob in one table, each overridable with `--jit-param NAME=VALUE`.
#pragma once

#include <cstdint>
#include <string>

namespace bf::jit {

struct Params {
  // Hotness of a function = calls + back_edge_weight * loop back-edges taken (tier-0 counters).
  uint64_t tier1_hotness = 1000;     // interp -> O1
  uint64_t tier2_hotness = 50000;    // O1 -> O2 with the profile
  uint64_t tier3_hotness = 500000;   // O2 -> O3 with the profile
  uint64_t back_edge_weight = 1;
  uint64_t max_tier = 3;             // highest tier `auto` goes to
  uint64_t poll_us = 500;            // how often the compiler thread reads the counters
  uint64_t pgo = 1;                  // attach !prof to tiers 2-3
  uint64_t inline_callee_calls = 100; // tiers 2-3 copy callees called this often, for inlining
  uint64_t inline_max_callees = 24;  // at most this many callee copies per compile
  uint64_t lookahead_ms = 500;       // tier by the hotness a function will have this much later
  uint64_t compile_batch = 4;        // most functions compiled together in one unit
  uint64_t osr = 1;                  // on-stack replacement of loops still interpreted
  uint64_t osr_delay_us = 50000;     // ... once they keep iterating this long after a tier-up
  uint64_t osr_wait = 0;             // tests: a loop waits at its probe for its OSR entry
};

// Sets NAME=VALUE; false with `error` set for an unknown name or a bad value.
bool set_param(Params& params, const std::string& assignment, std::string& error);
// The table as text: NAME VALUE  description, one per line.
std::string describe_params(const Params& params);

}  // namespace bf::jit
