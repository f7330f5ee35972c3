// The execution profile that tier 0 collects and the JIT tiers consume: per function call
// counts, inclusive/exclusive TSC time, and per branch edge counts keyed by basic-block index.
// A module's profile store (version 2) is the same data summed over runs, older runs aged away
// (merge.cpp). The JSON forms are documented in docs/profile-format.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace bf::profile {

struct Edge {
  uint32_t from = 0, to = 0;   // basic-block indices in function order
  uint32_t successor = 0;      // which successor of `from`'s terminator (for branch_weights)
  bool back_edge = false;      // `to` dominates `from`: a loop back-edge
  uint64_t count = 0;
};

struct FunctionProfile {
  std::string name;
  uint64_t calls = 0;
  uint64_t inclusive_tsc = 0, exclusive_tsc = 0;
  uint32_t blocks = 0;
  std::string tier;            // "interp" while the function runs in tier 0
  std::vector<Edge> edges;
  // Per JIT tier ("O1".."O3"): 1 when a run reached it (a compile failed at it), read from the
  // JIT's tier-up events; in a store, summed over runs and aged like the counters, but kept
  // as fractions so that one run's event fades gradually instead of vanishing at once.
  std::map<std::string, double> tier_ups, failures;
  // Store: the runs that counted this function, aged like its counts, so that count / weight
  // is its mean per counting run. A run that ran it only as compiled code (a warm run's code
  // from the code cache) counted nothing of it, and leaves its entry as it was.
  double weight = 0;
};

struct Profile {
  std::string module;          // the bitcode path of the (latest) run
  std::string module_hash;     // store: hex BLAKE3 of the bitcode bytes, which identifies it
  uint64_t runs = 0;           // store: runs merged in; 0 in one run's profile
  double run_weight = 0;       // store: the runs, aged like the counts
  double tsc_hz = 0;           // TSC ticks per second, measured over the run
  bool timed = false;          // whether times were collected (--profile)
  std::vector<FunctionProfile> functions;
};

// Top `n` functions by exclusive time (by calls when untimed), as a table.
std::string top_text(const Profile& p, size_t n);
// Version 1: one run's profile, what `bareflow run --profile-out` writes.
std::string to_json(const Profile& p);
// Version 2: a module's profile store (version 1 plus module_hash, runs, run_weight and each
// function's tier_ups and failures).
std::string store_to_json(const Profile& p);
// Parses version 1 or 2 (a version 1 file's JIT "tier_ups" events fill each function's tier_ups
// and failures); false with a one-line `error` otherwise, an unknown version included.
bool from_json(const std::string& text, Profile& p, std::string& error);

// Aging: merging a run first multiplies what the store holds by 2^(-1/half_life_runs), so a
// count that stops recurring halves every `half_life_runs` runs. Counters round down (and so
// reach 0); tier_ups/failures keep fractions and are dropped below kForgetBelow.
constexpr double kDefaultHalfLifeRuns = 4;
constexpr double kForgetBelow = 0.5;
// Ages `store` by one run (without counting one).
void age(Profile& store, double half_life_runs = kDefaultHalfLifeRuns);
// Adds `counts` to `store` function by function (by name) and edge by edge (by from/successor).
void add(Profile& store, const Profile& counts);
// Whether a run's profile counted this function: false when the run ran it only as compiled
// code before tier 0 ever translated it (no blocks, a JIT tier), which counts nothing.
bool counted(const FunctionProfile& in_run);
// A store function's count as a mean per run that counted it (0 before any did).
inline double per_run(uint64_t count, const FunctionProfile& f) { return f.weight > 0 ? double(count) / f.weight : 0; }
// Folds one run into a store: ages and adds each function the run counted (its weight gains
// the run), keeps the others as they were, and counts the run.
void merge(Profile& store, const Profile& run, double half_life_runs = kDefaultHalfLifeRuns);
// What `now` counted since `before`, an earlier snapshot of the same run (counts never go
// down; a negative difference is taken as 0).
Profile subtract(const Profile& now, const Profile& before);

}  // namespace bf::profile
