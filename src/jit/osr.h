// On-stack replacement entries: continuations of a function from one of its loop headers.
#pragma once

#include <llvm/ADT/ArrayRef.h>
#include <llvm/IR/Function.h>

#include <cstdint>
#include <string>

namespace bf::vm {
struct Code;
}

namespace bf::jit {

// Starts the error of a function that can never have OSR entries (variadic, or moving the
// stack pointer): the tiers leave its loops interpreted without reporting a failure.
inline constexpr const char kOsrUnsupported[] = "OSR does not support ";

// Builds, beside f in f's module, `void NAME(ptr frame)`: f from the header of tier-0 loop
// `loop` on, reading the live values from an interpreter frame laid out as `code` says and
// storing the result at frame[0]. `values` are f's arguments then its instructions, in the
// order the interpreter translated them (so that values[i] lives in code.value_slots[i]), and
// `blocks` its blocks in the order tier 0 numbered them (both taken before f was changed).
// Returns null with `error` set when the loop cannot be entered this way.
llvm::Function* build_osr_continuation(llvm::Function& f, llvm::ArrayRef<llvm::Value*> values,
                                       llvm::ArrayRef<llvm::BasicBlock*> blocks, const vm::Code& code,
                                       uint32_t loop, const std::string& name, std::string& error);

// How many times tier 0 entered loop `loop` of `code` from outside it (its header's edges that
// are not back-edges): more than once in one activation means an enclosing loop brings the
// activation back to it.
uint64_t loop_entries(const vm::Code& code, uint32_t loop);

}  // namespace bf::jit
