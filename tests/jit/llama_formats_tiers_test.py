#!/usr/bin/env python3
"""llama.bc under a tier must give exactly the greedy tokens of the native engine on GGUF files of
every weight type, with the same kernel set (avx512 where the CPU has it, avx2, scalar): the bitcode
runs the same kernels, so the float sums happen in the same order. stories260K is quantized to each 32-value format and
to F16/BF16; a synthetic stories15M (rows of 768 fit the K-quants' 256) to Q4_K, Q5_K and Q6_K.

usage: llama_formats_tiers_test.py BAREFLOW LLAMA_BC SHARED_DIR --tier=TIER"""
import json
import os
import signal
import subprocess
import sys
import tempfile

SMALL_TYPES = ["F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1"]
K_TYPES = ["Q4_K", "Q5_K", "Q6_K"]


def generate(command, model, n, kernels):
    env = dict(os.environ, BAREFLOW_KERNELS=kernels)
    p = subprocess.run(command + ["-m", model, "-p", "Once upon a time", "-n", str(n), "--temp", "0",
                                  "-t", "2", "--json"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                       timeout=600)
    try:
        return p.returncode, json.loads(p.stdout)["generated_tokens"], p.stderr.decode()
    except ValueError:
        return p.returncode, None, p.stderr.decode()


def cpu_has_avx512():
    """The features the avx512 set asks for (src/llm/kernels_avx512.cpp), as Linux names them."""
    with open("/proc/cpuinfo") as f:
        flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    return all(f in flags for f in ("avx512f", "avx512bw", "avx512vl", "avx512_vnni"))


def quantize(bareflow, src, out, weight_type, tokenizer=None):
    cmd = [bareflow, "quantize", src, out, "--type", weight_type] + (["-z", tokenizer] if tokenizer else [])
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    # A terminated test (ctest's timeout, Ctrl-C) still removes its temporary models.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    bareflow, llama_bc, shared, tier = sys.argv[1:5]
    models = os.path.join(shared, "models")
    failed = 0
    kernel_sets = ["avx2", "scalar"]
    if cpu_has_avx512():
        kernel_sets.insert(0, "avx512")
    else:
        print("skipped avx512: this CPU lacks AVX-512 F/BW/VL/VNNI")
    with tempfile.TemporaryDirectory() as tmp:
        cases = []
        for t in SMALL_TYPES:
            path = os.path.join(tmp, f"stories260K.{t}.gguf")
            quantize(bareflow, os.path.join(models, "stories260K.bin"), path, t, os.path.join(models, "tok512.bin"))
            cases.append((path, t, 16))
        synth = os.path.join(tmp, "stories15M.bin")
        subprocess.run([bareflow, "synth", "--shape", "stories15M", synth], check=True, stdout=subprocess.DEVNULL)
        for t in K_TYPES:
            path = os.path.join(tmp, f"stories15M.{t}.gguf")
            quantize(bareflow, synth, path, t, os.path.join(models, "tokenizer.bin"))
            cases.append((path, t, 2))
        os.remove(synth)
        for path, t, n in cases:
            for kernels in kernel_sets:
                name = f"{os.path.basename(path)} {kernels}"
                want_rc, want, _ = generate([bareflow, "generate"], path, n, kernels)
                rc, got, err = generate([bareflow, "run", tier, llama_bc, "--"], path, n, kernels)
                if want_rc != 0 or rc != 0 or got != want or not want or "failed" in err:
                    failed += 1
                    print(f"FAIL {name}: native exit {want_rc} {want}, {tier} exit {rc} {got}\n  stderr: {err[-600:]}")
                else:
                    print(f"ok {name}: {len(got)} tokens")
    print(f"{len(SMALL_TYPES + K_TYPES) * len(kernel_sets) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
