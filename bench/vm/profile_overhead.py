#!/usr/bin/env python3
"""What tier 0's profile costs, as callgrind instruction counts (stable on a noisy machine) of
running the program (Program::run_main: loading and verifying the bitcode excluded):
the always-on call and edge counters (a bareflow built with -DBAREFLOW_VM_COUNTERS=OFF against
the normal one), and --profile-out timing (the normal bareflow with and without it), on the
llama app (stories260K) and on csmith programs. Instruction counts miss that rdtsc takes
longer than one instruction; bench_vm.py times --profile-out as well.

usage: profile_overhead.py BUILD_DIR NOCOUNTERS_BAREFLOW SHARED_DIR

Make NOCOUNTERS_BAREFLOW with a second build directory:
  cmake -S . -B build-nocounters -G Ninja -DCMAKE_BUILD_TYPE=Release -DBAREFLOW_VM_COUNTERS=OFF \\
        -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19
  ninja -C build-nocounters bareflow"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

PROMPT = "Once upon a time there was a little girl who loved to play in the park with her dog"
CSMITH_SEEDS = [241, 250, 252, 294, 299, 301]


def instructions(cmd):
    """Instructions cmd executes under callgrind while running the program's main."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cg.out")
        p = subprocess.run(["valgrind", "--tool=callgrind", "--toggle-collect=bf::vm::Program::run_main*",
                            f"--callgrind-out-file={out}", *cmd],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=1800)
        m = re.search(r"Collected : (\d+)", p.stderr.decode(errors="replace"))
        if p.returncode != 0 or not m:
            raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.decode()[-400:]}")
        return int(m.group(1))


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    build, nocount, shared = sys.argv[1:]
    bareflow = os.path.join(build, "bareflow")
    models = os.path.join(shared, "models")
    llama = [os.path.join(build, "apps", "llama.bc"), "--", "-m", os.path.join(models, "stories260K.bin"),
             "-z", os.path.join(models, "tok512.bin"), "-p", PROMPT, "-n", "40", "--temp", "0",
             "-t", "1", "--json"]
    work = os.path.join(build, "bench", "vm", "csmith")
    os.makedirs(work, exist_ok=True)
    cases = [("llama stories260K", llama)]
    for seed in CSMITH_SEEDS:
        src, bc = os.path.join(work, f"s{seed}.c"), os.path.join(work, f"s{seed}.plain.bc")
        if not os.path.exists(bc):
            if not os.path.exists(src):
                subprocess.run(["csmith", "--seed", str(seed), "-o", src], check=True, stdout=subprocess.DEVNULL,
                               cwd=work)  # csmith leaves platform.info in its directory
            subprocess.run(["clang-19", "-O2", "-w", "-I/usr/include/csmith", "-c", "-emit-llvm", src, "-o", bc],
                           check=True)
        cases.append((f"csmith seed {seed}", [bc]))
    if not shutil.which("valgrind"):
        print("valgrind not installed")
        return 1

    print("== tier-0 profile cost in instructions (callgrind, main only) ==")
    print(f"{'program':22s} {'no counters':>14s} {'counters':>14s} {'+timing':>14s} {'counters':>9s} {'timing':>8s}")
    for name, args in cases:
        base = instructions([nocount, "run", "--no-cache", "--tier=interp", *args])
        counted = instructions([bareflow, "run", "--no-cache", "--tier=interp", *args])
        with tempfile.TemporaryDirectory() as tmp:
            timed = instructions([bareflow, "run", "--no-cache", "--tier=interp", "--profile-out",
                                  os.path.join(tmp, "p.json"), *args])
        print(f"{name:22s} {base:14,d} {counted:14,d} {timed:14,d} {100 * (counted / base - 1):+8.2f}%"
              f" {100 * (timed / counted - 1):+7.2f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
