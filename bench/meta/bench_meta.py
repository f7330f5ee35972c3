#!/usr/bin/env python3
"""llama.bc's speed with bareflow.bc between it and bareflow (docs/meta-circular.md): tokens per
second at each level and tier mix, against native tier 0 (`bareflow run --tier=interp llama.bc`),
native auto and the native engine (apps/llama), stories260K greedy, the code cache off.

Each configuration runs once per round, the rounds one after the other so that the ratios of a
round compare runs made under the same load; each figure is the best of the rounds. Printed per
configuration: the whole run's tok/s, the steady state (the median of the last half of the
per-token times), the wall and CPU time of the process, and the steady-state ratio to native
tier 0. With --perf, the outer-auto/inner-interp run is sampled (perf record, cpu-clock) and
its samples split between code the outer JIT compiled from bareflow.bc, the native bareflow,
and the rest (libc, libffi, the inner JIT's code of llama.bc).

usage: bench_meta.py BUILD_DIR SHARED_DIR [--tokens N] [--rounds N] [--perf]"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

# name, levels' tiers (outermost first); () is the native engine.
CONFIGS = [
    ("native engine", ()),
    ("native tier 0", ("interp",)),
    ("native auto", ("auto",)),
    ("2 levels interp/interp", ("interp", "interp")),
    ("2 levels auto/interp", ("auto", "interp")),
    ("2 levels interp/auto", ("interp", "auto")),
    ("2 levels auto/auto", ("auto", "auto")),
    ("3 levels interp/interp/interp", ("interp", "interp", "interp")),
]


def command(build, shared, tiers, tokens, extra_outer=()):
    models = os.path.join(shared, "models")
    app = ["-m", os.path.join(models, "stories260K.bin"), "-z", os.path.join(models, "tok512.bin"), "-p", "",
           "-n", str(tokens), "--temp", "0", "-t", "2", "--json"]
    if not tiers:
        return [os.path.join(build, "apps", "llama")] + app
    cmd = [os.path.join(build, "bareflow")]
    for level, tier in enumerate(tiers):
        last = level == len(tiers) - 1
        program = os.path.join(build, "apps", "llama.bc" if last else "bareflow.bc")
        cmd += ["run", f"--tier={tier}", "--no-cache"] + (list(extra_outer) if level == 0 else []) + [program, "--"]
    return cmd + app


def measure(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=1800)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr[-800:]}")
    out = json.loads(p.stdout)
    ms = out["token_ms"]
    steady = statistics.median(ms[len(ms) // 2:])
    return {"tokens": out["generated_tokens"], "tok_s": out["tok_per_s"], "steady_tok_s": 1000 / steady,
            "wall": wall, "cpu": cpu}


def perf_split(build, shared, tokens):
    """Samples of the outer-auto/inner-interp run by where they fall."""
    maps_before = {n for n in os.listdir("/tmp") if n.startswith("perf-") and n.endswith(".map")}
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "perf.data")
        cmd = command(build, shared, ("auto", "interp"), tokens, extra_outer=("--perf-map",))
        subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "999", "-o", data, "--"] + cmd,
                       stdin=subprocess.DEVNULL, capture_output=True, check=True, timeout=1800)
        report = subprocess.run(["perf", "report", "-i", data, "--stdio", "--sort", "dso,sym", "--percent-limit", "0",
                                 "-q"], capture_output=True, text=True, check=True).stdout
    # The outer's perf map (--perf-map writes /tmp/perf-PID.map), which perf report has read.
    for n in {n for n in os.listdir("/tmp") if n.startswith("perf-") and n.endswith(".map")} - maps_before:
        os.remove(os.path.join("/tmp", n))
    split = {"compiled bareflow.bc (outer JIT)": 0.0, "native bareflow": 0.0, "other": 0.0}
    top = []
    for line in report.splitlines():
        f = line.split()
        if len(f) < 4 or not f[0].endswith("%"):
            continue
        # "share dso [.] symbol"; the JIT's rows have the thread between dso and "[.]".
        share, dso = float(f[0][:-1]), f[1]
        sym = " ".join(f[f.index("[.]") + 1:]) if "[.]" in f else " ".join(f[2:])
        if dso.startswith("perf-") or dso == "[JIT]":
            key = "compiled bareflow.bc (outer JIT)" if sym.startswith("[O") else "other"
        elif dso == "bareflow":
            key = "native bareflow"
        else:
            key = "other"
        split[key] += share
        if len(top) < 12:
            top.append(f"  {share:6.2f}%  {dso}  {sym[:100]}")
    return split, top


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("shared")
    ap.add_argument("--tokens", type=int, default=48)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--perf", action="store_true")
    a = ap.parse_args()
    best = {}
    reference = None
    for _ in range(a.rounds):
        for name, tiers in CONFIGS:
            n = max(2, a.tokens // 16) if len(tiers) == 3 else a.tokens
            r = measure(command(a.build, a.shared, tiers, n))
            want = reference[:n] if reference else None
            if want is not None and r["tokens"] != want:
                raise SystemExit(f"{name}: tokens {r['tokens']} differ from the native engine's {want}")
            if reference is None:
                reference = r["tokens"]
            if name not in best or r["steady_tok_s"] > best[name]["steady_tok_s"]:
                best[name] = r | {"n": n}
    base = best["native tier 0"]["steady_tok_s"]
    print(f"{'configuration':32} {'tokens':>6} {'tok/s':>9} {'steady':>9} {'wall s':>7} {'cpu s':>7} {'vs tier 0':>9}")
    for name, _ in CONFIGS:
        r = best[name]
        print(f"{name:32} {r['n']:6d} {r['tok_s']:9.2f} {r['steady_tok_s']:9.2f} {r['wall']:7.2f} {r['cpu']:7.2f} "
              f"{r['steady_tok_s'] / base:9.3f}")
    if a.perf:
        split, top = perf_split(a.build, a.shared, a.tokens)
        print("\nsamples of 2 levels auto/interp (perf, cpu-clock):")
        for k, v in split.items():
            print(f"  {k:34} {v:6.2f}%")
        print("top symbols:\n" + "\n".join(top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
