#!/usr/bin/env python3
"""llama.bc under tier 0 must give exactly the greedy tokens of llama2.c's reference outputs
(../shared/testdata/reference_greedy.json), fp32 and Q8_0.

usage: llama_reference_test.py BAREFLOW LLAMA_BC SHARED_DIR
Entries run at their full length for the first prompt of each engine; the others run the
first STEPS positions and compare that prefix, which keeps the test to seconds."""
import json
import os
import subprocess
import sys

SHORT_STEPS = 40


def main():
    bareflow, llama_bc, shared = sys.argv[1:4]
    with open(os.path.join(shared, "testdata", "reference_greedy.json")) as f:
        entries = json.load(f)
    failed = passed = 0
    seen_engines = set()
    for e in entries:
        full = e["engine"] not in seen_engines
        seen_engines.add(e["engine"])
        steps = e["steps"] if full else SHORT_STEPS
        cmd = [bareflow, "run", "--tier=interp", llama_bc, "--",
               "-m", os.path.join(shared, "models", e["model"]),
               "-z", os.path.join(shared, "models", e["tokenizer"]),
               "-p", e["prompt"], "-n", str(steps), "-t", "0", "--threads", "2", "--json"]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
        name = f"{e['model']} {e['prompt']!r} -n {steps}"
        try:
            got = json.loads(p.stdout)
        except ValueError:
            print(f"FAIL {name}: exit {p.returncode}, no JSON; stderr: {p.stderr.decode()[:400]}")
            failed += 1
            continue
        want = e["generated_tokens"]
        n = len(got["generated_tokens"])
        ok = p.returncode == 0 and got["prompt_tokens"] == e["prompt_tokens"] and n > 0
        ok = ok and got["generated_tokens"] == want[:n] and (not full or n == len(want))
        if ok:
            passed += 1
            print(f"ok {name}: {n} tokens")
        else:
            failed += 1
            print(f"FAIL {name}: got {got['generated_tokens']}\n  want {want[:n]}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
