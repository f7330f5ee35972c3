#!/usr/bin/env python3
"""The exported llama against the native -O3 build and the JIT's steady state, its size, and how
long export takes, all measured in one run (the machine is shared: rounds interleave the engines
and medians are reported, as ratios).

usage: bench_export.py BUILD_DIR SHARED_DIR [--rounds N] [--shapes stories15M,stories42M,stories110M|none]
                       [--threads 1,2] [--formats fp32,q8]

1. Profile: `bareflow run --profile-out` of the llama app on each shape that step 2 runs, fp32 and
   Q8_0 (a few positions each), then one export with all the profiles: musl, the host's CPU.
   `auto` profiles the run it compiles for; the export's loops likewise need the trip counts of
   the shapes they will run (docs/export.md, "Why `auto` looked faster").
2. Speed: for each shape, format and thread count, the same prompt and positions through
   native -O3 (build/apps/llama), the export (musl), the export with glibc, and `bareflow run
   --tier=auto` (its steady state: the second half of the positions, when the hot code has been
   compiled at O3 with the profile), and `auto` again with its counter poll slowed to once a
   second (`--jit-param poll_us=1000000`; "quiet"): on a busy machine the default poll's 2,000
   wake-ups a second win the process's main thread more of the CPU (docs/export.md), which
   the quiet column shows apart from the code. Steady state = median ms/token over the second half of the
   positions; ratios against native and against auto, and the same ratios of the fastest token
   of the second half (robust to a busy machine, as in bench/jit). The last column says which engines gave
   other greedy tokens than native, from which position: musl's sinf/cosf round differently
   from glibc's in the last bit for about 1% of the rope's angles, which on random weights
   changes a token after a few dozen positions (docs/export.md).
3. Size: the export with musl and with glibc, against bareflow + llama.bc.
4. Export time: `bareflow export` of llama.bc, median of three.
5. Instructions (valgrind --tool=callgrind, stable on a busy machine): native -O3 against the
   export with `--cpu x86-64-v3` (valgrind does not know AVX-512, which the host CPU may have),
   the whole process, stories15M shape, 24 positions, 1 thread. That export is profiled on the
   AVX2 kernel set (BAREFLOW_KERNELS=avx2), the set the engine picks under valgrind: kernels
   that no profiled run executed are compiled cold, for size."""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

POSITIONS = {"stories15M": 256, "stories42M": 512, "stories110M": 256}


def run_json(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=1200)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr.decode()[-800:]}")
    return json.loads(p.stdout)


def instructions(cmd):
    """Instructions the command executes, counted by callgrind."""
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + cmd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=1200)
    for line in p.stderr.decode().splitlines():
        if "Collected :" in line:
            return int(line.split(":")[1])
    sys.exit(f"callgrind failed: {' '.join(cmd)}\n{p.stderr.decode()[-400:]}")


def first_difference(want, got):
    """The first position where two token lists differ (None when they are the same)."""
    for i in range(max(len(want), len(got))):
        if i >= len(want) or i >= len(got) or want[i] != got[i]:
            return i
    return None


def synth(bareflow, build, shape, fmt):
    path = os.path.join(build, "bench", "export", f"{shape}{'_q8' if fmt == 'q8' else ''}.bin")
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        extra = ["--q8"] if fmt == "q8" else []
        subprocess.run([bareflow, "synth", "--shape", shape] + extra + [path], check=True, stdout=subprocess.DEVNULL)
    return path


