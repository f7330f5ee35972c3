#!/usr/bin/env python3
"""IR text and several modules (docs/interpreter.md, "Input modules").

run: `bareflow run`
  - constant3.ll (IR text, told from bitcode by content) prints what constant3.native prints;
  - two_main.bc with two_lib3.ll (and with two_lib3.bc, and in the other order) linked at load
    print, in every tier, what the native link of both prints, with the same exit status;
  - without '--', the words after the first module are the program's arguments;
  - the code cache knows the linked set by the hash of its content: the second module edited in
    place (same path, SCALE 3 -> 4) is another module: nothing from the cache, the new output;
    edited back, its code comes from the cache again;
  - refusals, one line each and exit 1: an IR parse error (FILE:LINE:COLUMN), IR that does not
    verify, a symbol defined in two modules (the symbol and both files), a missing module, a
    file that is neither bitcode nor text.
export: `bareflow export two_main.bc two_lib3.ll` with the profile of a run of the same list:
  the executable prints what the native link prints; IR text alone exports too; a symbol
  defined twice is refused in one line and nothing is written.
lifecycle: `bareflow lifecycle --dir D two_main.bc two_lib3.ll --` grows, converges and runs its
  appliance, printing the native link's output every time (no arguments: status 0, which a run
  needs to count as quiet).

usage: modules_test.py run|export|lifecycle BAREFLOW PROGRAMS_DIR"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from checks import check, finish  # noqa: E402

# Low thresholds, so that the short program compiles mix() and the cache has something to give.
FAST = ["--jit-param", "tier1_hotness=200", "--jit-param", "tier2_hotness=2000", "--jit-param", "tier3_hotness=20000"]


def run(bareflow, *args):
    p = subprocess.run([bareflow, "run", *args], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def native(path, *args):
    p = subprocess.run([path, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout


def taken(err):
    """Short keys of the units this run took from the cache (the tier log names them)."""
    return set(re.findall(r"\(cache ([0-9a-f]{12})\)", err))


def one_line_error(rc, out, err, *words):
    lines = err.splitlines()
    return rc == 1 and out == "" and len(lines) == 1 and lines[0].startswith("bareflow: ") and \
        all(w in lines[0] for w in words)


def test_run(bareflow, p):
    want = native(p("constant3.native"))
    for tier in ["interp", "O2"]:
        rc, out, err = run(bareflow, "--no-cache", f"--tier={tier}", p("constant3.ll"))
        check((rc, out) == want and not err, f"constant3.ll (IR text), {tier}: the native output {want}")

    args = ["one", "two words"]
    want = native(p("two3.native"), *args)
    for tier in ["interp", "O1", "O3", "auto"]:
        rc, out, err = run(bareflow, "--no-cache", f"--tier={tier}", p("two_main.bc"), p("two_lib3.ll"), "--", *args)
        check((rc, out) == want and not err, f"two_main.bc + two_lib3.ll, {tier}: the native link's output {want}")
    rc, out, err = run(bareflow, "--no-cache", p("two_main.bc"), p("two_lib3.bc"), "--", *args)
    check((rc, out) == want and not err, "two_main.bc + two_lib3.bc: the native link's output")
    rc, out, err = run(bareflow, "--no-cache", p("two_lib3.ll"), p("two_main.bc"), "--", *args)
    check((rc, out) == want and not err, "two_lib3.ll + two_main.bc (the other order): the native link's output")
    rc, out, err = run(bareflow, "--no-cache", p("two_main.bc"), p("two_lib3.ll"))
    check(one_line_error(rc, out, err, "two_main.bc", "unresolved import", "mix"),
          f"without '--' the second word is an argument, not a module: {err.strip()}")

    with tempfile.TemporaryDirectory(prefix="bareflow-modules.") as tmp:
        cache, lib = os.path.join(tmp, "cache"), os.path.join(tmp, "lib.ll")
        shutil.copy(p("two_lib3.ll"), lib)
        cached = ["--cache-dir", cache, "--tier-log", *FAST, p("two_main.bc"), lib, "--"]
        # A run this short can end before its first compile does; the next one takes it.
        for _ in range(3):
            rc, out, err = run(bareflow, *cached)
            if taken(err):
                break
        check((rc, out) == native(p("two3.native")) and taken(err), "two_main.bc + lib.ll, warm: native output, from the cache")
        shutil.copy(p("two_lib4.ll"), lib)
        rc, out, err = run(bareflow, *cached)
        check((rc, out) == native(p("two4.native")) and not taken(err),
              "lib.ll edited in place (SCALE 4): the new native output, nothing from the cache")
        listing = json.loads(subprocess.run([bareflow, "cache", "ls", "--json", "--cache-dir", cache],
                                            capture_output=True, text=True, check=True).stdout)
        hashes = {m["module"] for m in listing["modules"]}
        check(len(hashes) == 2, f"the cache holds the two linked sets as two modules ({len(hashes)})")
        shutil.copy(p("two_lib3.ll"), lib)
        rc, out, err = run(bareflow, *cached)
        check((rc, out) == native(p("two3.native")) and taken(err), "lib.ll edited back: from the cache again")

        # IR text without a source_filename: the same file by another spelling of its path is
        # the same module (one identity in the cache).
        bare = os.path.join(tmp, "bare.ll")
        with open(bare, "w") as f:
            f.write("define i32 @main() {\n  ret i32 0\n}\n")
        bare_cache = os.path.join(tmp, "bare-cache")
        for spelling in [bare, os.path.join(tmp, ".", "bare.ll")]:
            rc, out, err = run(bareflow, "--cache-dir", bare_cache, spelling)
            check(rc == 0 and not err, f"{spelling}: runs")
        listing = json.loads(subprocess.run([bareflow, "cache", "ls", "--json", "--cache-dir", bare_cache],
                                            capture_output=True, text=True, check=True).stdout)
        check(len({m["module"] for m in listing["modules"]}) == 1,
              "IR text under two spellings of its path is one module to the cache")

        bad = os.path.join(tmp, "bad.ll")
        with open(bad, "w") as f:
            f.write("define i32 @main() {\n  ret i32 %nowhere\n}\n")
        rc, out, err = run(bareflow, "--no-cache", bad)
        check(one_line_error(rc, out, err, bad + ":2:11: ", "nowhere"), f"IR parse error: FILE:LINE:COLUMN ({err.strip()})")
        unverified = os.path.join(tmp, "unverified.ll")
        with open(unverified, "w") as f:
            f.write("define i32 @main() {\nentry:\n  %x = add i32 %x, 1\n  ret i32 %x\n}\n")
        rc, out, err = run(bareflow, "--no-cache", unverified)
        check(one_line_error(rc, out, err, unverified + ": ", "does not verify"), f"IR that does not verify ({err.strip()})")
        rc, out, err = run(bareflow, "--no-cache", p("two_main.bc"), p("two_lib3.ll"), p("two_conflict.bc"), "--")
        check(one_line_error(rc, out, err, "symbol 'mix'", p("two_lib3.ll"), p("two_conflict.bc")),
              f"a symbol defined twice: the symbol and both files ({err.strip()})")
        missing = os.path.join(tmp, "missing.ll")
        rc, out, err = run(bareflow, "--no-cache", p("two_main.bc"), missing, "--")
        check(one_line_error(rc, out, err, missing + ": ", "No such file"), f"a missing module ({err.strip()})")
        binary = os.path.join(tmp, "binary")
        with open(binary, "wb") as f:
            f.write(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)))
        rc, out, err = run(bareflow, "--no-cache", binary)
        check(one_line_error(rc, out, err, binary + ": neither LLVM bitcode nor LLVM IR text"), f"a binary file ({err.strip()})")


def test_export(bareflow, p):
    args = ["exported"]
    with tempfile.TemporaryDirectory(prefix="bareflow-modules.") as tmp:
        for name, modules, native_exe in [("two_main.bc + two_lib3.ll", [p("two_main.bc"), p("two_lib3.ll")], "two3.native"),
                                          ("constant3.ll", [p("constant3.ll")], "constant3.native")]:
            profile, exe = os.path.join(tmp, "profile.json"), os.path.join(tmp, "exe")
            rc, out, err = run(bareflow, "--no-cache", "--profile-out", profile, *modules, "--", *args)
            check(rc == native(p(native_exe), *args)[0], f"{name}: the profiled run")
            e = subprocess.run([bareflow, "export", *modules, "-o", exe, "--profile-from", profile],
                               capture_output=True, text=True, timeout=600)
            check(e.returncode == 0 and os.access(exe, os.X_OK), f"{name}: exported ({e.stderr.strip()[:200]})")
            if e.returncode == 0:
                got = native(exe, *args)
                want = native(p(native_exe), *args)
                check(got == want, f"{name}: the executable prints the native output {want}")
            os.remove(profile)
            if os.path.exists(exe):
                os.remove(exe)
        profile = os.path.join(tmp, "profile.json")
        run(bareflow, "--no-cache", "--profile-out", profile, p("two_main.bc"), p("two_lib3.ll"), "--")
        e = subprocess.run([bareflow, "export", p("two_main.bc"), p("two_lib3.ll"), p("two_conflict.bc"),
                            "-o", os.path.join(tmp, "exe"), "--profile-from", profile], capture_output=True, text=True,
                           timeout=120)
        lines = e.stderr.splitlines()
        check(e.returncode == 1 and len(lines) == 1 and "symbol 'mix' is defined in both" in lines[0] and
              p("two_conflict.bc") in lines[0] and sorted(os.listdir(tmp)) == ["profile.json"],
              f"export: a symbol defined twice, one line, nothing written ({e.stderr.strip()})")


def test_lifecycle(bareflow, p):
    args = []
    want = native(p("two3.native"), *args)
    with tempfile.TemporaryDirectory(prefix="bareflow-modules.") as tmp:
        d = os.path.join(tmp, "state")
        phases = []
        for _ in range(6):
            l = subprocess.run([bareflow, "lifecycle", "--dir", d, "--converge-after", "1", p("two_main.bc"),
                                p("two_lib3.ll"), "--", *args], capture_output=True, text=True, timeout=600)
            check((l.returncode, l.stdout) == want, f"lifecycle boot {len(phases) + 1}: the native link's output")
            with open(os.path.join(d, "lifecycle.jsonl")) as f:
                phases = [json.loads(line)["phase"] for line in f if line.strip()]
            if phases[-1] == "appliance":
                break
        check(phases and phases[-1] == "appliance" and "converged" in phases,
              f"lifecycle: grows, converges and runs the appliance ({phases})")


def main():
    what, bareflow, programs = sys.argv[1:4]
    p = lambda name: os.path.join(programs, name)  # noqa: E731
    {"run": test_run, "export": test_export, "lifecycle": test_lifecycle}[what](bareflow, p)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
