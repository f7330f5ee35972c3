// The execution profile that tier 0 collects and the JIT tiers consume: per function call
// counts, inclusive/exclusive TSC time, and per branch edge counts keyed by basic-block index.
// The JSON form is documented in docs/profile-format.md.
#pragma once

#include <cstdint>
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
};

struct Profile {
  std::string module;
  double tsc_hz = 0;           // TSC ticks per second, measured over the run
  bool timed = false;          // whether times were collected (--profile)
  std::vector<FunctionProfile> functions;
};

// Top `n` functions by exclusive time (by calls when untimed), as a table.
std::string top_text(const Profile& p, size_t n);
std::string to_json(const Profile& p);
// Parses what to_json wrote; false with `error` set otherwise.
bool from_json(const std::string& text, Profile& p, std::string& error);

}  // namespace bf::profile
