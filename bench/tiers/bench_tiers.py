#!/usr/bin/env python3
"""Whole-run wall time of small C and C++ benchmark programs (bench/tiers/programs): native -O2
against `bareflow run` under --tier=interp, --tier=auto --no-cache, and a warm run from the code
cache (a first run fills a fresh cache directory, the second is timed). Every program's output
under every engine must equal its native output. Prints one line per program and the
distribution of the ratios: median, p90 and max of auto/native, auto/interp, warm/native, and
the five worst programs by auto/interp and by auto/native.

The four runs of one program follow each other within a round, so that the ratios of a program
compare runs made under the same load; with --rounds N each figure is the fastest of N rounds
(load from other processes only adds time). Beside the wall time, the CPU time of each process
(user + system, all threads: the compiler thread's work included) is summarised the same way: on
a loaded machine it is the steadier figure.

--check runs each program natively and under auto only, compares their outputs and times
nothing (the test jit.bench_tiers_outputs).

--compare BAREFLOW runs another build's auto in the same rounds ("base": before a change).

usage: bench_tiers.py BUILD_DIR [--scale N] [--rounds N] [--only a,b] [--skip-warm]
                      [--jit-param NAME=VALUE ...] [--json FILE] [--check] [--compare BAREFLOW]"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.join(HERE, "programs")
# -ffp-contract=off: the JIT targets the host CPU (FMA), the native build does not; no engine
# may fuse what another does not, so that outputs compare exactly.
C_FLAGS = ["-O2", "-w", "-ffp-contract=off"]
CXX_FLAGS = C_FLAGS + ["-std=c++20", "-fno-exceptions", "-fno-rtti"]
TIMEOUT = 600


def build(src, work):
    name, ext = os.path.splitext(os.path.basename(src))
    cc, flags = ("clang++-19", CXX_FLAGS) if ext == ".cpp" else ("clang-19", C_FLAGS)
    native, bc = os.path.join(work, name), os.path.join(work, name + ".bc")
    for out, extra in ((native, ["-lm"]), (bc, ["-emit-llvm", "-c"])):
        if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
            subprocess.run([cc, *flags, src, "-o", out, *extra], check=True)
    return name, native, bc


class Run:
    """One finished process: wall and CPU seconds (user + system, every thread), output, status."""

    def __init__(self, cmd):
        t0 = time.perf_counter()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            p = subprocess.Popen(cmd, stdout=out, stderr=err)
            try:
                _, status, usage = os.wait4(p.pid, 0)
            except BaseException:
                p.kill()
                raise
            p.returncode = os.waitstatus_to_exitcode(status)
            self.wall = time.perf_counter() - t0
            self.cpu = usage.ru_utime + usage.ru_stime
            self.returncode = p.returncode
            out.seek(0), err.seek(0)
            self.stdout, self.stderr = out.read(), err.read()


def percentile(values, q):
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q * len(s) + 0.5)) - 1))]


def measure(name, native, bc, args):
    bareflow = os.path.join(args.build, "bareflow")
    params = [a for p in args.jit_param for a in ("--jit-param", p)]
    scale = [str(args.scale)]
    wall = {k: [] for k in ("native", "interp", "auto", "warm", "base")}
    cpu = {k: [] for k in wall}
    problems = []
    for _ in range(args.rounds):
        r = Run([native, *scale])
        expected = r.stdout
        wall["native"].append(r.wall), cpu["native"].append(r.cpu)
        runs = [("interp", bareflow, ["--tier=interp", "--no-cache"]), ("auto", bareflow, ["--tier=auto", "--no-cache", *params])]
        if args.compare:
            runs.append(("base", args.compare, ["--tier=auto", "--no-cache", *params]))
        with tempfile.TemporaryDirectory(prefix="bench_tiers.") as cache:
            if not args.skip_warm:
                # The first cached run fills the cache; the second starts from it.
                Run([bareflow, "run", "--cache-dir", cache, *params, bc, "--", *scale])
                runs.append(("warm", bareflow, ["--cache-dir", cache, *params]))
            for mode, binary, flags in runs:
                r = Run([binary, "run", *flags, bc, "--", *scale])
                if r.returncode != 0 or r.stdout != expected:
                    problems.append(f"{mode}: exit {r.returncode}, output {'differs' if r.stdout != expected else 'same'}: "
                                    f"{r.stderr.decode(errors='replace').strip()[:200]}")
                wall[mode].append(r.wall), cpu[mode].append(r.cpu)
    # The fastest of the rounds: load from other processes only ever adds time.
    return ({k: min(v) for k, v in wall.items() if v}, {k: min(v) for k, v in cpu.items() if v}), problems


def check(sources, work, args):
    """Each program under auto against its native output; exit status 1 on any difference."""
    bareflow = os.path.join(args.build, "bareflow")
    params = [a for p in args.jit_param for a in ("--jit-param", p)]
    wrong = 0
    for src in sources:
        name, native, bc = build(os.path.join(PROGRAMS, src), work)
        expected = Run([native, str(args.scale)])
        got = Run([bareflow, "run", "--tier=auto", "--no-cache", "--tier-log", *params, bc, "--", str(args.scale)])
        ok = expected.returncode == 0 and got.returncode == 0 and got.stdout == expected.stdout
        tier_ups = got.stderr.decode(errors="replace").count("[tier]")
        print(f"{name}: {'same output' if ok else 'WRONG'} ({tier_ups} tier-ups)")
        if not ok:
            wrong += 1
            print(f"  native exit {expected.returncode}: {expected.stdout[:200]!r}\n"
                  f"  auto exit {got.returncode}: {got.stdout[:200]!r}\n  {got.stderr.decode(errors='replace')[-600:]}")
    return 1 if wrong else 0


def summary(label, values):
    return (f"{label:14s} median {statistics.median(values):6.2f}x   p90 {percentile(values, 0.9):6.2f}x   "
            f"max {max(values):6.2f}x")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("build")
    ap.add_argument("--scale", type=int, default=1, help="work per program (1: about 0.2-1 s natively)")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--only", default="", help="comma-separated program names")
    ap.add_argument("--skip-warm", action="store_true", help="no cached runs")
    ap.add_argument("--jit-param", action="append", default=[], help="passed to the auto and warm runs")
    ap.add_argument("--json", help="write the figures there")
    ap.add_argument("--check", action="store_true", help="outputs of native and auto only, no timing")
    ap.add_argument("--compare", metavar="BAREFLOW", help="another bareflow whose auto runs in the same rounds (before/after)")
    args = ap.parse_args()
    work = os.path.join(args.build, "bench", "tiers")
    os.makedirs(work, exist_ok=True)
    only = set(filter(None, args.only.split(",")))
    sources = sorted(f for f in os.listdir(PROGRAMS) if f.endswith((".c", ".cpp")))
    sources = [s for s in sources if not only or os.path.splitext(s)[0] in only]

    if args.check:
        return check(sources, work, args)
    rows, cpu_rows, failures = {}, {}, {}
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'program':18s} {'native s':>9s} {'interp':>8s} {'auto':>8s} {'warm':>8s} {'auto/interp':>12s}"
          f" {'cpu: auto/nat':>14s} {'auto/interp':>12s}")
    for src in sources:
        name, native, bc = build(os.path.join(PROGRAMS, src), work)
        (t, c), problems = measure(name, native, bc, args)
        rows[name], cpu_rows[name] = t, c
        if problems:
            failures[name] = problems
        warm = f"{t['warm'] / t['native']:7.2f}x" if "warm" in t else "       -"
        print(f"{name:18s} {t['native']:9.3f} {t['interp'] / t['native']:7.2f}x {t['auto'] / t['native']:7.2f}x "
              f"{warm} {t['auto'] / t['interp']:11.2f}x {c['auto'] / c['native']:13.2f}x {c['auto'] / c['interp']:11.2f}x"
              f"{'  WRONG' if problems else ''}", flush=True)

    def ratio(table, a, b):
        return {n: t[a] / t[b] for n, t in table.items() if a in t}

    for label, table in (("wall time", rows), ("CPU time (user + system)", cpu_rows)):
        auto_native, auto_interp = ratio(table, "auto", "native"), ratio(table, "auto", "interp")
        print(f"\n== {len(table)} programs, scale {args.scale}, {args.rounds} round(s), whole process, {label} ==")
        print(summary("interp/native", ratio(table, "interp", "native").values()))
        print(summary("auto/native", auto_native.values()))
        print(summary("auto/interp", auto_interp.values()))
        warm_native = ratio(table, "warm", "native")
        if warm_native:
            print(summary("warm/native", warm_native.values()))
        if args.compare:
            print(summary("base/native", ratio(table, "base", "native").values()))
            print(summary("base/interp", ratio(table, "base", "interp").values()))
            print(summary("auto/base", ratio(table, "auto", "base").values()))
        for what, r in (("auto/interp", auto_interp), ("auto/native", auto_native)):
            worst = sorted(r, key=r.get, reverse=True)[:5]
            print(f"worst {what}: " + ", ".join(f"{n} {r[n]:.2f}x" for n in worst))
        slower = [n for n, v in auto_interp.items() if v > 1.05]
        # Programs of at least 0.5 s natively, by this table's measure (CPU time does not grow
        # with the load of other processes as wall time does).
        over = [n for n, v in auto_native.items() if v > 2 and table[n]["native"] >= 0.5]
        print(f"auto > 1.05x interp: {len(slower)} {' '.join(slower)}")
        print(f"auto > 2x native (native >= 0.5 s): {len(over)} {' '.join(over)}")
    print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, problems in failures.items():
        for p in problems:
            print(f"WRONG {name}: {p}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"scale": args.scale, "rounds": args.rounds, "wall": rows, "cpu": cpu_rows, "failures": failures},
                      f, indent=1)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
