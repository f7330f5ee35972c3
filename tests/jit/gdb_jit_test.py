#!/usr/bin/env python3
"""--jit-gdb registers compiled code with GDB's JIT interface: under gdb, stopped at exit, the
compiled main of programs/osr.c is a known function; without --jit-gdb it is not.

usage: gdb_jit_test.py GDB BAREFLOW DIR   (exit 77, a skip, when gdb cannot trace here)"""
import os
import subprocess
import sys


def functions_seen(gdb, bareflow, bc, extra):
    cmd = [gdb, "-q", "-nx", "-batch", "-ex", "set breakpoint pending on", "-ex", "break exit", "-ex", "run",
           "-ex", r"info functions main\.bf", "--args", bareflow, "run", "--tier=O1"] + extra + [bc, "--", "1000"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    out = p.stdout.decode(errors="replace")
    if "Breakpoint 1, " not in out:
        print(out[-1500:])
        if "ptrace" in out or "Operation not permitted" in out:
            sys.exit(77)
        sys.exit("gdb did not stop the program at exit")
    return out


def main():
    gdb, bareflow, d = sys.argv[1:4]
    bc = os.path.join(d, "osr.O2.bc")
    registered = functions_seen(gdb, bareflow, bc, ["--jit-gdb"])
    plain = functions_seen(gdb, bareflow, bc, [])
    ok = True
    if "main.bf0.t1" not in registered:
        print("FAIL with --jit-gdb, gdb does not know main.bf0.t1:\n" + registered[-1500:])
        ok = False
    if "main.bf0.t1" in plain:
        print("FAIL without --jit-gdb, gdb knows main.bf0.t1 anyway (the test proves nothing)")
        ok = False
    if ok:
        print("ok: gdb knows the compiled main.bf0.t1 with --jit-gdb, and only then")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
