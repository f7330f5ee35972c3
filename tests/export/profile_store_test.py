#!/usr/bin/env python3
"""Export from the code cache's profile store: three runs of store.bc through one code cache (the
first cold, the next ones warm: `work` and `main`, hot in the first, come compiled from the cache
and count nothing; main's one call ages to 0 in the store), then `--profile-from CACHE_DIR` and,
with no --profile-from, the default cache ($BAREFLOW_CACHE_DIR). What the runs executed stays
executed, main included (--drop-unexecuted drops only `rarely`), the report counts the store's
runs, and the executables print what the native build prints. A warm run's own --profile-out is
refused: it did not count what ran compiled.

usage: profile_store_test.py BAREFLOW STORE_BC NATIVE"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_util  # noqa: E402

MESSAGE = b"store: rarely was not executed while profiling; export again without --drop-unexecuted\n"
RUNS = 3


def run(cmd, env=None):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, env=env)


def main():
    bareflow, bc, native = sys.argv[1:4]
    failures = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    with tempfile.TemporaryDirectory(prefix="bareflow-export-store.") as tmp:
        cache = os.path.join(tmp, "cache")
        profiles = [os.path.join(tmp, f"run{i}.json") for i in range(RUNS)]
        for path in profiles:
            p = run([bareflow, "run", "--cache-dir", cache, "--profile-out", path, bc])
            assert p.returncode == 0, p.stderr
        want, want_other = run([native]), run([native, "x"])

        exe, report = os.path.join(tmp, "from-store"), os.path.join(tmp, "report.json")
        p = export_util.export(bareflow, bc, exe, [cache], "--drop-unexecuted", "--report", report)
        check(p.returncode == 0, f"export --profile-from CACHE_DIR: exit {p.returncode} {p.stderr.decode().strip()}")
        if p.returncode == 0:
            with open(report) as f:
                r = json.load(f)
            check(r["profile"]["runs"] == RUNS, f"the report counts the store's {RUNS} runs: {r['profile']}")
            f = r["functions"]
            check((f["executed"], f["dropped"]) == (2, 1), f"main and work executed, rarely dropped: {f}")
            got = run([exe])
            check((got.returncode, got.stdout) == (0, want.stdout), f"profiled path: {got.returncode} {got.stdout!r}")
            got = run([exe, "x"])
            check(got.returncode == 70 and got.stderr == MESSAGE, f"unexecuted path: {got.returncode} {got.stderr!r}")

        exe = os.path.join(tmp, "from-default-cache")
        p = subprocess.run([bareflow, "export", bc, "-o", exe], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120, env=dict(os.environ, BAREFLOW_CACHE_DIR=cache))
        check(p.returncode == 0, f"export with the default cache's store: exit {p.returncode} {p.stderr.decode()}")
        if p.returncode == 0:
            got = run([exe, "x"])
            check((got.returncode, got.stdout) == (0, want_other.stdout), f"kept cold function: {got.stdout!r}")

        warm = profiles[-1]
        with open(warm) as f:
            compiled = [f["name"] for f in json.load(f)["functions"] if f["blocks"] == 0 and f["tier"] != "none"]
        check(bool(compiled), f"the warm run ran code from the cache uncounted: {compiled}")
        p = export_util.export(bareflow, bc, os.path.join(tmp, "from-warm"), [warm])
        err = p.stderr.decode()
        check(p.returncode != 0 and err.count("\n") == 1 and "before tier 0 counted it" in err,
              f"a warm run's profile is refused: {err.strip()}")
        check(sorted(os.listdir(tmp)) == sorted(["cache", "from-store", "from-default-cache", "report.json"] +
                                                [os.path.basename(p) for p in profiles]), "no partial output")
    print(f"{'passed' if not failures else 'failed'}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
