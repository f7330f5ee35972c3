// The command line of `bareflow run`.
#include "runtime/run_request.h"

#include <cstdlib>

namespace bf::runtime {

std::string run_usage() {
  return std::string(
             "usage: bareflow run [OPTIONS] APP.bc|APP.ll [ARGS...]\n"
             "       bareflow run [OPTIONS] MODULE... -- [ARGS...]\n"
             "Runs LLVM bitcode or IR text (told apart by content): the tier-0 interpreter, with hot code\n"
             "tiered up by the JIT. Before '--', every word that is not an option is a module, linked into\n"
             "one at load (a symbol defined in two is refused); without '--', the first is the only one and\n"
             "the words after it are the program's arguments.\n\n") +
         jit::run_options_help() +
         "  --profile                    print the top functions by time on stderr at exit\n"
         "  --profile-out FILE.json      write the profile as JSON at exit (docs/profile-format.md)\n"
         "  --dump-code FUNCTION         print FUNCTION's pre-decoded tier-0 code and exit (docs/interpreter.md)\n"
         "  --cache-dir DIR              the code cache and profile store (default: $BAREFLOW_CACHE_DIR,\n"
         "                               else $XDG_CACHE_HOME/bareflow, else ~/.cache/bareflow; docs/code-cache.md)\n"
         "  --no-cache                   run without the code cache (same as --cache=off)\n"
         "  --cache=read-write|read-only|off  read-only: take cached code and profiles, write nothing\n"
         "  --cache-max SIZE             bound the cache (default 1G; K, M, G, T), least recently used go first\n"
         "  --finish-compiles[=SECONDS]  at exit, compile and cache for up to SECONDS (default 60) what the\n"
         "                               run found hot and did not compile yet, so that the next run of the\n"
         "                               same command compiles nothing (--tier=auto, a writable cache)\n"
         "  -h, --help                   this text\n";
}

Parsed parse_run_request(int argc, char** argv, RunRequest& request, std::string& error) {
  request.jit.params = jit::Params::from_environment();
  // With a '--', the words before it are modules; without, the program's arguments start
  // after the first module.
  int separator = 0;  // none
  for (int k = 1; k < argc; k++)
    if (std::string(argv[k]) == "--") {
      separator = k;
      break;
    }
  int i = 1;
  for (; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--") {
      i++;
      break;
    }
    switch (jit::parse_run_option(argc, argv, i, request.jit, error)) {
      case jit::OptionParse::taken: continue;
      case jit::OptionParse::malformed: return Parsed::malformed;
      case jit::OptionParse::not_mine: break;
    }
    if (a == "--profile") {
      request.profile = true;
    } else if (a == "--profile-out" || a.rfind("--profile-out=", 0) == 0) {
      if (a == "--profile-out" && i + 1 >= argc) {
        error = "run: --profile-out needs a file name";
        return Parsed::malformed;
      }
      request.profile_out = a == "--profile-out" ? argv[++i] : a.substr(14);
    } else if (a == "--no-cache") {
      request.cache.mode = cache::Mode::off;
    } else if (a.rfind("--cache=", 0) == 0) {
      if (!cache::parse_mode(a.substr(8), request.cache.mode)) {
        error = "run: --cache: '" + a.substr(8) + "' is not read-write, read-only or off";
        return Parsed::malformed;
      }
    } else if (a == "--cache-dir" || a == "--cache-max") {
      if (i + 1 >= argc) {
        error = "run: " + a + " needs a value";
        return Parsed::malformed;
      }
      std::string v = argv[++i];
      if (a == "--cache-dir") {
        request.cache.dir = v;
      } else if (!cache::parse_size(v, request.cache.max_bytes)) {
        error = "run: --cache-max: '" + v + "' is not a size (bytes, or with K, M, G, T)";
        return Parsed::malformed;
      }
    } else if (a == "--finish-compiles") {
      request.finish_compiles_s = kFinishCompilesSeconds;
    } else if (a.rfind("--finish-compiles=", 0) == 0) {
      const std::string v = a.substr(18);
      char* end = nullptr;
      const double s = v.empty() ? 0 : std::strtod(v.c_str(), &end);
      if (v.empty() || *end || !(s > 0 && s <= 86400)) {
        error = "run: --finish-compiles: '" + v + "' is not a number of seconds (more than 0, at most 86400)";
        return Parsed::malformed;
      }
      request.finish_compiles_s = s;
    } else if (a == "--dump-code" || a.rfind("--dump-code=", 0) == 0) {
      if (a == "--dump-code" && i + 1 >= argc) {
        error = "run: --dump-code needs a function name";
        return Parsed::malformed;
      }
      request.dump_code = a == "--dump-code" ? argv[++i] : a.substr(12);
    } else if (a == "-h" || a == "--help") {
      return Parsed::help;
    } else if (!a.empty() && a[0] == '-' && request.app.empty()) {
      error = "run: unknown option '" + a + "'";
      return Parsed::malformed;
    } else if (request.app.empty() || (i < separator && !a.empty() && a[0] != '-')) {
      request.modules.push_back(a);
      if (request.app.empty()) request.app = a;
    } else {
      break;  // program arguments without '--'
    }
  }
  if (request.jit.list_params) return Parsed::list_params;
  if (request.app.empty()) {
    error = "run: no program given";
    return Parsed::malformed;
  }
  request.args = {request.app};
  for (; i < argc; i++) request.args.push_back(argv[i]);
  return Parsed::run;
}

}  // namespace bf::runtime
