#!/usr/bin/env python3
"""Tier-0 benchmark: the llama app natively (-O3) against `bareflow run --tier=interp` on
llama.bc, and against `lli-19 --force-interpreter` where that runs at all; csmith programs
natively (-O3) against tier 0 (-O2 bitcode), main timed in-process (csmith_timer.c); and the
cost of --profile timing. Every figure is a
ratio against a baseline measured in the same run.

usage: bench_vm.py BUILD_DIR SHARED_DIR"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

PROMPT = "Once upon a time there was a little girl who loved to play in the park with her dog"
CSMITH_SEEDS = [241, 250, 252, 294, 299, 301, 304, 305, 307, 327, 339, 346]


def run(cmd, timeout=600):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return p, time.perf_counter() - t0


def llama_json(cmd):
    p, _ = run(cmd)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.decode()[:300]}")
    return json.loads(p.stdout)


def per_token_ms(d):
    return d["prompt_ms"] / max(1, len(d["prompt_tokens"]))


def best(f, n=2):
    return min(f() for _ in range(n))


def main():
    build, shared = sys.argv[1], sys.argv[2]
    bareflow = os.path.join(build, "bareflow")
    native = os.path.join(build, "apps", "llama")
    bc = os.path.join(build, "apps", "llama.bc")
    work = os.path.join(build, "bench", "vm")
    os.makedirs(work, exist_ok=True)
    models = os.path.join(shared, "models")
    s15 = os.path.join(work, "stories15M.bin")
    if not os.path.exists(s15):
        subprocess.run([bareflow, "synth", "--shape", "stories15M", "--seed", "1", s15], check=True)
    cases = [("stories260K", os.path.join(models, "stories260K.bin"), os.path.join(models, "tok512.bin")),
             ("stories15M (synth)", s15, os.path.join(models, "tokenizer.bin"))]

    print("== llama app: forward pass per prompt token, 1 thread (best of 2) ==")
    args_of = lambda m, z, extra=(): ["-m", m, "-z", z, "-p", PROMPT, "-n", "40", "--temp", "0",
                                      "-t", "1", "--json", *extra]
    for name, m, z in cases:
        nat = best(lambda: per_token_ms(llama_json([native, *args_of(m, z)])))
        t0 = best(lambda: per_token_ms(llama_json([bareflow, "run", "--no-cache", "--tier=interp", bc, "--", *args_of(m, z)])))
        print(f"{name:20s} native -O3 {nat:9.3f} ms/token   tier 0 {t0:9.3f} ms/token   ratio {t0 / nat:6.1f}x")

    print("\n== lli-19 --force-interpreter on llama.bc (stories260K) ==")
    lli = shutil.which("lli-19")
    if lli:
        m, z = cases[0][1], cases[0][2]
        p, secs = run([lli, "--force-interpreter", bc, *args_of(m, z)], timeout=120)
        if p.returncode == 0:
            d = json.loads(p.stdout)
            nat = per_token_ms(llama_json([native, *args_of(m, z)]))
            print(f"lli-19 {per_token_ms(d):.3f} ms/token, ratio {per_token_ms(d) / nat:.0f}x native")
        else:
            err = (p.stderr.decode(errors="replace").strip().splitlines() or ["(no message)"])
            print(f"lli-19 cannot run it: exit {p.returncode} after {secs:.1f} s: {err[0][:160]}")
    else:
        print("lli-19 not installed")

    print("\n== csmith programs: main's own run time (timed in-process), native -O3 vs tier 0 on -O2 bitcode"
          " (best of 3) ==")
    cdir = os.path.join(work, "csmith")
    os.makedirs(cdir, exist_ok=True)
    timer = os.path.join(os.path.dirname(os.path.abspath(__file__)), "csmith_timer.c")
    timer_bc = os.path.join(cdir, "csmith_timer.bc")
    subprocess.run(["clang-19", "-O2", "-c", "-emit-llvm", timer, "-o", timer_bc], check=True)
    llvm_link = shutil.which("llvm-link-19") or "llvm-link"

    def main_ns(cmd):
        p, _ = run(cmd)
        for line in p.stderr.decode(errors="replace").splitlines():
            if line.startswith("csmith_main_ns "):
                return int(line.split()[1]), p
        raise RuntimeError(f"{cmd}: no timing: {p.stderr.decode()[:300]}")

    ratios = []
    for seed in CSMITH_SEEDS:
        src = os.path.join(cdir, f"s{seed}.c")
        exe, bcf = src[:-2] + ".native", src[:-2] + ".bc"
        if not os.path.exists(bcf):
            # csmith writes platform.info into its working directory: keep it in the bench's.
            subprocess.run(["csmith", "--seed", str(seed), "-o", os.path.abspath(src)], check=True,
                           stdout=subprocess.DEVNULL, cwd=cdir)
            inc = ["-w", "-I/usr/include/csmith", "-Dmain=csmith_main"]
            subprocess.run(["clang-19", "-O3", *inc, "-c", src, "-o", exe + ".o"], check=True)
            subprocess.run(["clang-19", "-O3", exe + ".o", timer, "-o", exe], check=True)
            subprocess.run(["clang-19", "-O2", *inc, "-c", "-emit-llvm", src, "-o", bcf + ".part"], check=True)
            subprocess.run([llvm_link, bcf + ".part", timer_bc, "-o", bcf], check=True)
        runs_n = [main_ns([exe]) for _ in range(3)]
        runs_i = [main_ns([bareflow, "run", "--no-cache", "--tier=interp", bcf]) for _ in range(3)]
        tn, ti = min(r[0] for r in runs_n), min(r[0] for r in runs_i)
        same = runs_n[0][1].stdout == runs_i[0][1].stdout
        ratios.append(ti / tn)
        print(f"seed {seed:4d}: native {tn / 1e6:8.3f} ms  tier 0 {ti / 1e6:8.3f} ms  ratio {ti / tn:6.1f}x"
              f"{'' if same else '  OUTPUT DIFFERS'}")
    print(f"median ratio {statistics.median(ratios):.1f}x (tier 0 time includes translating each function"
          " on its first call)")

    print("\n== profiling overhead: tier 0 with and without --profile timing (stories15M, interleaved, best of 5) ==")
    m, z = cases[1][1], cases[1][2]
    # Interleaved, best of 5 each: the machine is shared and run-to-run noise exceeds the effect.
    offs, ons = [], []
    for _ in range(5):
        offs.append(per_token_ms(llama_json([bareflow, "run", "--no-cache", "--tier=interp", bc, "--", *args_of(m, z)])))
        ons.append(per_token_ms(llama_json([bareflow, "run", "--no-cache", "--tier=interp", "--profile-out",
                                            os.path.join(work, "profile.json"), bc, "--", *args_of(m, z)])))
    off, on = min(offs), min(ons)
    print(f"without {off:.3f} ms/token   with {on:.3f} ms/token   overhead {100 * (on / off - 1):+.1f}%"
          " (call and edge counts are always on)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
