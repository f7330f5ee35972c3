#!/usr/bin/env python3
"""Cold and warm `bareflow run` of the llama app against its native build (-O3), in one run
(the machine is shared: the engines alternate, medians are reported):

  - time to first token: from process start until the first generated text reaches stdout;
  - steady state from the first token: median ms/token over the last quarter of the tokens;
  - convergence: runs 1, 2, 3, ... of one command on one cache, what each compiled, and from
    which run on nothing new is compiled;
  - what loading cached code costs (per MB of code, from the tier log) and the cache's size.

usage: bench_warm.py BUILD_DIR SHARED_DIR [--shapes stories15M,stories42M] [--tokens 256]
                     [--runs 8] [--rounds 3] [--threads 1]"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TIER = re.compile(r"^\[tier\] +\d+\.\d{3}s  (\S.*?) +(?:interp|O[123])->(O[123]) +([\d.]+) ms +(\d+) B(.*)$")


def first_output(cmd):
    """Seconds from the start of CMD until its first byte on stdout, and its total seconds."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    first = None
    while True:
        chunk = os.read(p.stdout.fileno(), 4096)
        if not chunk:
            break
        if first is None and chunk.strip():
            first = time.perf_counter() - t0
    p.wait()
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}")
    return first, time.perf_counter() - t0


def json_run(cmd):
    """The app's JSON (token_ms...) and the stderr (tier log) of one run."""
    p = subprocess.run(cmd, capture_output=True, timeout=600)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr.decode()[-600:]}")
    return json.loads(p.stdout), p.stderr.decode()


def steady_ms(result):
    ms = result["token_ms"]
    return statistics.median(ms[-max(len(ms) // 4, 1):])


def cached_units(err):
    """(ms, bytes) of each unit taken from the cache, by its key."""
    units = {}
    for line in err.splitlines():
        m = TIER.match(line)
        key = re.search(r"\(cache ([0-9a-f]+)\)", line)
        if m and key:
            ms, size = units.get(key.group(1), (float(m.group(3)), 0))
            units[key.group(1)] = (ms, size + int(m.group(4)))
    return units


def compiled(err):
    return [m.group(1) for m in map(TIER.match, err.splitlines()) if m and "(cache " not in m.group(5)]


def main():
    build, shared = sys.argv[1], sys.argv[2]
    opts = dict(zip(sys.argv[3::2], sys.argv[4::2]))
    shapes = opts.get("--shapes", "stories15M,stories42M").split(",")
    tokens, runs, rounds = int(opts.get("--tokens", 256)), int(opts.get("--runs", 8)), int(opts.get("--rounds", 3))
    threads = opts.get("--threads", "1")
    bareflow = os.path.join(build, "bareflow")
    bc = os.path.join(build, "apps", "llama.bc")
    work = os.path.join(build, "bench", "cache")
    os.makedirs(work, exist_ok=True)
    for shape in shapes:
        model = os.path.join(work, f"{shape}.bin")
        if not os.path.exists(model):
            subprocess.run([bareflow, "synth", "--shape", shape, model], check=True, stdout=subprocess.DEVNULL)
        app = ["-m", model, "-z", os.path.join(shared, "models", "tokenizer.bin"), "-p", "Once upon a time",
               "-n", str(tokens), "--temp", "0", "--threads", threads]
        native = [os.path.join(build, "apps", "llama")] + app
        cache = tempfile.mkdtemp(prefix="bench-warm-", dir=work)
        run = [bareflow, "run", "--cache-dir", cache, "--tier-log", bc, "--"] + app
        print(f"== {shape}, {tokens} positions, {threads} thread(s)")

        # Convergence, from a fresh cache; run 1 is the cold run.
        history, quiet_from = [], None
        for n in range(1, runs + 1):
            result, err = json_run(run + ["--json"])
            new = compiled(err)
            history.append((n, len(new), len(cached_units(err)), steady_ms(result)))
            if not new and quiet_from is None:
                quiet_from = n
            if new:
                quiet_from = None
        cold_steady = history[0][3]
        for n, new, units, ms in history:
            print(f"run {n}: {new:3d} functions compiled, {units:2d} units from the cache, steady {ms:.3f} ms/token")
        print(f"nothing new compiled from run {quiet_from} on" if quiet_from else f"still compiling at run {runs}")

        # Warm against native, interleaved.
        ttft = {"native": [], "warm": []}
        steady = {"native": [], "warm": []}
        link = []
        for _ in range(rounds):
            for name, cmd in [("native", native), ("warm", run)]:
                first, _ = first_output(cmd)
                ttft[name].append(first)
                result, err = json_run(cmd + ["--json"])
                steady[name].append(steady_ms(result))
                if name == "warm":
                    link.append(cached_units(err))
        t_native, t_warm = statistics.median(ttft["native"]), statistics.median(ttft["warm"])
        s_native, s_warm = statistics.median(steady["native"]), statistics.median(steady["warm"])
        print(f"time to first token: native {t_native * 1e3:.1f} ms, warm {t_warm * 1e3:.1f} ms "
              f"({t_warm / t_native:.2f}x native; target <= 1.2x)")
        print(f"steady state: native {s_native:.3f} ms/token, warm {s_warm:.3f} ({s_native / s_warm:.2f}x native's speed), "
              f"cold run's end {cold_steady:.3f} ({cold_steady / s_warm:.2f}x: warm/cold-end speed, target >= 1)")
        units = link[-1]
        total_ms, total_bytes = sum(ms for ms, _ in units.values()), sum(b for _, b in units.values())
        if total_bytes:
            print(f"loading cached code: {len(units)} units, {total_bytes} B of functions, {total_ms:.1f} ms "
                  f"({total_ms / (total_bytes / 1e6):.1f} ms per MB)")
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(cache) for f in fs)
        print(f"cache on disk: {size / 1024:.0f} KiB")
        shutil.rmtree(cache)


if __name__ == "__main__":
    main()
