// The knob table: names, help, parsing of --jit-param.
#include "jit/params.h"

#include <cerrno>
#include <cstdlib>
#include <iterator>

namespace bf::jit {

namespace {

struct Knob {
  const char* name;
  uint64_t Params::*field;
  const char* help;
};

constexpr Knob kKnobs[] = {
    {"tier1_hotness", &Params::tier1_hotness, "hotness that moves a function from interp to O1"},
    {"tier2_hotness", &Params::tier2_hotness, "hotness that moves a function to O2 (profile-guided)"},
    {"tier3_hotness", &Params::tier3_hotness, "hotness that moves a function to O3 (profile-guided)"},
    {"back_edge_weight", &Params::back_edge_weight, "weight of a loop back-edge in the hotness"},
    {"max_tier", &Params::max_tier, "highest tier auto goes to (0-3)"},
    {"poll_us", &Params::poll_us, "microseconds between two reads of the counters"},
    {"pgo", &Params::pgo, "1: attach the profile as !prof to tiers 2-3"},
    {"inline_callee_calls", &Params::inline_callee_calls, "calls that make a callee a candidate for inlining at tiers 2-3"},
    {"inline_max_callees", &Params::inline_max_callees, "most callees copied into one compile"},
    {"lookahead_ms", &Params::lookahead_ms, "tier by the hotness a function will reach this much later at its current rate"},
    {"compile_batch", &Params::compile_batch, "most functions that go up together, in one compile"},
    {"osr", &Params::osr, "1: move loops that keep running interpreted after a tier-up onto compiled code"},
    {"osr_wait", &Params::osr_wait, "tests: interpreted loops wait at their probe for their OSR entry (implies no delay)"},
    {"osr_delay_us", &Params::osr_delay_us, "microseconds such a loop must keep iterating before it gets an OSR entry"},
};

}  // namespace

bool set_param(Params& params, const std::string& assignment, std::string& error) {
  size_t eq = assignment.find('=');
  if (eq == std::string::npos) {
    error = "--jit-param '" + assignment + "': expected NAME=VALUE";
    return false;
  }
  std::string name = assignment.substr(0, eq), value = assignment.substr(eq + 1);
  for (const Knob& k : kKnobs) {
    if (name != k.name) continue;
    errno = 0;
    char* end = nullptr;
    unsigned long long v = strtoull(value.c_str(), &end, 10);
    if (value.empty() || *end || errno || value[0] == '-') {
      error = "--jit-param " + name + ": '" + value + "' is not a non-negative integer";
      return false;
    }
    params.*k.field = v;
    return true;
  }
  error = "--jit-param: unknown parameter '" + name + "' (see bareflow run --jit-params)";
  return false;
}

std::string describe_params(const Params& params) {
  std::string out;
  for (const Knob& k : kKnobs) {
    std::string line = std::string(k.name) + " " + std::to_string(params.*k.field);
    line.resize(std::max<size_t>(line.size() + 1, 32), ' ');
    out += line + k.help + "\n";
  }
  return out;
}

}  // namespace bf::jit
