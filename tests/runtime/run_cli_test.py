#!/usr/bin/env python3
"""The command line of `bareflow run`: --help, --jit-params (every knob, the debug section and
the environment behind it), and clear refusals (one line naming the option or file, exit 2
for a malformed command line, 1 for a program that cannot be loaded).

usage: run_cli_test.py BAREFLOW [APP.bc]   (APP.bc: a program whose main --dump-code reads)"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from checks import check, finish  # noqa: E402


def run(bareflow, *args, env=None):
    p = subprocess.run([bareflow, "run", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def main():
    bareflow = sys.argv[1]
    rc, out, err = run(bareflow, "--help")
    check(rc == 0 and out.startswith("usage: bareflow run") and not err, "--help: usage on stdout, exit 0")
    for option in ["--tier=", "--jit-param ", "--jit-params", "--tier-log", "--perf-map", "--jit-gdb", "--profile ",
                   "--profile-out", "--dump-code", "--finish-compiles"]:
        check(re.search(r"^  " + re.escape(option) + r"[^\n]*? {2,}\S", out, re.M) is not None,
              f"--help: {option.strip()} has a line of meaning")

    rc, out, err = run(bareflow, "--jit-param", "pgo=0", "--jit-params")
    check(rc == 0, "--jit-params: exit 0")
    rows = dict(re.findall(r"^(\w+) (\S+) +\S", out, re.M))
    for knob in ["tier1_hotness", "tier2_hotness", "tier3_hotness", "max_tier", "pgo", "osr", "osr_wait"]:
        check(knob in rows, f"--jit-params: lists {knob}")
    check(rows.get("pgo") == "0", "--jit-params: shows a value set before it")
    check("debug" in out and all(k in rows for k in ["trace", "dump", "fail"]), "--jit-params: debug section")
    env = dict(os.environ, BAREFLOW_JIT_FAIL="main@3", BAREFLOW_JIT_DUMP="/nonexistent")
    rc, out, _ = run(bareflow, "--jit-params", env=env)
    rows = dict(re.findall(r"^(\w+) (\S+) +\S", out, re.M))
    check(rows.get("fail") == "main@3" and rows.get("dump") == "/nonexistent",
          "--jit-params: the debug knobs come from BAREFLOW_JIT_*")

    for args, what, pattern in [
        (["--bogus", "x.bc"], "unknown option", r"unknown option '--bogus'"),
        (["--tier=O9", "x.bc"], "unknown tier", r"unknown tier 'O9'"),
        (["--jit-param", "nosuch=1", "x.bc"], "unknown knob", r"unknown parameter 'nosuch'"),
        (["--jit-param", "pgo=-1", "x.bc"], "bad knob value", r"pgo: '-1' is not a non-negative integer"),
        (["--profile-out"], "--profile-out without a file", r"--profile-out needs a file name"),
        (["--finish-compiles=soon", "x.bc"], "--finish-compiles not a number", r"--finish-compiles: 'soon' is not a number"),
        (["--finish-compiles=0", "x.bc"], "--finish-compiles of 0", r"--finish-compiles: '0' is not a number"),
        (["--finish-compiles=", "x.bc"], "--finish-compiles= empty", r"--finish-compiles: '' is not a number"),
        ([], "no program", r"no program given"),
    ]:
        rc, out, err = run(bareflow, *args)
        first = err.splitlines()[0] if err else ""
        check(rc == 2 and re.search(pattern, first) is not None, f"{what}: exit 2, first line names it ({first!r})")
    if len(sys.argv) > 2:  # a program to read the code of
        bc = sys.argv[2]
        rc, out, err = run(bareflow, "--dump-code", "main", bc)
        check(rc == 0 and re.search(r"^ .*@0 +[A-Z_0-9]+ ", out, re.M) is not None and re.search(r"@\d+ +RET ", out) is not None,
              "--dump-code main: main's instructions, numbered, with a return")
        rc, out, err = run(bareflow, "--dump-code", "no_such_function", bc)
        check(rc == 1 and err.count("\n") == 1 and "no_such_function" in err,
              "--dump-code of an unknown function: one line naming it, exit 1")
    rc, out, err = run(bareflow, "/nonexistent/app.bc")
    check(rc == 1 and err.count("\n") == 1 and "/nonexistent/app.bc" in err, "a missing program: one line naming it, exit 1")
    return finish()


if __name__ == "__main__":
    sys.exit(main())
