// The JIT tiers of BareFlow (tiers 1-3): LLVM ORC LLJIT compiles functions of a running program
// at O1, O2 or O3 and swaps their slots in the interpreter's function table. `bareflow run`
// hands its JIT options here; everything else about tiering lives in src/jit.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "jit/params.h"
#include "jit/unit_cache.h"

namespace bf::vm {
class Program;
}
namespace bf::profile {
struct Profile;
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
// A unit of compiled code: its key, its tier and the functions (roots) it serves.
struct Unit {
  UnitKey key;
  int tier = 0;
  std::vector<uint32_t> roots;  // function indices
};

// What earlier runs of the program left (the code cache, composed by the run command).
struct History {
  UnitCache* cache = nullptr;  // compiles ask it first and give it what they compile
  // A later run starts from what this one compiles (a writable cache): a compile that only a
  // later run can use (a function called once, whose running loop has its OSR entry) is worth it.
  bool keeps_units = false;
  // Units that earlier runs had in use, with their objects: linked and installed before main,
  // in this order, so that those functions never run interpreted.
  std::vector<std::pair<Unit, std::string>> units;
  // The module's profile store, read on the compiler thread (main need not wait for it):
  // functions that earlier runs found hot are compiled at start, and tiers 2-3 attach its
  // accumulated counts with this run's as !prof. Null or returning null: none.
  std::function<const profile::Profile*()> profile;
  // A line for the tier log about the cache (loads, misses), or null.
  std::function<void(const std::string&)> log;
};

class Tiering {
 public:
  virtual ~Tiering() = default;
  // Stops the background compiler (waits for a compile in progress). Idempotent.
  virtual void stop() = 0;
  // Stops as stop() does, after finishing on the compiler thread what this run found worth
  // compiling (`bareflow run --finish-compiles`): the compile in flight, then what the next
  // run's plan would compile at start, planned from `store` (the profile store with this run in
  // it; null: nothing) and this run's own tier-ups and failures. No compile starts after
  // `deadline` (one started runs to its end); `published` runs on the compiler thread after each
  // unit is installed. Without a background compiler (interp, O1-O3), or once stopped: stop().
  virtual void finish_compiles(const profile::Profile* store, std::chrono::steady_clock::time_point deadline,
                               std::function<void()> published) = 0;
  // The profile JSON with the tier-ups added ("tier_ups": time, function, from, to, compile
  // ms, bytes) and each function's current tier.
  virtual std::string add_to_profile(const std::string& profile_json) const = 0;
  // This run's tier-ups and failed compiles, into the functions of `p` (a profile of this run).
  virtual void add_events(profile::Profile& p) const = 0;
  // The units whose code runs now, each with the roots that still use it.
  virtual std::vector<Unit> units_in_use() const = 0;
};

// What, besides the program, shapes compiled code here: BareFlow's build, LLVM's version, the
// host's triple, CPU and features, and the knobs that shape code; one NAME VALUE per line. Part
// of every unit's key: code cached under another environment is never taken.
std::string environment(const Options& options);

// Attaches the JIT to `program` before main runs, with what earlier runs left: links the
// cached units, then O1-O3 compile every function now; auto starts the background compiler
// (which first compiles what the history says was hot) and sets the program's shutdown hook
// to stop it. Returns null with `error` ("FILE: problem") on failure; interp returns null
// with an empty error.
std::unique_ptr<Tiering> start(vm::Program& program, const Options& options, const History& history,
                               std::string& error);

}  // namespace bf::jit
