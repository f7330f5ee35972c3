// Tier 0 of BareFlow: load an LLVM bitcode module and run it in the pre-decoding interpreter.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace bf::profile {
struct Profile;
}

namespace bf::vm {

class Machine;

// The names of the host import table (imports.cpp): every function or datum an interpreted
// program may import. The native export checks that each one resolves in its static world.
std::vector<std::string> import_names();

struct RunOptions {
  bool profile = false;  // time every call with the TSC (counts are always kept)
};

struct LoadOptions {
  // The bytes are a module that a run already loaded and verified (the code cache knows its
  // hash): function bodies are read when first translated, and the verifier is not run again.
  bool verified_before = false;
};

// A loaded, verified module with its globals laid out in native memory and its imports
// resolved. Errors come back as one line: "FILE: problem".
class Program {
 public:
  static std::unique_ptr<Program> load(const std::string& path, std::string& error);
  static std::unique_ptr<Program> load_buffer(const void* data, size_t size, const std::string& name,
                                              std::string& error, const LoadOptions& options = {});
  // BLAKE3 of a module's bytes, the identity load() gives it (module_hash()).
  static std::array<uint8_t, 32> hash_of(const void* data, size_t size);
  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  // Runs the module's constructors (llvm.global_ctors) once, and registers its destructors
  // (llvm.global_dtors) to run at exit; run_main does it first.
  void run_constructors();
  // Runs main(argc, argv) with argv[0] = the module path; returns main's result.
  int run_main(const std::vector<std::string>& args, const RunOptions& opts);

  // Translates every defined function now (tests and the fuzzer use it to reach every
  // translation path); returns false with `error` set on the first failure.
  bool translate_all(std::string& error);

  // The tier-0 code of `function` as text, translating it first if it has not run: one line
  // per instruction with its operands named by the opcode's format (code.h), then where its
  // values live, its constants, counted edges and loops (docs/interpreter.md). Returns false
  // with `error` ("FILE: problem") for an unknown function, a host import, or one that tier 0
  // cannot translate.
  bool dump_code(const std::string& function, std::string& out, std::string& error);

  // Profile of the run so far: top functions on stdout-like text, whole profile as JSON.
  // Times are reported in seconds by the TSC rate measured over the run.
  void set_tsc_hz(double hz);
  std::string profile_text(size_t top) const;
  std::string profile_json() const;
  profile::Profile profile() const;

  // The module's identity: BLAKE3 of its bitcode's bytes (never its path).
  const std::array<uint8_t, 32>& module_hash() const;
  const std::string& path() const;
  size_t function_count() const;
  const std::string& function_name(uint32_t k) const;

  // The one shutdown hook (the JIT sets it to stop its compiler): it runs once, either when
  // the program calls exit() (before anything is destroyed) or when the embedder calls
  // shutdown() after main returns. A second call does nothing.
  void set_shutdown_hook(std::function<void()> hook);
  void shutdown();
  // The program's exit(): every live program's hook.
  static void shutdown_all();
  // The same from an atexit handler: exit() has begun, and whatever it destroys before that
  // handler (function-local statics) is gone; exit_started() says so to the hooks.
  static void shutdown_all_in_exit();
  static bool exit_started();

  Machine& machine() { return *machine_; }

 private:
  Program();
  std::unique_ptr<Machine> machine_;
  std::mutex hook_mutex_;
  std::function<void()> hook_;
};

}  // namespace bf::vm
