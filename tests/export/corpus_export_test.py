#!/usr/bin/env python3
"""The interpreter's conformance corpus, exported: each bitcode build of each program is run once
under bareflow with --profile-out, exported with that profile, and the executable must print
exactly what the program's native build prints and exit with the same status.

usage: corpus_export_test.py BAREFLOW EXPORT_OPTIONS NATIVE BC... [-- NATIVE BC...]...
EXPORT_OPTIONS is one argument, split on spaces (e.g. "--libc glibc --cpu x86-64")."""
import os
import subprocess
import sys
import tempfile


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    return p.returncode, p.stdout, p.stderr


def first_difference(want, got):
    a, b = want.decode(errors="replace").splitlines(), got.decode(errors="replace").splitlines()
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else "<none>"
        y = b[i] if i < len(b) else "<none>"
        if x != y:
            return f"  line {i + 1}: native {x!r}\n          export {y!r}"
    return ""


def main():
    bareflow, options = sys.argv[1], sys.argv[2].split()
    groups, group = [], []
    for a in sys.argv[3:]:
        if a == "--":
            groups.append(group)
            group = []
        else:
            group.append(a)
    groups.append(group)
    failed = total = 0
    with tempfile.TemporaryDirectory(prefix="bareflow-export-corpus.") as tmp:
        for group in groups:
            if not group:
                continue
            native, bcs = group[0], group[1:]
            want_rc, want_out, _ = run([native])
            for bc in bcs:
                total += 1
                name = os.path.basename(bc)
                profile, exe = os.path.join(tmp, name + ".json"), os.path.join(tmp, name + ".exe")
                rc, _, err = run([bareflow, "run", "--profile-out", profile, bc])
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
                    print(first_difference(want_out, out))
                os.remove(exe)
    print(f"export {' '.join(options)}: {total - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
