#!/usr/bin/env python3
"""Runs a natively built program and the same source as bitcode under `bareflow run`, and fails
unless every bitcode build prints exactly the same stdout and exits with the same status.

usage: compare_native.py BAREFLOW NATIVE BC [BC...]"""
import subprocess
import sys


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    return p.returncode, p.stdout, p.stderr


def main():
    bareflow, native, bcs = sys.argv[1], sys.argv[2], sys.argv[3:]
    want_rc, want_out, _ = run([native])
    failed = 0
    for bc in bcs:
        rc, out, err = run([bareflow, "run", "--tier=interp", bc])
        if rc != want_rc or out != want_out:
            failed += 1
            print(f"MISMATCH {bc}: exit {rc} (native {want_rc})")
            print("  stderr: " + err.decode(errors="replace").strip()[:500])
            a, b = want_out.decode(errors="replace").splitlines(), out.decode(errors="replace").splitlines()
            for i in range(max(len(a), len(b))):
                x = a[i] if i < len(a) else "<none>"
                y = b[i] if i < len(b) else "<none>"
                if x != y:
                    print(f"  line {i + 1}: native {x!r}\n          interp {y!r}")
                    break
        else:
            print(f"same {bc}: exit {rc}, {len(out)} bytes")
    print(f"{len(bcs) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
