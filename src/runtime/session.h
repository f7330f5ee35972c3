// The composition root of `bareflow run`: it wires tier 0 (src/vm) and the JIT tiers
// (src/jit) for one program, and owns the one place where the run ends. Nothing below this
// layer includes a sibling: the vm knows nothing of the JIT, the JIT only the vm.
#pragma once

#include "runtime/run_request.h"

namespace bf::runtime {

// Loads the program, attaches the tiers, runs main and ends the process with main's status
// (the program's atexit handlers may still run interpreted code, so it stays loaded). Returns
// only when the program cannot start: 1, with one line on stderr.
int run(const RunRequest& request);

}  // namespace bf::runtime
