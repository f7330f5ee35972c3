#!/usr/bin/env python3
"""Inline assembly (programs/inline_asm.c): every JIT tier runs it with the native output
(`auto` compiles the functions that hold it before their first call), and tier 0 alone refuses
it with one line naming the function and the construct.

usage: inline_asm_test.py BAREFLOW NATIVE BC..."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checks import check, finish  # noqa: E402


def main():
    bareflow, native, bcs = sys.argv[1], sys.argv[2], sys.argv[3:]
    want = subprocess.run([native], capture_output=True, timeout=60)
    for bc in bcs:
        for tier in ["auto", "O1", "O2", "O3"]:
            got = subprocess.run([bareflow, "run", "--no-cache", f"--tier={tier}", bc], capture_output=True, timeout=300)
            check(got.returncode == want.returncode and got.stdout == want.stdout and not got.stderr,
                  f"{bc} --tier={tier}: native output ({got.returncode}, {got.stdout!r}, {got.stderr[:300]!r})")
        got = subprocess.run([bareflow, "run", "--no-cache", "--tier=interp", bc], capture_output=True, timeout=300)
        err = got.stderr.decode(errors="replace").splitlines()
        check(got.returncode == 1 and len(err) == 1 and "unsupported inline assembly (tier 0 cannot run it" in err[0]
              and "function '" in err[0], f"{bc} --tier=interp: one line refusing it: {err}")
    return finish()


if __name__ == "__main__":
    sys.exit(main())
