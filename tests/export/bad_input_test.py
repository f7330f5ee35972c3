#!/usr/bin/env python3
"""Bad input to `bareflow export`: each case gets exactly one line on stderr that names the file
or option and the problem, a non-zero exit, no output file (an existing one is left as it was)
and no temporary file left behind.

usage: bad_input_test.py BAREFLOW DROP_BC UNRESOLVED_BC UNRESOLVED_PROFILE"""
import json
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    bareflow, drop_bc, unresolved_bc, unresolved_profile = sys.argv[1:5]
    failures = total = 0
    with tempfile.TemporaryDirectory(prefix="bareflow-export-bad.") as tmp:
        inputs = os.path.join(tmp, "inputs")
        out_dir = os.path.join(tmp, "out")
        os.mkdir(inputs)
        os.mkdir(out_dir)
        good = os.path.join(inputs, "drop.json")
        subprocess.run([bareflow, "run", "--no-cache", "--profile-out", good, drop_bc], check=True, stdout=subprocess.DEVNULL)
        with open(good) as f:
            profile = json.load(f)
        compiled = os.path.join(inputs, "compiled.json")
        subprocess.run([bareflow, "run", "--no-cache", "--tier=O2", "--profile-out", compiled, drop_bc], check=True,
                       stdout=subprocess.DEVNULL)
        # A cache whose runs were of app.bc as it was (drop.bc), before it became unresolved.bc.
        cache, empty_cache, app = os.path.join(tmp, "cache"), os.path.join(tmp, "empty-cache"), os.path.join(inputs, "app.bc")
        os.mkdir(empty_cache, 0o700)
        shutil.copy(drop_bc, app)
        subprocess.run([bareflow, "run", "--cache-dir", cache, app], check=True, stdout=subprocess.DEVNULL)
        shutil.copy(unresolved_bc, app)

        def write(name, text):
            path = os.path.join(inputs, name)
            with open(path, "w") as f:
                f.write(text)
            return path

        other = dict(profile, functions=[f for f in profile["functions"] if f["name"] != "often"])
        reshaped = json.loads(json.dumps(profile))
        for f in reshaped["functions"]:
            if f["name"] == "main":
                f["blocks"] += 1
        other_hash = dict(profile, version=2, module_hash="ab" * 32, runs=1, run_weight=1.0)
        silent = json.loads(json.dumps(profile))
        for f in silent["functions"]:
            f["calls"] = 0
        out = os.path.join(out_dir, "app")
        cases = [
            ("no profile (the default cache has no store of it)", [drop_bc, "-o", out],
             "no profile: " + empty_cache + ": no profile store of", {"BAREFLOW_CACHE_DIR": empty_cache}),
            ("no profile (no cache at all)", [drop_bc, "-o", out], "no profile: run",
             {"BAREFLOW_CACHE_DIR": "", "XDG_CACHE_HOME": "", "HOME": os.path.join(tmp, "no-home")}),
            ("missing profile", [drop_bc, "-o", out, "--profile-from", os.path.join(inputs, "none.json")],
             "none.json: No such file"),
            ("not a profile", [drop_bc, "-o", out, "--profile-from", write("garbage.json", "{\"x\": 1}")],
             "garbage.json: not a bareflow profile"),
            ("a profile of another module (a function missing)",
             [drop_bc, "-o", out, "--profile-from", write("other.json", json.dumps(other))],
             "does not fit"),
            ("a profile of another module (other blocks)",
             [drop_bc, "-o", out, "--profile-from", write("reshaped.json", json.dumps(reshaped))],
             "function 'main' has"),
            ("a profile of another module (drop.c's for unresolved.bc)",
             [unresolved_bc, "-o", out, "--profile-from", good], "does not fit"),
            ("a profile that counts nothing", [drop_bc, "-o", out, "--profile-from",
                                               write("silent.json", json.dumps(silent))], "counts no call"),
            ("a cache with no store of the module", [drop_bc, "-o", out, "--profile-from", empty_cache],
             "no profile store of"),
            ("a store of other bytes at the same path (hash mismatch)", [app, "-o", out, "--profile-from", cache],
             "run(s) there were of other bytes"),
            ("a version 2 profile of another module (hash mismatch)",
             [drop_bc, "-o", out, "--profile-from", write("other-hash.json", json.dumps(other_hash))], "hash mismatch"),
            ("functions compiled before they were counted", [drop_bc, "-o", out, "--profile-from", compiled],
             "ran compiled (O2) before tier 0 counted it"),
            ("unresolvable import", [unresolved_bc, "-o", out, "--profile-from", unresolved_profile],
             "import 'bf_no_such_import' is defined neither in musl"),
            ("unresolvable import, glibc", [unresolved_bc, "-o", out, "--profile-from", unresolved_profile,
                                            "--libc", "glibc"], "import 'bf_no_such_import' is defined neither in glibc"),
            ("unwritable output", [drop_bc, "-o", os.path.join(tmp, "no", "such", "dir", "app"), "--profile-from", good],
             "cannot write"),
            ("output is a directory", [drop_bc, "-o", out_dir, "--profile-from", good], "is a directory"),
            ("unwritable report", [drop_bc, "-o", out, "--profile-from", good, "--report",
                                   os.path.join(tmp, "no", "report.json")], "report.json: cannot write"),
            ("not bitcode", [good, "-o", out, "--profile-from", good], "drop.json"),
            ("unknown CPU", [drop_bc, "-o", out, "--profile-from", good, "--cpu", "pentium"], "--cpu pentium"),
            ("no static libraries", [drop_bc, "-o", out, "--profile-from", good], "no crt1.o of musl",
             {"BAREFLOW_EXPORT_LIBDIR": inputs}),
        ]
        for name, args, expected, *env in cases:
            total += 1
            p = subprocess.run([bareflow, "export"] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
                               env=dict(os.environ, **env[0]) if env else None)
            err = p.stderr.decode()
            problems = []
            if p.returncode == 0:
                problems.append("exit 0")
            if err.count("\n") != 1 or expected not in err or not err.startswith("bareflow: export: "):
                problems.append(f"stderr {err!r}, want one line with {expected!r}")
            left = os.listdir(out_dir)
            if left:
                problems.append(f"left behind: {left}")
            if problems:
                failures += 1
                print(f"FAIL {name}: {'; '.join(problems)}")
            else:
                print(f"ok   {name}: {err.strip()}")
        # A failed export leaves an existing output as it was.
        total += 1
        with open(out, "w") as f:
            f.write("old")
        subprocess.run([bareflow, "export", drop_bc, "-o", out, "--profile-from", empty_cache], stderr=subprocess.DEVNULL)
        with open(out) as f:
            if f.read() != "old" or os.listdir(out_dir) != ["app"]:
                failures += 1
                print("FAIL a failed export changed the existing output or left files")
    print(f"{total - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
