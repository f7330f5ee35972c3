#!/usr/bin/env python3
"""The policy's rule for small functions, on bench/tiers' virtual_shapes (virtual calls to small
methods): a function of at most `small_function` tier-0 instructions goes straight to the top
tier at its first tier-up, so that no function is compiled twice; with the rule off
(small_function=0) the same program climbs through the tiers below. The output equals the
native build's either way.

usage: small_functions_test.py BAREFLOW BUILD_DIR"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench", "tiers"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from checks import check, finish  # noqa: E402
import bench_tiers  # noqa: E402

LINE = re.compile(r"^\[tier\] +\d+\.\d{3}s  (\S.*?) +(interp|O[123])->(O[123]) ")


def tier_ups(bareflow, bc, small, expected):
    p = subprocess.run([bareflow, "run", "--no-cache", "--tier=auto", "--tier-log", "--jit-param", f"small_function={small}",
                        bc, "--", "1"], capture_output=True, timeout=600)
    check(p.returncode == 0 and p.stdout == expected, f"small_function={small}: output equals the native build's")
    ups = [(m.group(1).strip(), m.group(2), m.group(3)) for m in map(LINE.match, p.stderr.decode().splitlines()) if m]
    return [u for u in ups if not u[0].endswith("(OSR)")]


def main():
    bareflow, build = sys.argv[1], sys.argv[2]
    work = os.path.join(build, "bench", "tiers")
    os.makedirs(work, exist_ok=True)
    _, native, bc = bench_tiers.build(os.path.join(bench_tiers.PROGRAMS, "virtual_shapes.cpp"), work)
    expected = subprocess.run([native, "1"], capture_output=True, timeout=600).stdout

    every = tier_ups(bareflow, bc, 1 << 30, expected)  # every function counts as small
    check(bool(every) and all(to == "O3" and frm == "interp" for _, frm, to in every),
          f"every function small: each goes interp->O3 at once ({every})")
    names = [name for name, _, _ in every]
    check(len(set(names)) == len(names), "every function small: none compiled twice")

    ladder = tier_ups(bareflow, bc, 0, expected)  # the rule off
    check(any(to != "O3" for _, _, to in ladder), f"small_function=0: some tier-up stops below O3 ({ladder})")
    return finish()


if __name__ == "__main__":
    sys.exit(main())
