#!/usr/bin/env python3
"""A program that faults under `bareflow run` prints one line naming the signal, the function
and its tier, then dies of the native build's signal (tests/vm/programs/crashes.c).

usage: crash_report_test.py BAREFLOW NATIVE BC"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checks import check, finish  # noqa: E402

# how -> (tier -> expected report), for --tier=interp and --tier=O2 (whole module compiled).
CASES = {
    "segv": {"interp": r"SIGSEGV in function 'store_through' \(interpreted\)",
             "O2": r"SIGSEGV in compiled code \[O2\] (store_through|main)"},
    "abort": {"interp": r"SIGABRT in function 'main' \(interpreted\)",
              "O2": r"SIGABRT in compiled code \[O2\] main"},
    "overflow": {"interp": r"SIGSEGV \(stack overflow\) in function 'recurse_forever' \(interpreted\)",
                 "O2": r"SIGSEGV \(stack overflow\) in compiled code \[O2\] recurse_forever"},
    "host": {"interp": r"SIGSEGV in function 'main' \(interpreted\)",
             "O2": r"SIGSEGV in compiled code \[O2\] main"},
    "fpe": {"interp": r"SIGFPE in function 'divide' \(interpreted\)"},
}


def main():
    bareflow, native, bc = sys.argv[1:4]
    for how, tiers in CASES.items():
        want = subprocess.run([native, how], capture_output=True, timeout=120)
        check(want.returncode < 0, f"{how}: the native build dies of a signal ({want.returncode})")
        for tier, pattern in tiers.items():
            got = subprocess.run([bareflow, "run", "--no-cache", f"--tier={tier}", bc, "--", how],
                                 capture_output=True, timeout=300)
            err = got.stderr.decode(errors="replace")
            lines = [l for l in err.splitlines() if l.startswith("bareflow:")]
            check(got.returncode == want.returncode,
                    f"{how} {tier}: exit status {got.returncode}, native {want.returncode}")
            check(got.stdout == want.stdout, f"{how} {tier}: stdout as native")
            check(len(lines) == 1 and re.search(r"^bareflow: \S+crashes\S*\.bc: " + pattern + "$", lines[0]),
                    f"{how} {tier}: one report line matching {pattern!r}: {err.strip()!r}")
    return finish()


if __name__ == "__main__":
    sys.exit(main())
