#!/usr/bin/env python3
"""Runs gcc's own torture tests under `bareflow run` and prints pass rates by category.

The programs come from Debian's gcc-12-source package (its gcc source tarball, read in place
and extracted to a temporary folder): gcc.c-torture/execute (C programs that abort() when a
result is wrong) and the `dg-do run` tests of g++.dg/torture. Each is built with clang-19
natively and as bitcode at every -O level asked for; what the native build cannot compile or
run (gcc extensions, other targets) is left out, and the rest make the native build's rate.
Each bitcode file then runs under every tier asked for and is classified against the native
run: pass, refused (bareflow's one-line refusal, grouped by its construct), wrong (other output
or exit status, abort() included), crash (a signal), timeout.

usage: gcc_torture.py [--bareflow build/bareflow] [--source TARBALL] [--suite c,cxx]
                      [--opt O0,O2] [--tier interp,auto,O2] [--list FILE] [--jobs N]
                      [--timeout S] [--work DIR] [--details] [--require-pass]

--list FILE runs only the tests named in FILE (one `c/NAME.c` or `cxx/NAME.C` per line, `#`
comments); --require-pass exits 1 unless every one of them that the native build runs passes
in every tier (the CI subset, tests/vm/gcc_torture_ci.txt). --work DIR keeps the extracted
sources and builds in DIR instead of a temporary folder.
"""
import argparse
import collections
import concurrent.futures
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

SUITES = {  # suite -> (folder in the tarball, source pattern, compiler)
    "c": ("gcc/testsuite/gcc.c-torture/execute", "*.c", "clang-19"),
    "cxx": ("gcc/testsuite/g++.dg/torture", "*.C", "clang++-19"),
}
# gcc takes the old C these tests are written in (implicit int and declarations) with warnings.
C_LENIENT = ["-Wno-error=implicit-int", "-Wno-error=implicit-function-declaration",
             "-Wno-error=int-conversion", "-Wno-error=incompatible-pointer-types",
             "-Wno-error=return-type"]
# Options a test asks for (dg-options) that clang understands and that change its meaning.
KEPT_OPTIONS = re.compile(r"^(-fwrapv|-fgnu89-inline|-std=\S+|-fno-strict-overflow|-fno-inline|-fno-builtin)$")


def find_tarball():
    found = sorted(glob.glob("/usr/src/gcc-12/gcc-12*.tar.xz"))
    return found[0] if found else None


def extract(tarball, work):
    top = subprocess.run(["tar", "-tJf", tarball], capture_output=True, text=True, check=True)
    root = top.stdout.split("/", 1)[0]
    patterns = [f"{root}/{folder}/*" for folder, _, _ in SUITES.values()]
    subprocess.run(["tar", "-xJf", tarball, "-C", work, "--wildcards"] + patterns, check=True)
    return os.path.join(work, root)


def test_options(src):
    """The untargeted dg-options of a test that clang takes, and whether it is a run test."""
    with open(src, errors="replace") as f:
        text = f.read()
    opts = []
    for m in re.finditer(r"\{\s*dg-(?:additional-)?options\s+(?:\"([^\"]*)\"|\{([^}]*)\})\s*\}", text):
        text_opts = m.group(1) if m.group(1) is not None else m.group(2) or ""
        opts += [o for o in text_opts.split() if KEPT_OPTIONS.match(o)]
    return opts, re.search(r"\{\s*dg-do\s+run", text) is not None


def run(cmd, timeout):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                           timeout=timeout)
        return p.returncode, p.stdout, p.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return None, b"", ""


def refusal_construct(line):
    """The construct of a refusal line, without file, function and value names."""
    line = re.sub(r"^bareflow: [^:]*: ", "", line)
    line = re.sub(r"'[^']*'", "'…'", line)
    line = re.sub(r"\"[^\"]*\"", "\"…\"", line)
    line = re.sub(r"@[\w.$]+", "@…", line)
    line = re.sub(r"\b\d+\b", "N", line)
    return line[:110]


