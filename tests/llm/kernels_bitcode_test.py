#!/usr/bin/env python3
"""A kernel set under a tier agrees with the scalar set (kernels_bitcode_check.cpp) and gives the
native build's results bit for bit (the same report, its digest of every result included).

usage: kernels_bitcode_test.py NATIVE_CHECK BAREFLOW CHECK_BC SET TIER
Exit 77 (skipped) when this CPU lacks the set."""
import subprocess
import sys


def main():
    native, bareflow, check_bc, kernel_set, tier = sys.argv[1:6]
    want = subprocess.run([native, kernel_set], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    if want.returncode == 77:
        print(want.stdout.decode().strip())
        return 77
    got = subprocess.run([bareflow, "run", "--no-cache", f"--tier={tier}", check_bc, "--", kernel_set],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    print(f"native: {want.stdout.decode().strip()}\n{tier}: {got.stdout.decode().strip()}")
    if want.returncode != 0 or got.returncode != 0:
        print(f"FAIL: exit {want.returncode} native, {got.returncode} under {tier}")
        return 1
    if got.stdout != want.stdout:
        print(f"FAIL: {tier} does not give the native results bit for bit")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
