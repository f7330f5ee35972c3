#!/usr/bin/env python3
"""The lifecycle on a synthetic stories15M-shape checkpoint: the Linux loop (`bareflow lifecycle`)
or, with --image, an image of `bareflow image --grow` booted under QEMU (TCG: slow, a quarter of an
hour or more), each until the appliance has run `--appliance-runs` times; every run must print
the text of the first (greedy). Prints the journal's table (`--show`), the plot's path and the
sizes; the image is then shrunk (`--shrink-disk`) and booted once more. Not run by CTest.

usage: bench_lifecycle.py BUILD_DIR SHARED_DIR [--image] [--shape stories15M] [--tokens N]
                          [--converge-after K] [--appliance-runs N] [--keep DIR]"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def option(args, name, default):
    return type(default)(args[args.index(name) + 1]) if name in args else default


def run_once(argv, label, first):
    """Runs one boot or invocation; returns its stdout, which must be `first`'s when given."""
    start = time.monotonic()
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - start
    if p.returncode != 0:
        sys.exit(f"{label}: exit {p.returncode}: {p.stderr[-800:]}")
    if first is not None and p.stdout != first:
        sys.exit(f"{label}: printed {p.stdout!r}, the first run {first!r}")
    return p.stdout, wall


def last_phase(bareflow, state):
    p = subprocess.run([bareflow, "lifecycle", "--show", state, "--svg", os.devnull], stdout=subprocess.PIPE, text=True)
    rows = [line.split() for line in p.stdout.splitlines() if line.split() and line.split()[0].isdigit()]
    return rows[-1][1] if rows else "?"


def until_appliance(bareflow, argv, state, appliance_runs):
    first, seen = None, 0
    for run in range(1, 50):
        out, wall = run_once(argv, f"run {run}", first)
        first = first or out
        phase = last_phase(bareflow, state)
        print(f"run {run}: {phase}, {wall:.2f} s wall, the first run's text", flush=True)
        seen += phase == "appliance"
        if seen >= appliance_runs:
            return first
    sys.exit("no appliance after 49 runs")


def show(bareflow, state, svg, title):
    p = subprocess.run([bareflow, "lifecycle", "--show", state, "--svg", svg], stdout=subprocess.PIPE, text=True)
    print(f"\n{title}, load average {os.getloadavg()[0]:.2f}")
    print(p.stdout, end="")


def main():
    build, shared = sys.argv[1:3]
    args = sys.argv[3:]
    shape = option(args, "--shape", "stories15M")
    tokens = option(args, "--tokens", 32)
    converge_after = option(args, "--converge-after", 2)
    appliance_runs = option(args, "--appliance-runs", 2)
    keep = option(args, "--keep", "")
    bareflow = os.path.join(build, "bareflow")
    llama_bc = os.path.join(build, "apps", "llama.bc")
    model = os.path.join(build, "bench", "lifecycle", f"{shape}.bin")
    if not os.path.exists(model):
        os.makedirs(os.path.dirname(model), exist_ok=True)
        subprocess.run([bareflow, "synth", "--shape", shape, model], check=True, stdout=subprocess.DEVNULL)
    tokenizer = os.path.join(shared, "models", "tokenizer.bin")
    tmp = tempfile.mkdtemp(prefix="bareflow-bench-lifecycle.")
    out = keep or tmp
    os.makedirs(out, exist_ok=True)
    title = f"{shape}, {tokens} tokens, K={converge_after}"
    app = ["-p", "Once upon a time", "-n", str(tokens), "--temp", "0"]  # text: tokens as they come
    try:
        if "--image" not in args:
            state = os.path.join(out, "state")
            until_appliance(bareflow, [bareflow, "lifecycle", "--dir", state, "--converge-after", str(converge_after),
                                       llama_bc, "--", "-m", model, "-z", tokenizer] + app, state, appliance_runs)
            show(bareflow, state, os.path.join(out, "lifecycle.svg"), f"{title}, Linux loop")
            sizes = {n: os.path.getsize(os.path.join(state, n)) for n in os.listdir(state) if n.startswith("appliance-")}
            cache = sum(os.path.getsize(os.path.join(r, n)) for r, _, ns in os.walk(os.path.join(state, "cache"))
                        for n in ns)
            print(f"appliance {sizes}, cache {cache} bytes, bitcode {os.path.getsize(llama_bc)} bytes, bareflow "
                  f"{os.path.getsize(bareflow)} bytes")
            return
        disk = os.path.join(tmp, "disk")
        os.mkdir(disk)
        for f in (model, tokenizer):
            shutil.copy(f, disk)
        image = os.path.join(out, "flow.img")
        subprocess.run([bareflow, "image", "--grow", "-o", image, "--disk", disk, "--converge-after",
                        str(converge_after), "--", llama_bc, "-m", os.path.basename(model), "-z", "tokenizer.bin"] + app,
                       check=True)
        grown = os.path.getsize(image)
        first = until_appliance(bareflow, [bareflow, "boot", "--image", image], image, appliance_runs)
        show(bareflow, image, image + ".svg", f"{title}, image under TCG")
        subprocess.run([bareflow, "image", "--shrink-disk", image], check=True)
        _, wall = run_once([bareflow, "boot", "--image", image], "the shrunk image's boot", first)
        show(bareflow, image, image + ".svg", f"after --shrink-disk ({wall:.1f} s wall)")
        print(f"image {grown} bytes as written, {os.path.getsize(image)} bytes shrunk")
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
