#!/usr/bin/env python3
"""Per-token speed of the llama app under the JIT tiers against the native -O3 build, measured
in the same run, interleaved (the machine is shared, so rounds alternate engines and medians
are reported).

usage: bench_jit.py BUILD_DIR SHARED_DIR [--rounds N] [--steps N] [--shape stories42M]

The default is the stories42M shape at 1024 positions: on a fast machine a stories15M run (256
positions at most) ends before the warm-up does, so its second half is not a steady state.

Engines: native -O3, auto, auto without the profile (pgo=0), whole-module O3.
For each engine: steady-state ms/token (median over the second half of the positions, the same
positions for every engine), its speed as a ratio of native, and for `auto` the time from process
start until a 5-token median reaches 95% of auto's steady-state speed, with the tier-ups
(--tier-log) on the same time axis."""
import json
import os
import re
import statistics
import subprocess
import sys
import time


def run(cmd):
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    except subprocess.TimeoutExpired:
        print(f"hung (killed after 120 s): {' '.join(cmd)}")
        return None
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr.decode()[-800:]}")
    return json.loads(p.stdout), p.stderr.decode(), wall


def main():
    build, shared = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    rounds, steps, shape = 3, 1024, "stories42M"
    for i, a in enumerate(args):
        if a == "--rounds": rounds = int(args[i + 1])
        if a == "--steps": steps = int(args[i + 1])
        if a == "--shape": shape = args[i + 1]
    bareflow = os.path.join(build, "bareflow")
    model = os.path.join(build, "bench", "jit", f"{shape}.bin")
    if not os.path.exists(model):
        os.makedirs(os.path.dirname(model), exist_ok=True)
        subprocess.run([bareflow, "synth", "--shape", shape, model], check=True, stdout=subprocess.DEVNULL)
    app = ["-m", model, "-z", os.path.join(shared, "models", "tokenizer.bin"), "-p", "Once upon a time",
           "-c", str(steps), "-n", "-1", "--temp", "0", "-t", "2", "--json"]  # steps positions
    engines = {
        "native -O3": [os.path.join(build, "apps", "llama")] + app,
        "auto": [bareflow, "run", "--no-cache", "--tier=auto", "--tier-log", os.path.join(build, "apps", "llama.bc"), "--"] + app,
        "O3": [bareflow, "run", "--no-cache", "--tier=O3", os.path.join(build, "apps", "llama.bc"), "--"] + app,
        # What the profile buys: the same tiering without !prof.
        "auto pgo=0": [bareflow, "run", "--no-cache", "--tier=auto", "--jit-param", "pgo=0", os.path.join(build, "apps", "llama.bc"), "--"] + app,
    }
    results = {name: [] for name in engines}
    for r in range(rounds):
        for name, cmd in engines.items():
            r = run(cmd)
            if r:
                results[name].append(r)
    tokens = None
    steady, best = {}, {}
    for name, runs in results.items():
        values, fastest = [], []
        for out, _, _ in runs:
            t = out["token_ms"]
            if tokens and out["generated_tokens"] != tokens:
                sys.exit(f"{name}: tokens differ from the native run")
            tokens = tokens or out["generated_tokens"]
            values.append(statistics.median(t[len(t) // 2:]))
            fastest.append(min(t[len(t) // 2:]))
        steady[name] = statistics.median(values)
        best[name] = statistics.median(fastest)  # the fastest token: robust to a busy machine
    base = steady["native -O3"]
    print(f"{shape}, {steps} positions, {rounds} rounds, 2 threads; steady state = median ms/token "
          f"over positions {steps // 2}..{steps}")
    print(f"{'engine':<12} {'ms/token':>9} {'speed vs native':>16} {'fastest token':>14} {'vs native':>10}")
    for name in engines:
        print(f"{name:<12} {steady[name]:9.3f} {base / steady[name]:15.3f}x {best[name]:14.3f} "
              f"{best['native -O3'] / best[name]:9.3f}x")
    print(f"profile-guided tiers: auto is {steady['auto pgo=0'] / steady['auto']:.3f}x the speed of auto without !prof")
    # Warm-up of auto: its first round's timeline.
    for out, err, wall in results["auto"][:1]:
        t = out["token_ms"]
        end_of_tokens = wall
        starts = []
        acc = wall
        for ms in reversed(t):
            acc -= ms / 1000
            starts.append(acc)
        starts.reverse()
        target = steady["auto"] / 0.95
        reached = None
        for i in range(len(t) - 4):
            if statistics.median(t[i:i + 5]) <= target:
                reached = starts[i]
                break
        print(f"auto: 95% of steady-state speed reached at {reached:.3f} s after process start"
              if reached is not None else "auto: never reached 95% of its steady state")
        print("tier-ups (s since the JIT started, about the process start):")
        for line in err.splitlines():
            if line.startswith("[tier]"):
                print("  " + re.sub(r"\s+", " ", line[6:].strip()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
