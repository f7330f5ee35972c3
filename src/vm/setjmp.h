// The C library's setjmp family as the rest of the runtime sees it (setjmp.cpp; is_setjmp and
// the runner are declared in machine.h).
#pragma once

#include <llvm/ADT/StringRef.h>

namespace bf::vm {

// The C library's function of that name (setjmp, _setjmp, __sigsetjmp; sigsetjmp is
// __sigsetjmp), or null: what compiled and host code call, and the address the program sees.
void* setjmp_address(llvm::StringRef name);
// Whether `target` is one of them: interpreted code cannot call setjmp through a pointer (its
// SETJMP is the call itself).
bool is_setjmp_address(const void* target);

}  // namespace bf::vm
