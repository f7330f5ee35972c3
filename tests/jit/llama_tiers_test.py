#!/usr/bin/env python3
"""llama.bc under a JIT tier must give exactly the greedy tokens of llama2.c's reference outputs
(../shared/testdata/reference_greedy.json), fp32 and Q8_0.

usage: llama_tiers_test.py BAREFLOW LLAMA_BC SHARED_DIR [--random-thresholds SEED] RUN_OPTION...
RUN_OPTIONs go to `bareflow run` (e.g. --tier=O2). With --random-thresholds, `auto` gets tier
thresholds drawn from a generator seeded with SEED (printed), low enough that functions move
through the tiers while the run is still generating. Every entry runs its first STEPS positions."""
import json
import os
import random
import subprocess
import sys

STEPS = 40


def main():
    bareflow, llama_bc, shared = sys.argv[1:4]
    options = sys.argv[4:]
    if options[:1] == ["--random-thresholds"]:
        seed = int(options[1])
        rng = random.Random(seed)
        t1 = rng.randint(1, 200)
        t2 = t1 + rng.randint(0, 5000)
        t3 = t2 + rng.randint(0, 50000)
        options = ["--tier=auto", "--jit-param", f"tier1_hotness={t1}", "--jit-param",
                   f"tier2_hotness={t2}", "--jit-param", f"tier3_hotness={t3}", "--jit-param",
                   f"poll_us={rng.randint(50, 2000)}", "--jit-param",
                   f"inline_callee_calls={rng.randint(1, 1000)}"] + options[2:]
        print(f"seed {seed}: {' '.join(options)}")
    with open(os.path.join(shared, "testdata", "reference_greedy.json")) as f:
        entries = json.load(f)
    failed = passed = 0
    for e in entries:
        cmd = [bareflow, "run"] + options + [llama_bc, "--",
               "-m", os.path.join(shared, "models", e["model"]),
               "-z", os.path.join(shared, "models", e["tokenizer"]),
               "-p", e["prompt"], "-n", str(STEPS), "-t", "0", "--threads", "2", "--json"]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
        name = f"{e['model']} {e['prompt']!r} -n {STEPS}"
        try:
            got = json.loads(p.stdout)
        except ValueError:
            print(f"FAIL {name}: exit {p.returncode}, no JSON; stderr: {p.stderr.decode()[-600:]}")
            failed += 1
            continue
        want = e["generated_tokens"]
        n = len(got["generated_tokens"])
        ok = p.returncode == 0 and got["prompt_tokens"] == e["prompt_tokens"] and n > 0
        ok = ok and got["generated_tokens"] == want[:n]
        # A tier that failed to compile must say so; none is expected here.
        ok = ok and b"failed" not in p.stderr
        if ok:
            passed += 1
            print(f"ok {name}: {n} tokens")
        else:
            failed += 1
            print(f"FAIL {name}: exit {p.returncode}, got {got['generated_tokens']}\n  want {want[:n]}\n"
                  f"  stderr: {p.stderr.decode()[-600:]}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
