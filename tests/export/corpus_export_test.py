#!/usr/bin/env python3
"""The interpreter's conformance corpus, exported: each bitcode build of each program is run once
under bareflow with --profile-out, exported with that profile, and the executable must print
exactly what the program's native build prints and exit with the same status.

usage: corpus_export_test.py BAREFLOW EXPORT_OPTIONS NATIVE BC... [-- NATIVE BC...]...
EXPORT_OPTIONS is one argument, split on spaces (e.g. "--libc glibc --cpu x86-64")."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from corpus import first_difference, groups, run  # noqa: E402


def main():
    bareflow, options = sys.argv[1], sys.argv[2].split()
    failed = total = 0
    with tempfile.TemporaryDirectory(prefix="bareflow-export-corpus.") as tmp:
        for native, bcs in groups(sys.argv[3:]):
            want_rc, want_out, _ = run([native])
            for bc in bcs:
                total += 1
                name = os.path.basename(bc)
                profile, exe = os.path.join(tmp, name + ".json"), os.path.join(tmp, name + ".exe")
                rc, _, err = run([bareflow, "run", "--no-cache", "--profile-out", profile, bc])
                if rc != want_rc:
                    failed += 1
                    print(f"FAIL {bc}: the profiled run exited {rc} (native {want_rc}): {err.decode()[-300:]}")
                    continue
                rc, _, err = run([bareflow, "export", bc, "-o", exe, "--profile-from", profile] + options)
                if rc != 0:
                    failed += 1
                    print(f"FAIL {bc}: export exited {rc}: {err.decode()[-300:]}")
                    continue
                rc, out, err = run([exe])
                if rc != want_rc or out != want_out:
                    failed += 1
                    print(f"MISMATCH {bc}: exit {rc} (native {want_rc})\n  stderr: {err.decode()[-300:]}")
                    print(first_difference(want_out, out, "export"))
                os.remove(exe)
    print(f"export {' '.join(options)}: {total - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