def timed_export(bareflow, llama_bc, out, profiles, *options):
    cmd = [bareflow, "export", llama_bc, "-o", out] + [a for p in profiles for a in ("--profile-from", p)] + list(options)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main():
    build, shared = sys.argv[1], sys.argv[2]
    opts = dict(zip(sys.argv[3::2], sys.argv[4::2]))
    rounds = int(opts.get("--rounds", 3))
    shapes = [x for x in opts.get("--shapes", "stories15M,stories42M,stories110M").split(",") if x != "none"]
    threads = [int(t) for t in opts.get("--threads", "1,2").split(",")]
    formats = opts.get("--formats", "fp32,q8").split(",")
    bareflow = os.path.join(build, "bareflow")
    llama_bc = os.path.join(build, "apps", "llama.bc")
    native = os.path.join(build, "apps", "llama")
    tokenizer = os.path.join(shared, "models", "tokenizer.bin")
    with tempfile.TemporaryDirectory(prefix="bareflow-bench-export.") as tmp:
        # 1.
        def profile_runs(name, shapes, env=None):
            paths = []
            for shape in shapes:
                for fmt in ("fp32", "q8"):
                    path = os.path.join(tmp, f"profile-{name}-{shape}-{fmt}.json")
                    subprocess.run([bareflow, "run", "--no-cache", "--profile-out", path, llama_bc, "--", "-m",
                                    synth(bareflow, build, shape, fmt), "-z", tokenizer, "-p", "Once upon a time",
                                    "-n", "32", "--temp", "0", "-t", "2"], check=True, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, env=env)
                    paths.append(path)
            return paths

        # The shapes that run below: loops get the trip counts they will have (a stories15M profile
        # alone made the export's stories42M fp32 run take 1.2-1.3x auto's CPU time: docs/export.md).
        profiles = profile_runs("host", shapes or ["stories15M"])
        exported = os.path.join(tmp, "llama-musl")
        export_seconds = [timed_export(bareflow, llama_bc, exported, profiles)]
        exported_glibc = os.path.join(tmp, "llama-glibc")
        timed_export(bareflow, llama_bc, exported_glibc, profiles, "--libc", "glibc")
        # 2.
        print(f"speed: steady state (median ms/token over the second half of the positions), {rounds} rounds "
              f"interleaved; export = musl, host CPU, profiles of {', '.join(shapes or ['stories15M'])} fp32+Q8_0")
        print(f"{'shape':<12} {'format':<5} {'thr':>3} {'native':>8} {'export':>8} {'glibc':>8} {'auto':>8} "
              f"{'quiet':>8} {'export/native':>14} {'glibc/native':>14} {'export/auto':>12} {'export/quiet':>12} "
              f"{'fastest: e/n':>12} {'e/auto':>11} {'e/quiet':>11}  same tokens as native")
        for shape in shapes:
            for fmt in formats:
                model = synth(bareflow, build, shape, fmt)
                for n in threads:
                    app = ["-m", model, "-z", tokenizer, "-p", "Once upon a time", "-n", str(POSITIONS.get(shape, 256)),
                           "--temp", "0", "-t", str(n), "--json"]
                    engines = {"native": [native] + app, "export": [exported] + app,
                               "export glibc": [exported_glibc] + app,
                               "auto": [bareflow, "run", "--tier=auto", llama_bc, "--"] + app,
                               "quiet": [bareflow, "run", "--tier=auto", "--jit-param", "poll_us=1000000", llama_bc,
                                         "--"] + app}
                    steady = {name: [] for name in engines}
                    fastest = {name: [] for name in engines}
                    tokens, differ = None, {}
                    for _ in range(rounds):
                        for name, cmd in engines.items():
                            out = run_json(cmd)
                            tokens = tokens or out["generated_tokens"]
                            d = first_difference(tokens, out["generated_tokens"])
                            if d is not None:
                                differ[name] = min(d, differ.get(name, d))
                            t = out["token_ms"][len(out["token_ms"]) // 2:]
                            steady[name].append(statistics.median(t))
                            fastest[name].append(min(t))
                    ms = {name: statistics.median(v) for name, v in steady.items()}
                    best = {name: statistics.median(v) for name, v in fastest.items()}
                    same = "all" if not differ else ", ".join(f"{k} from {v}" for k, v in differ.items())
                    print(f"{shape:<12} {fmt:<5} {n:>3} {ms['native']:8.3f} {ms['export']:8.3f} "
                          f"{ms['export glibc']:8.3f} {ms['auto']:8.3f} {ms['quiet']:8.3f} "
                          f"{ms['native'] / ms['export']:13.3f}x {ms['native'] / ms['export glibc']:13.3f}x "
                          f"{ms['auto'] / ms['export']:11.3f}x {ms['quiet'] / ms['export']:11.3f}x "
                          f"{best['native'] / best['export']:11.3f}x {best['auto'] / best['export']:10.3f}x "
                          f"{best['quiet'] / best['export']:10.3f}x  {same}", flush=True)
        # 3.
        glibc = exported_glibc
        runtime = os.path.getsize(bareflow) + os.path.getsize(llama_bc)
        print("size:")
        for name, path in (("export, musl", exported), ("export, glibc", glibc),
                           ("native -O3 (dynamic)", native), ("native -O3 static (glibc)", native + "-static")):
            if os.path.exists(path):
                size = os.path.getsize(path)
                print(f"  {name:<26} {size / 1e3:9.1f} KB   bareflow + llama.bc ({runtime / 1e6:.1f} MB) is "
                      f"{runtime / size:.0f}x larger")
        # 4.
        for _ in range(2):
            export_seconds.append(timed_export(bareflow, llama_bc, exported, profiles))
        print(f"export time (llama.bc, musl, host): median {statistics.median(export_seconds):.2f} s "
              f"of {', '.join(f'{s:.2f}' for s in export_seconds)}")
        # 5.
        v3 = os.path.join(tmp, "llama-v3")
        avx2_profiles = profile_runs("avx2", ["stories15M"], dict(os.environ, BAREFLOW_KERNELS="avx2"))
        timed_export(bareflow, llama_bc, v3, avx2_profiles, "--cpu", "x86-64-v3")
        print("instructions (callgrind, whole process, stories15M shape, 24 positions, 1 thread):")
        for fmt in ("fp32", "q8"):
            app = ["-m", synth(bareflow, build, "stories15M", fmt), "-z", tokenizer, "-p", "Once upon a time",
                   "-n", "24", "--temp", "0", "-t", "1"]
            counts = {name: instructions([exe] + app) for name, exe in (("native", native), ("export", v3))}
            print(f"  {fmt:<5} native {counts['native'] / 1e6:8.1f}M  export (x86-64-v3) {counts['export'] / 1e6:8.1f}M"
                  f"  native/export {counts['native'] / counts['export']:.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
