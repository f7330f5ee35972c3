// The knob table's names, help text and parsing (see params.h).
#include "jit/params.h"

#include <cerrno>
#include <cstdlib>

namespace bf::jit {

namespace {

struct Knob {
  const char* name;
  uint64_t Params::*field;
  bool shapes_code;
  const char* help;
};
constexpr Knob kKnobs[] = {
#define BF_JIT_PARAM_ROW(name, value, shapes, help) {#name, &Params::name, shapes != 0, help},
    BF_JIT_PARAMS(BF_JIT_PARAM_ROW)
#undef BF_JIT_PARAM_ROW
};

struct DebugKnob {
  const char* name;
  std::string Params::*field;
  const char* env;
  const char* help;
};
const DebugKnob kDebugKnobs[] = {
#define BF_JIT_DEBUG_ROW(name, env, help) {#name, &Params::name, env, help},
    BF_JIT_DEBUG_PARAMS(BF_JIT_DEBUG_ROW)
#undef BF_JIT_DEBUG_ROW
};

std::string row(const std::string& left, const char* help) {
  std::string line = left;
  line.resize(std::max<size_t>(line.size() + 1, 32), ' ');
  return line + help + "\n";
}

}  // namespace

Params Params::from_environment() {
  Params p;
  for (const DebugKnob& k : kDebugKnobs)
    if (const char* v = getenv(k.env)) p.*k.field = v;
  return p;
}

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
  for (const DebugKnob& k : kDebugKnobs) {
    if (name != k.name) continue;
    params.*k.field = value;
    return true;
  }
  error = "--jit-param: unknown parameter '" + name + "' (see bareflow run --jit-params)";
  return false;
}

std::string describe_params(const Params& params) {
  std::string out;
  for (const Knob& k : kKnobs) out += row(std::string(k.name) + " " + std::to_string(params.*k.field), k.help);
  out += "debug (also from the environment variable named):\n";
  for (const DebugKnob& k : kDebugKnobs) {
    const std::string& v = params.*k.field;
    out += row(std::string(k.name) + " " + (v.empty() ? "-" : v), (std::string(k.env) + ": " + k.help).c_str());
  }
  return out;
}

std::string code_shaping_params(const Params& params) {
  std::string out;
  for (const Knob& k : kKnobs)
    if (k.shapes_code) out += std::string(k.name) + "=" + std::to_string(params.*k.field) + "\n";
  return out;
}

}  // namespace bf::jit
