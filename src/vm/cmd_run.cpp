// bareflow run [--tier=auto|interp|O1|O2|O3] [--jit-param NAME=VALUE] [--tier-log] [--perf-map]
//              [--profile] [--profile-out FILE] APP.bc [-- ARGS...]
#include <x86intrin.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "jit/jit.h"
#include "vm/machine.h"
#include "vm/vm.h"

extern "C" void (*bf_vm_before_exit)(void);

namespace {

int usage() {
  fprintf(stderr,
          "usage: bareflow run [--tier=auto|interp|O1|O2|O3] [--jit-param NAME=VALUE] [--jit-params]\n"
          "                    [--tier-log] [--perf-map] [--jit-gdb] [--profile] [--profile-out FILE.json]\n"
          "                    APP.bc [-- ARGS...]\n");
  return 2;
}

// The run ends through exit() whether main returns or the program calls exit itself; the
// profile is written from an atexit handler registered before main runs, so it runs last.
struct Report {
  bf::vm::Program* program = nullptr;
  bool print = false;
  std::string out;
  uint64_t tsc0 = 0;
  std::chrono::steady_clock::time_point t0;
  bf::jit::Tiering* tiering = nullptr;
};
Report g_report;

// Runs before write_report (registered after it): no compile may outlive the program.
void stop_tiering() {
  if (g_report.tiering) g_report.tiering->stop();
}

void write_report() {
  Report& r = g_report;
  if (!r.program) return;
  fflush(stdout);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - r.t0).count();
  uint64_t ticks = __rdtsc() - r.tsc0;
  r.program->machine().tsc_hz = secs > 0 ? ticks / secs : 0;
  if (r.print) fprintf(stderr, "%s", r.program->profile_text(20).c_str());
  if (!r.out.empty()) {
    std::string json = r.program->profile_json();
    if (r.tiering) json = r.tiering->add_to_profile(json);
    FILE* f = fopen(r.out.c_str(), "wb");
    if (!f || fwrite(json.data(), 1, json.size(), f) != json.size() || fclose(f) != 0) {
      fprintf(stderr, "bareflow: %s: cannot write the profile\n", r.out.c_str());
      _exit(1);
    }
  }
}

}  // namespace

int bf_cmd_run(int argc, char** argv) {
  std::string app, profile_out, error;
  bf::jit::Options jit_options;
  bool profile = false;
  int i = 1;
  for (; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--") { i++; break; }
    if (int r = bf::jit::parse_run_option(argc, argv, i, jit_options, error)) {
      if (r < 0) {
        fprintf(stderr, "bareflow: %s\n", error.c_str());
        return 2;
      }
    } else if (a == "--profile") {
      profile = true;
    } else if (a == "--profile-out" && i + 1 < argc) {
      profile_out = argv[++i];
    } else if (a.rfind("--profile-out=", 0) == 0) {
      profile_out = a.substr(14);
    } else if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else if (!a.empty() && a[0] == '-' && app.empty()) {
      fprintf(stderr, "bareflow: run: unknown option '%s'\n", a.c_str());
      return usage();
    } else if (app.empty()) {
      app = a;
    } else {
      break;  // program arguments without '--'
    }
  }
  if (app.empty()) return usage();
  auto program = bf::vm::Program::load(app, error);
  if (!program) {
    fprintf(stderr, "bareflow: %s\n", error.c_str());
    return 1;
  }
  std::vector<std::string> args{app};
  for (; i < argc; i++) args.push_back(argv[i]);
  bf::vm::RunOptions opts;
  opts.profile = profile || !profile_out.empty();
  g_report.program = program.get();
  g_report.print = profile;
  g_report.out = profile_out;
  g_report.t0 = std::chrono::steady_clock::now();
  g_report.tsc0 = __rdtsc();
  if (profile || !profile_out.empty()) atexit(write_report);
  std::unique_ptr<bf::jit::Tiering> tiering = bf::jit::start(*program, jit_options, error);
  if (!tiering && !error.empty()) {
    fprintf(stderr, "bareflow: %s\n", error.c_str());
    return 1;
  }
  g_report.tiering = tiering.release();
  atexit(stop_tiering);
  // Before exit() destroys anything: a compile in flight uses function-local statics of LLVM
  // that may have been constructed after the last atexit registration.
  bf_vm_before_exit = stop_tiering;
  int rc = program->run_main(args, opts);
  stop_tiering();
  // Exit here, with the program still loaded: atexit handlers may call interpreted code.
  program.release();
  exit(rc);
}
