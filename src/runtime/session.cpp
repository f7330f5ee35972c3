// One run of one program. How it ends: the program calls exit(), or main returns and the
// session calls exit(); either way the program's shutdown hook runs first (the JIT stops its
// compiler before exit() destroys anything a compile uses), then the program's own atexit
// handlers, then the session's one handler, registered before main (so that the report and the
// code cache see their counts too). That handler runs the hook again (it runs once): for an
// exit that the runtime does not see (a host library calling exit), it is the line of defence,
// and it was registered after the JIT's warm-up constructed the statics that a compile uses.
#include "runtime/session.h"

#include <signal.h>
#include <x86intrin.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>

#include "modules/modules.h"
#include "profile/profile.h"
#include "runtime/code_cache.h"
#include "vm/vm.h"

namespace bf::runtime {

namespace {

// Every few seconds the run's counts and units so far go to the code cache, so that a run that
// is killed still leaves what it learned.
constexpr auto kCheckpointEvery = std::chrono::seconds(5);

// What the end of the run needs. One run per process: an atexit handler takes no argument.
struct Finish {
  vm::Program* program = nullptr;
  jit::Tiering* tiering = nullptr;
  CodeCache* cache = nullptr;
  double finish_compiles_s = 0;  // --finish-compiles
  bool print = false;
  std::string out;
  uint64_t tsc0 = 0;
  std::chrono::steady_clock::time_point t0;
  std::thread checkpoints;
  std::mutex mutex;
  std::condition_variable wake;
  bool done = false;
};
Finish g_finish;

// The run so far, for the code cache: the counters with the JIT's tier-ups.
void checkpoint() {
  Finish& r = g_finish;
  profile::Profile so_far = r.program->profile();
  std::vector<jit::Unit> units;
  if (r.tiering) {
    r.tiering->add_events(so_far);
    units = r.tiering->units_in_use();
  }
  r.cache->checkpoint(so_far, &units);
}

void checkpoint_loop() {
  Finish& r = g_finish;
  std::unique_lock<std::mutex> lock(r.mutex);
  while (!r.wake.wait_for(lock, kCheckpointEvery, [&] { return r.done; })) {
    lock.unlock();
    checkpoint();
    lock.lock();
  }
}

void stop_checkpoints() {
  Finish& r = g_finish;
  if (!r.checkpoints.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    r.done = true;
  }
  r.wake.notify_all();
  r.checkpoints.join();
}

void write_report() {
  Finish& r = g_finish;
  fflush(stdout);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - r.t0).count();
  r.program->set_tsc_hz(secs > 0 ? (__rdtsc() - r.tsc0) / secs : 0);
  if (r.print) fprintf(stderr, "%s", r.program->profile_text(20).c_str());
  if (r.out.empty()) return;
  std::string json = r.program->profile_json();
  if (r.tiering) json = r.tiering->add_to_profile(json);
  FILE* f = fopen(r.out.c_str(), "wb");
  if (!f || fwrite(json.data(), 1, json.size(), f) != json.size() || fclose(f) != 0) {
    fprintf(stderr, "bareflow: %s: cannot write the profile\n", r.out.c_str());
    _exit(1);
  }
}

// With --finish-compiles, the program's shutdown hook (before exit() destroys anything a compile
// uses): the run so far goes to the cache, then the compiler thread finishes what this run found
// worth compiling, storing each unit and recording it in the manifest as it goes, so that a kill
// at any moment leaves a cache that the next run reads; the next run compiles what is left.
void finish_compiles() {
  Finish& r = g_finish;
  if (vm::Program::exit_started()) {  // an exit the runtime did not see: no compile can run now
    r.tiering->stop();
    return;
  }
  // The program has ended: Ctrl-C and SIGTERM end the process now, as they would a program
  // without handlers, instead of entering the program's handlers during the compiles.
  for (int sig : {SIGINT, SIGTERM}) {
    struct sigaction sa {};
    if (sigaction(sig, nullptr, &sa) == 0 && sa.sa_handler != SIG_IGN && sa.sa_handler != SIG_DFL) {
      sa = {};
      sa.sa_handler = SIG_DFL;
      sigaction(sig, &sa, nullptr);
    }
  }
  fflush(nullptr);  // the program's output is out before the wait
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(r.finish_compiles_s));
  // The program's counts move no more: one checkpoint now (the compiles record their units as
  // they go), none every few seconds while they run (under TCG each costs the compiler's CPU).
  stop_checkpoints();
  checkpoint();
  static profile::Profile store;  // read by the compiler thread until it ends
  const bool have = r.cache->read_profile(store);
  r.tiering->finish_compiles(have ? &store : nullptr, deadline,
                             [] { g_finish.cache->record_units(g_finish.tiering->units_in_use()); });
}

