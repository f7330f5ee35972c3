// A profile's counts as LLVM's profile metadata, so that the optimizer's hot/cold heuristics
// see them: the JIT's tiers 2-3 attach the tier-0 counters of the running program, the native
// export the counts of a profile file (docs/profile-format.md).
#pragma once

#include <llvm/ADT/ArrayRef.h>
#include <llvm/IR/Function.h>
#include <llvm/ProfileData/ProfileCommon.h>

#include <cstdint>
#include <string>

#include "profile/profile.h"

namespace bf::profile {

// `calls` as f's entry count and the edge counts as branch weights on the br/switch
// terminators they leave (Edge::from is a block index in function order, Edge::successor the
// terminator's successor index; edges that do not fit f are ignored). Adds f as one record to
// `summary`, from which the module's profile summary is built.
void attach_counts(llvm::Function& f, uint64_t calls, llvm::ArrayRef<Edge> edges,
                   llvm::InstrProfSummaryBuilder& summary);

// Before f gets the host CPU's features (the JIT's tiers and the export alike): without +fma in
// its own target features, the native build never fuses a multiply and an add, so neither may
// code generated for a CPU with FMA (llvm.fmuladd becomes fmul + fadd, `contract` is dropped).
void keep_unfused(llvm::Function& f);

// The target features f is compiled with for a CPU with `cpu_features`: the CPU's, then the
// source's own additions (a file built with -mavx512f for kernels chosen at run time), so that
// these win. A function for an extension the CPU lacks still compiles (it is never called there:
// CPU detection chooses); with the CPU's list alone, its intrinsics could not be selected.
std::string features_with_own(const llvm::Function& f, const std::string& cpu_features);

}  // namespace bf::profile
