#!/usr/bin/env python3
"""bareflow-static on Linux: a fully static executable (no interpreter, no dynamic section) whose
`generate` and `run` give llama2.c's reference tokens, `run` both with the tier-0 interpreter
tiering up in the background and with everything JIT-compiled first. Its dlopen and dlsym are
wrapped to abort, so a run that needed them fails here.

usage: static_test.py BAREFLOW_STATIC LLAMA_BC SHARED_DIR"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import reference  # noqa: E402

STEPS = 24


def is_static(path):
    """No PT_INTERP and no PT_DYNAMIC in the program headers."""
    out = subprocess.run(["readelf", "-lW", path], stdout=subprocess.PIPE, check=True).stdout.decode()
    return "INTERP" not in out and "DYNAMIC" not in out and "LOAD" in out


def main():
    binary, llama_bc, shared = sys.argv[1:4]
    failures = 0
    static = is_static(binary)
    print(("ok" if static else "FAIL") + f" {binary} is statically linked")
    failures += not static
    dl_refused = b"bareflow-static: dl"
    for command in ([binary, "generate"], [binary, "run", "--tier=auto", llama_bc, "--"]):
        print("--", " ".join(os.path.basename(c) for c in command))
        failures += reference.check_tokens(command, shared, STEPS, fail_on_stderr=dl_refused)
    # Everything through the JIT first, on one entry: LLJIT's set-up in a static binary.
    entry = reference.load(shared)[0]
    cmd = [binary, "run", "--tier=O1", llama_bc, "--"] + reference.greedy_args(shared, entry, STEPS, 2)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    ok = p.returncode == 0 and b'"generated_tokens"' in p.stdout and dl_refused not in p.stderr
    print(("ok" if ok else "FAIL") + f" run --tier=O1: exit {p.returncode}" + ("" if ok else f"\n{p.stderr.decode()[-600:]}"))
    failures += not ok
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
