#!/usr/bin/env python3
"""llama.bc under tier 0 must give exactly the greedy tokens of llama2.c's reference outputs
(../shared/testdata/reference_greedy.json), fp32 and Q8_0.

usage: llama_reference_test.py BAREFLOW LLAMA_BC SHARED_DIR
Entries run at their full length for the first prompt of each engine; the others generate their
first SHORT_TOKENS tokens and compare that prefix, which keeps the test to seconds."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import reference  # noqa: E402

SHORT_TOKENS = 36


def main():
    bareflow, llama_bc, shared = sys.argv[1:4]
    return reference.check_tokens([bareflow, "run", "--tier=interp", llama_bc, "--"], shared,
                                  SHORT_TOKENS, first_in_full=True)


if __name__ == "__main__":
    sys.exit(main())
