// The compiler behind the tiers: one LLJIT per program, one compile at a time. A compile takes
// a set of functions of the loaded module ("roots"), rebuilds them from the module's bitcode in
// a fresh context, rewires them onto the interpreter's state (globals at the interpreter's
// addresses, calls to other functions through the function table), optimizes at the tier's
// level with the host CPU, and returns native entry points. Publishing them is the caller's.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "jit/jit.h"
#include "jit/unit_cache.h"

namespace bf::vm {
class Machine;
class FunctionTable;
}  // namespace bf::vm
namespace bf::profile {
struct Profile;
}

namespace bf::jit {

struct CompileRequest {
  std::vector<uint32_t> roots;  // indices into Machine::functions
  int tier = 1;                 // 1..3: O1..O3
  bool profile = false;         // attach the tier-0 counters as !prof
  bool inline_callees = false;  // copy hot callees in so that the inliner can use them
  // Keep counting in compiled code, into the tier-0 counters, so that the function can move
  // further up: calls (entry) and, for edges, every branch edge of the roots.
  bool count_calls = false;
  bool count_edges = false;
  // On-stack replacement: (function, loop) pairs, each compiled into a continuation of the
  // function that starts at that loop's header from an interpreter frame (vm::LoopEntry). The
  // function need not be a root.
  std::vector<std::pair<uint32_t, uint32_t>> osr;
};

struct CompiledFunction {
  uint32_t index = 0;
  void* native = nullptr;   // the function itself, native calling convention
  void* adapter = nullptr;  // void(void** args, void* ret): what the interpreter calls; null
                            // for variadic functions (the interpreter keeps running those)
  uint64_t size = 0;        // bytes of machine code
  uint64_t adapter_size = 0;  // the adapter's (the function may be inlined into it)
};

struct OsrEntry {
  uint32_t index = 0, loop = 0;
  void* native = nullptr;  // void(uint8_t* frame)
  uint64_t size = 0;
};

struct CompileResult {
  std::vector<CompiledFunction> functions;
  std::vector<OsrEntry> osr;
  double ms = 0;
  uint64_t object_bytes = 0;
  uint32_t inlined_callees = 0;  // callee copies added for inlining
  UnitKey key;                   // what shaped the unit (see unit_cache.h)
  bool from_cache = false;       // linked from the cache's object, not compiled
};

class Compiler {
 public:
  static std::unique_ptr<Compiler> create(vm::Machine& machine, const Options& options,
                                          std::string& error);
  virtual ~Compiler() = default;
  // Not thread-safe: one compile at a time (the tiers use one compiler thread).
  virtual bool compile(const CompileRequest& request, CompileResult& result, std::string& error) = 0;
  // Links an object that an earlier compile of `request` produced (the cache's), without
  // preparing anything: its roots and OSR entries are looked up as a compile's would be.
  virtual bool link_object(const std::string& object, const CompileRequest& request, CompileResult& result,
                           std::string& error) = 0;
  // Compiles ask `cache` for their unit first and give it what they compile (null: none).
  virtual void set_cache(UnitCache* cache) = 0;
  // Earlier runs' counts (a profile store, module order), added to this run's in !prof.
  virtual void set_history(const profile::Profile* history) = 0;
  // jit::environment(options): part of every unit's key.
  virtual const std::string& environment() const = 0;
};

// Whether the interpreter can move calls of function k onto compiled code (not variadic).
bool has_adapter(const vm::Machine& machine, uint32_t index);

// Publishes a compile in the function table: each function's slot (compiled callers, then
// the interpreter and the entry), then the OSR entries. A call already running keeps running
// in its old tier, except that the loops of its function get their OSR probes armed, and an
// OSR entry in the result moves it over at its next iteration.
void install(vm::FunctionTable& table, int tier, const CompileResult& result);

}  // namespace bf::jit