void finish() {
  Finish& r = g_finish;
  vm::Program::shutdown_all_in_exit();
  stop_checkpoints();
  if (r.cache) checkpoint();
  if (r.print || !r.out.empty()) write_report();
}

}  // namespace

int run(const RunRequest& request) {
  std::string error;
  modules::Program input;
  if (!modules::read_program(request.modules.empty() ? std::vector<std::string>{request.app} : request.modules,
                             input, error)) {
    fprintf(stderr, "bareflow: %s\n", error.c_str());
    return 1;
  }
  const void* data = input.bitcode.data();
  const size_t size = input.bitcode.size();
  // The cache first: a module that a run loaded before needs no second verification, and its
  // function bodies are read only when they are translated.
  std::unique_ptr<CodeCache> cache;
  if (request.dump_code.empty())
    cache = CodeCache::open(request.cache, vm::Program::hash_of(data, size), input.name,
                            jit::environment(request.jit), request.jit.tier_log);
  vm::LoadOptions load;
  load.verified_before = cache && cache->module_known();
  std::unique_ptr<vm::Program> program = vm::Program::load_buffer(data, size, input.name, error, load);
  std::string().swap(input.bitcode);  // the program keeps its own copy
  if (!program) {
    fprintf(stderr, "bareflow: %s\n", error.c_str());
    return 1;
  }
  if (!request.dump_code.empty()) {
    std::string code;
    if (!program->dump_code(request.dump_code, code, error)) {
      fprintf(stderr, "bareflow: %s\n", error.c_str());
      return 1;
    }
    fputs(code.c_str(), stdout);
    return 0;
  }
  vm::RunOptions options;
  options.profile = request.profile || !request.profile_out.empty();
  if (cache) cache->attach(*program);
  jit::History history = cache ? cache->history() : jit::History{};
  std::unique_ptr<jit::Tiering> tiering = jit::start(*program, request.jit, history, error);
  if (!tiering && !error.empty()) {
    fprintf(stderr, "bareflow: %s\n", error.c_str());
    return 1;
  }
  Finish& r = g_finish;
  r.program = program.get();
  r.tiering = tiering.get();
  r.cache = cache.get();
  r.print = request.profile;
  r.out = request.profile_out;
  r.tsc0 = __rdtsc();
  r.t0 = std::chrono::steady_clock::now();
  if (r.cache) r.checkpoints = std::thread(checkpoint_loop);
  if (r.tiering && r.cache && r.cache->writes() && request.jit.mode == jit::TierMode::automatic &&
      request.finish_compiles_s > 0) {
    r.finish_compiles_s = request.finish_compiles_s;
    program->set_shutdown_hook(finish_compiles);
  }
  atexit(finish);
  int status = program->run_main(request.args, options);
  program->shutdown();
  // Nothing is destroyed before exit(): atexit handlers may call interpreted or compiled code.
  (void)cache.release();
  (void)tiering.release();
  (void)program.release();
  exit(status);
}

}  // namespace bf::runtime
