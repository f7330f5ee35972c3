// The steps of an export (export.cpp runs them in order; each file holds one):
//   profile_input.cpp  the profile: the code cache's profile store and profile files, read,
//                      summed, checked against the module
//   whole_program.cpp  the module as one program: profile as !prof, cold or dropped functions,
//                      BareFlow's runtime linked in, everything but main internal, the CPU
//   toolchain.cpp      the static libc, libgcc and start files, found by a documented search;
//                      which of the program's imports they define
//   codegen.cpp        the CPU's TargetMachine, the O3 pipeline, the object file
//   link.cpp           lld's ELF driver in the process, into a reserved temporary output
#pragma once

#include <llvm/ADT/SmallVector.h>
#include <llvm/ADT/StringRef.h>
#include <llvm/IR/Module.h>
#include <llvm/Target/TargetMachine.h>

#include <memory>
#include <string>
#include <vector>

#include "cache/cache.h"
#include "export/export.h"
#include "profile/profile.h"

namespace bf::exporter {

// --- profile_input.cpp
struct ProfileInput {
  profile::Profile counts;  // summed over the sources, function by function and edge by edge
  uint64_t runs = 0;        // runs the sources hold (a store's runs; one per version 1 file)
};
// Reads every source into `input`: a directory is a code cache, whose profile store of the module
// (`module`, the hash of its bitcode) is read; a file is a profile (version 1 of `bareflow run
// --profile-out`, or version 2 with a module hash that must be `module`). No source: the default
// code cache's store. Each is checked against `m` (the module at `app`); false with `error` naming
// the source otherwise (missing, not a profile, of another module, with functions compiled before
// tier 0 counted them, no counts at all).
bool read_profiles(const std::vector<std::string>& sources, const llvm::Module& m, const cache::Digest& module,
                   const std::string& app, ProfileInput& input, std::string& error);
// Whether a run ran this function compiled before tier 0 translated it (so counted nothing of it).
inline bool ran_compiled(const profile::FunctionProfile& f) {
  return f.blocks == 0 && !f.tier.empty() && f.tier != "interp" && f.tier != "none";
}
// Whether `auto` compiles f before its first call, whatever the profile: tier 0 does not enter
// variadic functions or inline assembly.
bool compiled_ahead(const llvm::Function& f);
// Whether `p` was measured on `m`: the same defined functions, block counts and CFG edges.
// Otherwise false with `error` naming the first difference.
bool profile_fits(const llvm::Module& m, const profile::Profile& p, std::string& error);
// The top `n` functions by exclusive time (by calls when untimed).
std::vector<FunctionTime> top_functions(const profile::Profile& p, size_t n);

// --- whole_program.cpp
struct ProgramCounts {
  uint32_t functions = 0, executed = 0, cold = 0, dropped = 0;
};
// Attaches the counts as !prof with a profile summary; a function no run executed (no calls and
// never translated by tier 0, so a store's counts aged to 0 still count as executed) is marked
// cold (its own section, optimized for size) or, with `drop_unexecuted`, gets a body that
// names `app` and itself on stderr and exits with status 70.
ProgramCounts apply_profile(llvm::Module& m, const profile::Profile& p, bool drop_unexecuted,
                            const std::string& app);
// BareFlow's export runtime (runtime/export_runtime.cpp), embedded as bitcode.
std::unique_ptr<llvm::Module> load_runtime(llvm::LLVMContext& ctx, std::string& error);
// Links in what the program uses of it.
bool link_runtime(llvm::Module& m, std::string& error);
// Everything but main (and __dso_handle, which libc may name) becomes internal, so that the
// optimizer sees one whole program.
void internalize_program(llvm::Module& m);
// Every function gets `cpu` and `features` (plus the target features its source asked for:
// AVX2 kernels chosen at run time keep them), and loses -O0's optnone.
void name_cpu(llvm::Module& m, const std::string& cpu, const std::string& features);

// --- toolchain.cpp
struct Toolchain {
  std::vector<std::string> start_files;  // before the program (crt1.o, crti.o)
  std::vector<std::string> archives;     // one group: libc, libm, libgcc, ...
  std::vector<std::string> end_files;    // after (crtn.o)
};
bool find_toolchain(Libc libc, Toolchain& toolchain, std::string& error);
// The names in `wanted` that no archive of the toolchain defines.
bool undefined_in(const Toolchain& toolchain, const std::vector<std::string>& wanted,
                  std::vector<std::string>& missing, std::string& error);
// What `m` imports: its used declarations other than intrinsics.
std::vector<std::string> imports_of(const llvm::Module& m);

// --- codegen.cpp
// "host" becomes the host's CPU and features; x86-64, x86-64-v2 and x86-64-v3 are LLVM's
// names, with the features they imply.
bool resolve_cpu(const std::string& name, std::string& cpu, std::string& features, std::string& error);
std::unique_ptr<llvm::TargetMachine> make_target_machine(const llvm::Module& m, const std::string& cpu,
                                                         const std::string& features, std::string& error);
void optimize(llvm::Module& m, llvm::TargetMachine& tm);
bool emit_object(llvm::Module& m, llvm::TargetMachine& tm, llvm::SmallVectorImpl<char>& object,
                 std::string& error);
// Bytes of machine code in the object's .text sections: cold ones (.text.unlikely.*) apart.
void code_bytes(llvm::StringRef object, uint64_t& hot, uint64_t& cold);

// --- link.cpp
// Links `object_path` statically with the toolchain into `output_path` (stripped, sections
// no one references dropped), with lld's ELF driver in this process.
bool link_executable(const Toolchain& toolchain, const std::string& object_path, const std::string& output_path,
                     std::string& error);

}  // namespace bf::exporter
