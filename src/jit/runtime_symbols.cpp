// Routines that LLVM generated code may call on its own, found by name without dlsym.
#include "jit/runtime_symbols.h"

#include <llvm/ExecutionEngine/Orc/TargetProcess/JITLoaderGDB.h>

#include <cstring>

#include "vm/setjmp.h"

// Provided by libgcc / compiler-rt; only their addresses are taken here.
extern "C" {
void __udivti3();
void __divti3();
void __umodti3();
void __modti3();
void __powisf2();
void __powidf2();
void __truncsfhf2();
void __extendhfsf2();
void __truncdfhf2();
void __fixsfti();
void __fixdfti();
void __fixunssfti();
void __fixunsdfti();
void __floattisf();
void __floattidf();
void __floatuntisf();
void __floatuntidf();
// Compiled code calls the C library's setjmp family directly (tier 0 runs its own,
// vm/setjmp.cpp), bracketed by the interpreter stack's save and restore.
void bf_vm_setjmp_save(void**);
void bf_vm_setjmp_restore(void* const*);
}

namespace bf::jit {

namespace {
struct Routine {
  const char* name;
  void (*address)();
};
#define R(name) {#name, &name}
const Routine kRoutines[] = {
    R(__udivti3),   R(__divti3),     R(__umodti3),    R(__modti3),      R(__powisf2),
    R(__powidf2),   R(__truncsfhf2), R(__extendhfsf2), R(__truncdfhf2), R(__fixsfti),
    R(__fixdfti),   R(__fixunssfti), R(__fixunsdfti), R(__floattisf),   R(__floattidf),
    R(__floatuntisf), R(__floatuntidf),
};
#undef R
}  // namespace

void* runtime_symbol(llvm::StringRef name) {
  // GDB's JIT interface, which --jit-gdb registers objects with.
  if (name == "llvm_orc_registerJITLoaderGDBWrapper")
    return reinterpret_cast<void*>(&llvm_orc_registerJITLoaderGDBWrapper);
  if (name == "llvm_orc_registerJITLoaderGDBAllocAction")
    return reinterpret_cast<void*>(&llvm_orc_registerJITLoaderGDBAllocAction);
  for (const Routine& r : kRoutines)
    if (name == r.name) return reinterpret_cast<void*>(r.address);
  if (void* setjmp = vm::setjmp_address(name)) return setjmp;
  if (name == "bf_vm_setjmp_save") return reinterpret_cast<void*>(&bf_vm_setjmp_save);
  if (name == "bf_vm_setjmp_restore") return reinterpret_cast<void*>(&bf_vm_setjmp_restore);
  return nullptr;
}

}  // namespace bf::jit