def classify(rc, out, err, want_out):
    if rc is None:
        return "timeout", ""
    first = err.strip().splitlines()[0] if err.strip() else ""
    if rc == 1 and first.startswith("bareflow: ") and out == b"":
        return "refused", refusal_construct(first)
    if rc == 0 and out == want_out:
        return "pass", ""
    if rc == -signal.SIGABRT or rc == 134:
        return "wrong", "abort()"
    if rc < 0 or rc > 128:
        sig = -rc if rc < 0 else rc - 128
        return "crash", signal.Signals(sig).name if sig in signal.valid_signals() else f"signal {sig}"
    return "wrong", f"exit {rc}" if rc else "other output"


class Test:
    def __init__(self, suite, src, root):
        self.suite, self.src = suite, src
        self.name = f"{suite}/{os.path.basename(src)}"
        self.results = {}  # (opt, tier) -> (class, detail, stderr's first line)
        self.native = {}   # opt -> None (ran) or why it is left out


def built(path):
    """A build that a kept --work folder already has (sources there never change)."""
    return subprocess.CompletedProcess([], 0) if os.path.exists(path) else None


def build_and_run(test, args, build_dir):
    folder, _, compiler = SUITES[test.suite]
    opts, is_run = test_options(test.src)
    if test.suite == "cxx" and not is_run:
        return test
    stem = os.path.join(build_dir, test.suite + "_" + os.path.splitext(os.path.basename(test.src))[0])
    common = ["-w", "-fno-color-diagnostics"] + (C_LENIENT if test.suite == "c" else []) + opts
    for opt in args.opt:
        exe, bc = f"{stem}.{opt}.native", f"{stem}.{opt}.bc"
        c = built(exe) or subprocess.run([compiler, f"-{opt}"] + common + [test.src, "-o", exe, "-lm"],
                                         capture_output=True)
        if c.returncode:
            test.native[opt] = "does not compile"
            continue
        rc, want_out, _ = run([exe], args.timeout)
        if rc != 0:
            test.native[opt] = "native run fails" if rc is not None else "native run times out"
            continue
        c = built(bc) or subprocess.run([compiler, f"-{opt}"] + common + ["-emit-llvm", "-c", test.src, "-o", bc],
                                        capture_output=True)
        if c.returncode:
            test.native[opt] = "no bitcode"
            continue
        test.native[opt] = None
        for tier in args.tier:
            rc, out, err = run([args.bareflow, "run", f"--tier={tier}", "--no-cache", bc], args.timeout * 3)
            cls, detail = classify(rc, out, err, want_out)
            first = err.strip().splitlines()[0] if err.strip() else ""
            test.results[(opt, tier)] = (cls, detail, first)
    return test


