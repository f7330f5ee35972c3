#!/usr/bin/env python3
"""What `bareflow run --tier=auto` reports and does, on programs/osr.c (main's loops run for
the whole program, so only on-stack replacement moves them off the interpreter):
  - the output and exit status equal the native build's, with OSR at tiers 1 and 2-3;
  - --tier-log prints one well-formed line per tier-up, an OSR entry of main among them;
  - --profile-out's JSON records the same tier-ups and main's tier;
  - --perf-map writes /tmp/perf-PID.map naming the compiled code, OSR entries included;
  - main, called once, gets no compile of its own without a cache (only a later run could use
    it), and one after its OSR entry with a cache;
  - no function is compiled twice at one tier; a failed compile (injected with
    BAREFLOW_JIT_FAIL) is reported once and the function stays in its tier;
  - tiers 2-3 carry the profile as !prof (entry counts, branch weights), and not with pgo=0.

usage: tiering_outputs_test.py BAREFLOW DIR   (DIR holds osr.native, osr.O0n.bc, osr.O2.bc)"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

ROUNDS = "2000000"  # tier 0 alone would take tens of seconds; compiled, a fraction of one
LOG_LINE = re.compile(r"^\[tier\] +\d+\.\d{3}s  (\S.*?) +(interp|O[123])->(O[123]) +\d+\.\d ms +\d+ B( \(.*\))?$")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from checks import check, finish  # noqa: E402


def run_auto(bareflow, bc, extra, tmp, env=None, cache=None):
    profile = os.path.join(tmp, "profile.json")
    cache_flags = ["--cache-dir", cache] if cache else ["--no-cache"]
    cmd = [bareflow, "run", *cache_flags, "--tier=auto", "--tier-log", "--perf-map", "--profile-out", profile] + extra + [bc, "--", ROUNDS]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = p.communicate(timeout=500)
    perf_map = f"/tmp/perf-{p.pid}.map"
    perf = ""
    if os.path.exists(perf_map):
        with open(perf_map) as f:
            perf = f.read()
        os.remove(perf_map)
    prof = None
    if os.path.exists(profile):
        with open(profile) as f:
            prof = json.load(f)
        os.remove(profile)
    return p.returncode, out, err.decode(), perf, prof


def main():
    bareflow, d = sys.argv[1], sys.argv[2]
    native = subprocess.run([os.path.join(d, "osr.native"), ROUNDS], stdout=subprocess.PIPE, timeout=120)
    with tempfile.TemporaryDirectory() as tmp:
        for variant in ["O2", "O0n"]:
            bc = os.path.join(d, f"osr.{variant}.bc")
            for extra, osr_tier in [([], r"O[23]"), (["--jit-param", "max_tier=1"], "O1")]:
                name = f"osr.{variant}.bc {' '.join(extra) or 'defaults'}"
                rc, out, err, perf, prof = run_auto(bareflow, bc, extra, tmp)
                check(rc == native.returncode and out == native.stdout,
                      f"{name}: exit {rc} and output equal the native build's")
                lines = [l for l in err.splitlines() if l.startswith("[tier]")]
                check(lines and all(LOG_LINE.match(l) for l in lines), f"{name}: tier log well formed")
                osr = [l for l in lines if re.search(r"  main \(OSR\) +interp->" + osr_tier + " ", l)]
                check(len(osr) == 1, f"{name}: one OSR entry of main, interp->{osr_tier}")
                check(not any("failed" in l for l in err.splitlines()), f"{name}: no failed compile")
                ups_logged = [(m.group(1).strip(), m.group(3)) for m in map(LOG_LINE.match, lines) if m]
                whole = [u for u in ups_logged if not u[0].endswith("(OSR)")]
                check(len(set(whole)) == len(whole), f"{name}: no function compiled twice at one tier")
                ups = (prof or {}).get("tier_ups", [])
                check(len(ups) == len(lines) and all({"t", "function", "from", "to", "compile_ms", "bytes"} <= u.keys() for u in ups),
                      f"{name}: profile JSON records each tier-up")
                check(any(u["function"] == "main (OSR)" and u["from"] == "interp" for u in ups),
                      f"{name}: profile JSON records the OSR entry")
                mains = [f for f in (prof or {}).get("functions", []) if f.get("name") == "main"]
                check(bool(mains) and mains[0].get("tier", "interp") == "interp" and "main" not in [u[0] for u in whole],
                      f"{name}: without a cache, main (called once) is not compiled for a next call")
                perf_lines = perf.splitlines()
                check(bool(perf_lines) and all(re.match(r"^[0-9a-f]+ [0-9a-f]+ \[O[123]( OSR| adapter)?\] \S", l) for l in perf_lines),
                      f"{name}: perf map well formed")
                check(any(re.search(r"\[O[123] OSR\] main$", l) for l in perf_lines), f"{name}: perf map names the OSR entry")

        # With a cache, main is compiled after its OSR entry, for the runs that start from it
        # (here at O2: tier3_hotness out of reach, a knob that leaves the units' environment as it is).
        bc = os.path.join(d, "osr.O2.bc")
        rc, out, err, _, prof = run_auto(bareflow, bc, ["--jit-param", "tier3_hotness=1000000000000"], tmp,
                                         cache=os.path.join(tmp, "cache"))
        check(rc == native.returncode and out == native.stdout, "with a cache: output equals the native build's")
        order = [m.group(1).strip() for m in map(LOG_LINE.match, err.splitlines()) if m]
        check("main (OSR)" in order and "main" in order and order.index("main (OSR)") < order.index("main"),
              f"with a cache: main compiled after its OSR entry ({order})")
        mains = [f for f in (prof or {}).get("functions", []) if f.get("name") == "main"]
        check(bool(mains) and mains[0].get("tier", "interp") != "interp", "with a cache: profile JSON gives main's tier")
        # The next run starts main on the cached O2 unit and compiles it no more: its one call
        # runs what it entered (the plan, at O3, does not take it up a tier for a next call).
        rc, out, err, _, _ = run_auto(bareflow, bc, [], tmp, cache=os.path.join(tmp, "cache"))
        check(rc == native.returncode and out == native.stdout, "warm: output equals the native build's")
        lines = [l for l in err.splitlines() if l.startswith("[tier]")]
        warm_mains = [l for l in lines if re.search(r"  main +interp->", l)]
        check(len(warm_mains) == 1 and "(cache " in warm_mains[0] and not any(re.search(r"  main( \(OSR\))? ", l) for l in lines if l not in warm_mains),
              f"warm: main from the cache, not compiled again ({lines})")

        # A compile that fails (injected at O3, where the policy sends main's OSR entry first) is
        # reported once; main and its entry go to the next tier down, and the output is right.
        bc = os.path.join(d, "osr.O2.bc")
        env = dict(os.environ, BAREFLOW_JIT_FAIL="main@3")
        rc, out, err, _, prof = run_auto(bareflow, bc, [], tmp, env)
        check(rc == native.returncode and out == native.stdout, "failed O3 compile: output equals the native build's")
        reports = [l for l in err.splitlines() if "jit: main at O3 failed" in l]
        check(len(reports) == 1 and "BAREFLOW_JIT_FAIL" in reports[0],
              f"failed O3 compile: reported once ({len(reports)} reports)")
        tier_lines = [l for l in err.splitlines() if l.startswith("[tier]")]
        check(not any(re.search(r"  main +\S+->O3 ", l) for l in tier_lines), "failed O3 compile: main never runs at O3")
        check(any(re.search(r"  main( \(OSR\))? +interp->O2 ", l) for l in tier_lines),
              "failed O3 compile: main (or its OSR entry) goes to O2 instead")
        check(any(u.get("function") == "main" and u.get("to") == "O3" and u.get("failed") for u in (prof or {}).get("tier_ups", [])),
              "failed O3 compile: profile JSON records the failure")

        # Profile-guided tiers: the optimized IR of tiers 2-3 keeps the profile's metadata.
        bc = os.path.join(d, "osr.O2.bc")
        for pgo in ["1", "0"]:
            dump = os.path.join(tmp, "dump" + pgo)
            os.mkdir(dump)
            env = dict(os.environ, BAREFLOW_JIT_DUMP=dump)
            rc, out, err, _, _ = run_auto(bareflow, bc, ["--jit-param", f"pgo={pgo}"], tmp, env)
            check(rc == native.returncode and out == native.stdout, f"pgo={pgo}: output equals the native build's")
            texts = []
            for path in glob.glob(os.path.join(dump, "*.t[23].ll")):
                with open(path) as f:
                    texts.append(f.read())
            check(bool(texts), f"pgo={pgo}: tiers 2-3 compiled something")
            has_counts = any('!"function_entry_count"' in t for t in texts)
            has_weights = any('!"branch_weights"' in t for t in texts)
            if pgo == "1":
                check(has_counts and has_weights, "pgo=1: entry counts and branch weights reach the optimized IR")
            else:
                check(not has_counts, "pgo=0: no profile in the IR")
    return finish()


if __name__ == "__main__":
    sys.exit(main())
