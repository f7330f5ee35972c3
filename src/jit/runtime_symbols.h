// Routines that LLVM's code generator may call on its own (128-bit division, half-precision
// conversions, integer powers) and the GDB JIT interface: not imports of the program, but
// JIT'd code and the JIT need them.
#pragma once

#include <llvm/ADT/StringRef.h>

namespace bf::jit {

// Address of the runtime routine `name`, or null.
void* runtime_symbol(llvm::StringRef name);

}  // namespace bf::jit
