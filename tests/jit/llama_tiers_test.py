#!/usr/bin/env python3
"""llama.bc under a JIT tier must give exactly the greedy tokens of llama2.c's reference outputs
(../shared/testdata/reference_greedy.json), fp32 and Q8_0.

usage: llama_tiers_test.py BAREFLOW LLAMA_BC SHARED_DIR [--random-thresholds SEED] RUN_OPTION...
RUN_OPTIONs go to `bareflow run` (e.g. --tier=O2). With --random-thresholds, `auto` gets tier
thresholds drawn from a generator seeded with SEED (printed), low enough that functions move
through the tiers while the run is still generating. Every entry generates its first N_TOKENS
tokens."""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import reference  # noqa: E402

N_TOKENS = 36


def main():
    bareflow, llama_bc, shared = sys.argv[1:4]
    options = sys.argv[4:]
    if options[:1] == ["--random-thresholds"]:
        seed = int(options[1])
        rng = random.Random(seed)
        t1 = rng.randint(1, 200)
        t2 = t1 + rng.randint(0, 5000)
        t3 = t2 + rng.randint(0, 50000)
        options = ["--tier=auto", "--jit-param", f"tier1_hotness={t1}", "--jit-param",
                   f"tier2_hotness={t2}", "--jit-param", f"tier3_hotness={t3}", "--jit-param",
                   f"poll_us={rng.randint(50, 2000)}", "--jit-param",
                   f"inline_callee_calls={rng.randint(1, 1000)}"] + options[2:]
        print(f"seed {seed}: {' '.join(options)}")
    # A tier that failed to compile must say so; none is expected here.
    return reference.check_tokens([bareflow, "run"] + options + [llama_bc, "--"], shared, N_TOKENS,
                                  fail_on_stderr=b"failed")


if __name__ == "__main__":
    sys.exit(main())
