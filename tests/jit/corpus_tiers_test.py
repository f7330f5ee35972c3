#!/usr/bin/env python3
"""The interpreter's conformance corpus under a JIT tier: every bitcode build of every program
must print exactly what its native build prints and exit with the same status.

With --warm, each runs twice on a fresh code cache: cold (compiling, filling the cache), then
warm (from the cache).

usage: corpus_tiers_test.py [--warm] BAREFLOW RUN_OPTIONS NATIVE BC... [-- NATIVE BC...]...
RUN_OPTIONS is one argument, split on spaces (e.g. "--tier=O2")."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from corpus import first_difference, groups, run  # noqa: E402


def main():
    args = sys.argv[1:]
    warm = args[0] == "--warm"
    if warm:
        args = args[1:]
    bareflow, options = args[0], args[1].split()
    failed = total = 0
    for native, bcs in groups(args[2:]):
        want_rc, want_out, _ = run([native])
        for bc in bcs:
            with tempfile.TemporaryDirectory() as cache:
                runs = ["cold", "warm"] if warm else [None]
                for which in runs:
                    cache_options = ["--cache-dir", cache] if which else ["--no-cache"]
                    total += 1
                    rc, out, err = run([bareflow, "run"] + cache_options + options + [bc])
                    if rc != want_rc or out != want_out or b"jit:" in err:
                        failed += 1
                        print(f"MISMATCH {bc}{f' ({which})' if which else ''}: exit {rc} (native {want_rc})")
                        print("  stderr: " + err.decode(errors="replace").strip()[:500])
                        print(first_difference(want_out, out, "jit"))
    print(f"{' '.join(options)}{' cold and warm' if warm else ''}: {total - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