def report(tests, args):
    runs = [t for t in tests if any(v is None for v in t.native.values())]
    print(f"{len(tests)} tests; the native build runs {len(runs)} at some -O level")
    for opt in args.opt:
        built = [t for t in tests if opt in t.native]
        ok = [t for t in built if t.native[opt] is None]
        print(f"  native -{opt}: {len(ok)} of {len(built)} compile and exit 0 "
              f"({100.0 * len(ok) / max(1, len(built)):.1f}%)")
    print()
    classes = ["pass", "refused", "wrong", "crash", "timeout"]
    print(f"{'suite':5} {'opt':3} {'tier':6} {'runs':>5} " + " ".join(f"{c:>8}" for c in classes) + "   pass%")
    for suite in args.suite:
        for opt in args.opt:
            for tier in args.tier:
                res = [t.results[(opt, tier)] for t in tests if t.suite == suite and (opt, tier) in t.results]
                if not res:
                    continue
                n = collections.Counter(r[0] for r in res)
                print(f"{suite:5} {opt:3} {tier:6} {len(res):5} " + " ".join(f"{n[c]:8}" for c in classes) +
                      f"   {100.0 * n['pass'] / len(res):5.1f}")
    cats = collections.Counter()
    where = collections.defaultdict(list)
    for t in tests:
        for (opt, tier), (cls, detail, _) in t.results.items():
            if cls != "pass":
                key = (cls, detail)
                cats[key] += 1
                where[key].append(f"{t.name}@{opt}/{tier}")
    if cats:
        print("\nnot passing, by category (runs: class, construct or symptom; examples)")
        for (cls, detail), n in cats.most_common():
            ex = sorted(set(w.split("@")[0] for w in where[(cls, detail)]))
            print(f"{n:5}  {cls:8} {detail}\n         e.g. {' '.join(ex[:4])}")
    if args.details:
        print("\nevery run that did not pass:")
        for t in tests:
            for (opt, tier), (cls, detail, first) in sorted(t.results.items()):
                if cls != "pass":
                    print(f"  {t.name} -{opt} {tier}: {cls} {detail} | {first[:200]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bareflow", default="build/bareflow")
    ap.add_argument("--source", default=None, help="gcc source tarball (default: Debian's gcc-12-source)")
    ap.add_argument("--suite", default="c,cxx")
    ap.add_argument("--opt", default="O0,O2")
    ap.add_argument("--tier", default="interp,auto,O2")
    ap.add_argument("--list", default=None)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds for a native run (bitcode: 3x)")
    ap.add_argument("--work", default=None)
    ap.add_argument("--details", action="store_true")
    ap.add_argument("--require-pass", action="store_true")
    args = ap.parse_args()
    args.suite, args.opt, args.tier = args.suite.split(","), args.opt.split(","), args.tier.split(",")
    tarball = args.source or find_tarball()
    if not tarball or not os.path.exists(tarball):
        print("gcc_torture.py: no gcc source tarball: install Debian's gcc-12-source "
              "(/usr/src/gcc-12/gcc-12*.tar.xz) or pass --source", file=sys.stderr)
        return 2
    for tool in [args.bareflow] + [SUITES[s][2] for s in args.suite]:
        if not shutil.which(tool):
            print(f"gcc_torture.py: {tool} not found", file=sys.stderr)
            return 2
    args.bareflow = os.path.abspath(shutil.which(args.bareflow))
    wanted = None
    if args.list:
        with open(args.list) as f:
            wanted = {l.split("#")[0].strip() for l in f} - {""}
    tmp = None
    work = args.work
    if work is None:
        tmp = tempfile.TemporaryDirectory(prefix="bf-torture-")
        work = tmp.name
    try:
        os.makedirs(work, exist_ok=True)
        root = os.path.join(work, os.path.basename(tarball).split("-dfsg")[0].replace(".tar.xz", ""))
        if not os.path.isdir(root):
            root = extract(tarball, work)
        build_dir = os.path.join(work, "build")
        os.makedirs(build_dir, exist_ok=True)
        tests = []
        for suite in args.suite:
            folder, pattern, _ = SUITES[suite]
            for src in sorted(glob.glob(os.path.join(root, folder, pattern))):
                t = Test(suite, src, root)
                if wanted is None or t.name in wanted:
                    tests.append(t)
        if wanted is not None and len(tests) != len(wanted):
            missing = wanted - {t.name for t in tests}
            print(f"gcc_torture.py: not in the tarball: {' '.join(sorted(missing))}", file=sys.stderr)
            return 2
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            tests = list(pool.map(lambda t: build_and_run(t, args, build_dir), tests))
        tests = [t for t in tests if t.native]
        report(tests, args)
        if args.require_pass:
            bad = [t.name for t in tests for r in t.results.values() if r[0] != "pass"]
            gone = [t.name for t in tests if not t.results]
            if gone:
                print(f"the native build no longer runs: {' '.join(gone)}")
            passed = sum(1 for t in tests for r in t.results.values() if r[0] == "pass")
            print(f"{passed} passed, {len(bad)} failed")
            return 1 if bad or gone else 0
        return 0
    finally:
        if tmp:
            tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
