// Module preparation: what a compile does to the module's IR between reading it and running
// the optimizer (steps 2-5 of compiler.cpp), in the files that follow its steps:
// prepare.cpp (globals, roles, adapters, OSR), call_table.cpp (calls through the function
// table), labels.cpp (computed gotos), profile_metadata.cpp (the profile as !prof, counters in compiled code).
#pragma once

#include <llvm/ADT/ArrayRef.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/Module.h>
#include <llvm/ProfileData/ProfileCommon.h>

#include <string>
#include <vector>

#include "jit/compiler.h"
#include "profile/profile.h"

namespace bf::vm {
class Machine;
struct Function;
}  // namespace bf::vm

namespace bf::jit {

// What preparation needs to know of the running program.
struct PrepareContext {
  const vm::Machine& machine;
  llvm::ArrayRef<void*> global_addresses;  // by position in the global list; null: unused
  const Params& params;
  const std::string& cpu;                  // the host's, named on every function
  const std::string& features;
  const profile::Profile* history;         // earlier runs' counts for !prof, or null
};

// Rewrites `mod` (read lazily from the module's bitcode) into the unit `request` asks for.
// False with `error` set when the unit cannot be built.
bool prepare_module(llvm::Module& mod, const CompileRequest& request, const PrepareContext& context,
                    CompileResult& result, std::string& error);

// What each function of the module becomes in the unit.
enum class Role : uint8_t {
  drop,  // not in the unit: called through its slot, its address is its stable entry
  root,  // compiled and published
  copy,  // a private copy: the table cannot call it (no native entry) or it is inlined
};

// call_table.cpp. Every use of a function becomes its stable entry (__bf_e<k>); direct calls
// then go back to the body when the function is in the unit, or load the callee from its slot
// (__bf_t<k>) when it is not. `defs` are the module's defined functions by index.
void route_direct_calls(llvm::Module& mod, llvm::ArrayRef<llvm::Function*> defs, llvm::ArrayRef<Role> roles);
// Indirect calls go to native code when the target is a compiled function: each call site
// caches the resolution of its last target (FunctionTable::resolve).
void route_indirect_calls(llvm::Module& mod, llvm::ArrayRef<llvm::Function*> defs);

// labels.cpp. Blockaddress and indirectbr in f (function k) as tier 0 has them: its block
// b is __bf_b<k> + b, an indirectbr a switch. An OSR continuation's value list (osr_values)
// names the switch in place of the indirectbr.
void lower_labels(llvm::Function& f, uint32_t k, std::vector<llvm::Value*>* osr_values);

// profile_metadata.cpp. The tier-0 counters of `slot` as !prof on f (entry count, branch
// weights), added to `summary` as one record; with `past` (the function in a profile store),
// each count adds its mean over the earlier runs that counted it.
void attach_profile(llvm::Function& f, const vm::Function& slot, const profile::FunctionProfile* past,
                    llvm::InstrProfSummaryBuilder& summary);
// Compiled f keeps counting into the tier-0 counters: its calls, and with `edges` its branch
// edges, so that it can earn a higher tier.
void add_counters(llvm::Function& f, const vm::Function& slot, bool edges);

}  // namespace bf::jit
