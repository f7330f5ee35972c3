#!/usr/bin/env python3
"""The interpreter's conformance corpus under a JIT tier: every bitcode build of every program
must print exactly what its native build prints and exit with the same status.

usage: corpus_tiers_test.py BAREFLOW RUN_OPTIONS NATIVE BC... [-- NATIVE BC...]...
RUN_OPTIONS is one argument, split on spaces (e.g. "--tier=O2")."""
import subprocess
import sys


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    return p.returncode, p.stdout, p.stderr


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
    for group in groups:
        if not group:
            continue
        native, bcs = group[0], group[1:]
        want_rc, want_out, _ = run([native])
        for bc in bcs:
            total += 1
            rc, out, err = run([bareflow, "run"] + options + [bc])
            if rc != want_rc or out != want_out or b"jit:" in err:
                failed += 1
                print(f"MISMATCH {bc}: exit {rc} (native {want_rc})")
                print("  stderr: " + err.decode(errors="replace").strip()[:500])
                a, b = want_out.decode(errors="replace").splitlines(), out.decode(errors="replace").splitlines()
                for i in range(max(len(a), len(b))):
                    x = a[i] if i < len(a) else "<none>"
                    y = b[i] if i < len(b) else "<none>"
                    if x != y:
                        print(f"  line {i + 1}: native {x!r}\n          jit    {y!r}")
                        break
    print(f"{' '.join(options)}: {total - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
