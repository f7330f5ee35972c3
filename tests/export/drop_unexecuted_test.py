#!/usr/bin/env python3
"""--drop-unexecuted: a function that the profiled run did not reach becomes a stub. Called
later, it prints `APP: FUNCTION was not executed while profiling; export again without
--drop-unexecuted` and the program exits non-zero (70) after what it printed before; the
profiled path runs as the native build does. Without the option the same function is kept
(cold) and works.

usage: drop_unexecuted_test.py BAREFLOW DROP_BC NATIVE"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_util  # noqa: E402

MESSAGE = "drop: rarely was not executed while profiling; export again without --drop-unexecuted\n"


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)


def main():
    bareflow, bc, native = sys.argv[1:4]
    failures = []
    with tempfile.TemporaryDirectory(prefix="bareflow-export-drop.") as tmp:
        profile = os.path.join(tmp, "drop.json")
        p = run([bareflow, "run", "--no-cache", "--profile-out", profile, bc])
        assert p.returncode == 0, p.stderr
        dropped, kept = os.path.join(tmp, "dropped"), os.path.join(tmp, "kept")
        report = os.path.join(tmp, "report.json")
        for exe, options in ((dropped, ["--drop-unexecuted", "--report", report]), (kept, [])):
            p = export_util.export(bareflow, bc, exe, [profile], *options)
            if p.returncode != 0:
                print(f"FAIL export {options} exited {p.returncode}: {p.stderr.decode()}")
                return 1
        with open(report) as f:
            functions = json.load(f)["functions"]
        if functions["dropped"] != 1 or functions["cold"] != 0 or functions["executed"] != 2:
            failures.append(f"report: {functions} (want rarely dropped, main and often executed)")
        want_profiled, want_other = run([native]), run([native, "x"])
        got = run([dropped])
        if (got.returncode, got.stdout, got.stderr) != (0, want_profiled.stdout, b""):
            failures.append(f"profiled path: exit {got.returncode}, {got.stdout!r}, {got.stderr!r}")
        got = run([dropped, "x"])
        if got.returncode == 0 or got.stderr.decode() != MESSAGE or got.stdout != b"sum 14950\n":
            failures.append(f"unexecuted path: exit {got.returncode}, {got.stdout!r}, {got.stderr!r}")
        got = run([kept, "x"])
        if (got.returncode, got.stdout) != (0, want_other.stdout):
            failures.append(f"kept cold function: exit {got.returncode}, {got.stdout!r}")
    for f in failures:
        print("FAIL " + f)
    print(f"{4 - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
