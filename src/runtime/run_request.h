// What `bareflow run` is asked to do, parsed from its command line.
#pragma once

#include <string>
#include <vector>

#include "jit/jit.h"
#include "runtime/code_cache.h"

namespace bf::runtime {

struct RunRequest {
  std::string app;                // the program's first module (its argv[0])
  std::vector<std::string> modules;  // every module, app first: bitcode or IR text, linked at load
  std::vector<std::string> args;  // the program's argv (argv[0] is app)
  jit::Options jit;
  bool profile = false;           // --profile: the top functions on stderr at exit
  std::string profile_out;        // --profile-out FILE: the profile as JSON at exit
  std::string dump_code;          // --dump-code FUNCTION: print its tier-0 code instead of running
  CacheOptions cache;             // --cache-dir, --no-cache, --cache=MODE, --cache-max
  // --finish-compiles[=SECONDS]: at exit, with a cache to write, compile for up to SECONDS what
  // this run found worth compiling and has not (docs/code-cache.md, "Finishing at exit"); 0: off.
  double finish_compiles_s = 0;
};

// --finish-compiles without a value.
constexpr double kFinishCompilesSeconds = 60;

enum class Parsed {
  run,          // run the request
  help,         // print the usage on stdout, exit 0
  list_params,  // print the JIT's knobs (request.jit.params), exit 0
  malformed,    // `error` says why; print it and the usage, exit 2
};
Parsed parse_run_request(int argc, char** argv, RunRequest& request, std::string& error);
// The usage text, every option with one line of meaning.
std::string run_usage();

}  // namespace bf::runtime
