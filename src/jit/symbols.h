// The names that tie compiled code to the running program. A compiled unit refers to the
// interpreter's state only through these symbols, which the JIT defines as absolute addresses
// when it links the unit; nothing else of the process is baked into its code.
#pragma once

#include <llvm/ADT/StringRef.h>

#include <cstdint>
#include <string>

namespace bf::jit::symbols {

// Global variable i (by position in the module's global list), at the interpreter's storage.
inline std::string global(size_t i) { return "__bf_g" + std::to_string(i); }
// A thread-local global i: its emulated-TLS control block (the interpreter's, vm::Machine::
// thread_locals), the name LLVM's emulated TLS refers to for the declaration global(i).
inline std::string thread_local_control(size_t i) { return "__emutls_v." + global(i); }
// Function k's stable entry (what the program sees as its address).
inline std::string entry(uint32_t k) { return "__bf_e" + std::to_string(k); }
// Function k's native cell in the function table: compiled callers load their callee from it.
inline std::string slot(uint32_t k) { return "__bf_t" + std::to_string(k); }
inline bool is_slot(llvm::StringRef name) { return name.starts_with("__bf_t"); }
// Function k's tier-0 counters, which compiled code keeps counting into: its calls (a
// uint64_t), and its branch edges (the array vm::Code::counters, translated on demand).
inline std::string calls_counter(uint32_t k) { return "__bf_c" + std::to_string(k); }
inline std::string edge_counters(uint32_t k) { return "__bf_x" + std::to_string(k); }
inline bool is_edge_counters(llvm::StringRef name, uint32_t& k) {
  return name.consume_front("__bf_x") && !name.getAsInteger(10, k);
}
// Function k's block addresses (vm::Machine::block_tokens): block b is __bf_b<k> + b.
inline std::string block_tokens(uint32_t k) { return "__bf_b" + std::to_string(k); }
inline bool is_block_tokens(llvm::StringRef name, uint32_t& k) {
  return name.consume_front("__bf_b") && !name.getAsInteger(10, k);
}
// The adapter void(void** args, void* ret) through which the interpreter calls compiled k.
inline std::string adapter(uint32_t k, int tier) {
  return "__bf_a" + std::to_string(k) + "_t" + std::to_string(tier);
}
// Compiled function k keeps its name with a suffix, like LLVM's clones ("f.bf12.t3"), so
// that perf and gdb show it; the index and tier keep names unique across compiles.
inline std::string compiled(const std::string& name, uint32_t k, int tier) {
  return name + ".bf" + std::to_string(k) + ".t" + std::to_string(tier);
}
// The OSR continuation of compiled function k from loop `loop`.
inline std::string osr(const std::string& name, uint32_t k, int tier, uint32_t loop) {
  return compiled(name, k, tier) + ".osr" + std::to_string(loop);
}

// Indirect calls: const Resolution* __bf_resolve(ptr target) (the table's resolver, with the
// table built in), and the resolution that matches nothing, where each call site's one-word
// cache starts.
inline constexpr const char kResolve[] = "__bf_resolve";
inline constexpr const char kNoTarget[] = "__bf_no_target";
// Module flag that carries a unit's tier to code generation.
inline constexpr const char kTierFlag[] = "bareflow.tier";

}  // namespace bf::jit::symbols
