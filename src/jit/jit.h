// The JIT tiers of BareFlow (tiers 1-3): LLVM ORC LLJIT compiles functions of a running program
// at O1, O2 or O3 and swaps their slots in the interpreter's function table. `bareflow run`
// hands its JIT options here; everything else about tiering lives in src/jit.
#pragma once

#include <memory>
#include <string>

#include "jit/params.h"

namespace bf::vm {
class Program;
}

namespace bf::jit {

enum class TierMode { interp, automatic, O1, O2, O3 };

struct Options {
  TierMode mode = TierMode::automatic;
  Params params;
  bool tier_log = false;  // one line on stderr per tier-up
  bool perf_map = false;  // /tmp/perf-PID.map for perf
  bool gdb = false;       // register JIT'd code with GDB's JIT interface
  bool list_params = false;  // --jit-params: the caller prints describe_params(params)
};

// Parses the JIT options of `bareflow run` at argv[i] (--tier=, --jit-param NAME=VALUE,
// --jit-params, --tier-log, --perf-map, --jit-gdb), advancing i past a separate value.
enum class OptionParse { not_mine, taken, malformed /* `error` says why */ };
OptionParse parse_run_option(int argc, char** argv, int& i, Options& options, std::string& error);
// One line per option above, for the run command's usage.
const char* run_options_help();

// The tiers attached to one loaded program.
class Tiering {
 public:
  virtual ~Tiering() = default;
  // Stops the background compiler (waits for a compile in progress). Idempotent.
  virtual void stop() = 0;
  // The profile JSON with the tier-ups added ("tier_ups": time, function, from, to, compile
  // ms, bytes) and each function's current tier.
  virtual std::string add_to_profile(const std::string& profile_json) const = 0;
};

// Attaches the JIT to `program` before main runs. O1-O3 compile every function now; auto
// starts the background compiler and sets the program's shutdown hook to stop it. Returns
// null with `error` ("FILE: problem") on failure; interp returns null with an empty error.
std::unique_ptr<Tiering> start(vm::Program& program, const Options& options, std::string& error);

}  // namespace bf::jit
