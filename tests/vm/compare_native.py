#!/usr/bin/env python3
"""Runs a natively built program and the same source as bitcode under `bareflow run`, and fails
unless every bitcode build prints exactly the same stdout and exits with the same status, in
each tier asked for (tier 0 only by default).

usage: compare_native.py [--tiers interp,O1,...] BAREFLOW NATIVE BC [BC...]"""
import subprocess
import sys


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    return p.returncode, p.stdout, p.stderr


def main():
    args = sys.argv[1:]
    tiers = ["interp"]
    if args[0] == "--tiers":
        tiers, args = args[1].split(","), args[2:]
    bareflow, native = args[0], args[1]
    runs = [(bc, tier) for bc in args[2:] for tier in tiers]
    want_rc, want_out, _ = run([native])
    failed = 0
    for bc, tier in runs:
        rc, out, err = run([bareflow, "run", "--tier=" + tier, bc])
        if rc != want_rc or out != want_out:
            failed += 1
            print(f"MISMATCH {bc} --tier={tier}: exit {rc} (native {want_rc})")
            print("  stderr: " + err.decode(errors="replace").strip()[:500])
            a, b = want_out.decode(errors="replace").splitlines(), out.decode(errors="replace").splitlines()
            for i in range(max(len(a), len(b))):
                x = a[i] if i < len(a) else "<none>"
                y = b[i] if i < len(b) else "<none>"
                if x != y:
                    print(f"  line {i + 1}: native {x!r}\n          {tier} {y!r}")
                    break
        else:
            print(f"same {bc} --tier={tier}: exit {rc}, {len(out)} bytes")
    print(f"{len(runs) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
