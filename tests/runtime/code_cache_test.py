#!/usr/bin/env python3
"""`bareflow run` with the code cache (docs/code-cache.md), on the llama app and stories260K:

  reference        reference tokens (fp32 and Q8_0) cold, warm, and warm after a change of a
                   knob that shapes code;
  converge         runs 1, 2, ... of one command until one compiles nothing; the next compiles
                   nothing either and runs no hot function interpreted;
  damage N         N seeded random damages of a warm cache (bit flips in headers and payloads,
                   truncation, an entry swapped for another module's, a manifest naming a missing
                   entry): every run gives the reference tokens, no damaged unit is taken (the
                   tier log names each unit it takes), and the damage is reported as a miss;
  kill N           N runs killed (SIGKILL) at random moments while they compile and write the
                   cache: the next run gives the reference tokens and `cache verify` is clean;
  concurrent       four runs at once on one cache: every output right, the cache verifies clean;
  changes          a module with one constant changed, a knob that shapes code, another CPU's
                   features (BAREFLOW_TEST_CPU_FEATURES): each takes nothing from the cache and
                   prints the native output;
  refusals         a cache directory that is world-writable or another user's: one warning, the
                   run goes on without the cache; --cache=read-only writes nothing;
  finish           --finish-compiles, on a run whose compile budget leaves its hot functions to
                   the exit: the next run of the same command compiles nothing (without the option
                   it compiles them); SIGKILL, and SIGINT to a program with a handler of its own,
                   during those compiles end the process at once and leave a cache that verifies
                   clean and gives the next run the same output.

usage: code_cache_test.py BAREFLOW LLAMA_BC SHARED PROGRAMS_DIR TEST [N]
(PROGRAMS_DIR holds constant3.bc, constant4.bc and their .native builds, and interrupt.bc.)"""
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from checks import check, finish  # noqa: E402
import reference  # noqa: E402

STEPS = 24
# Low thresholds: a short run compiles the engine's hot functions, so that the cache fills fast.
FAST = ["--jit-param", "tier1_hotness=200", "--jit-param", "tier2_hotness=2000", "--jit-param", "tier3_hotness=20000"]
NO_COMPILES = ["--jit-param", "plan=0", "--jit-param", "tier1_hotness=1000000000000", "--jit-param", "osr=0"]
TIER_LINE = re.compile(r"^\[tier\] +\d+\.\d{3}s  (\S.*?) +(interp|O[123])->(O[123]) .*$")


class Llama:
    def __init__(self, bareflow, bc, shared):
        self.bareflow, self.bc, self.shared = bareflow, bc, shared
        self.entries = reference.load(shared)

    def run(self, cache, extra=(), entry=0, env=None, tokens=STEPS):
        """One run of entry ENTRY: (tokens right, message, stderr text)."""
        command = [self.bareflow, "run", "--cache-dir", cache, "--tier-log", *FAST, *extra, self.bc, "--"]
        ok, message, p = reference.run_entry(command, self.shared, self.entries[entry], tokens, env=env)
        return ok, message, p.stderr.decode(errors="replace")


def compiles(err):
    """Tier-log lines of functions compiled in this run (not taken from the cache)."""
    return [l for l in err.splitlines() if TIER_LINE.match(l) and "(cache " not in l]


def taken(err):
    """Short keys of the units this run took from the cache."""
    return set(re.findall(r"\(cache ([0-9a-f]{12})\)", err))


def cache_files(cache, kind):
    root = os.path.join(cache, "v1", kind)
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if not f.startswith("."))


def verify(bareflow, cache):
    p = subprocess.run([bareflow, "cache", "verify", "--cache-dir", cache], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout + p.stderr


def warm_cache(llama, cache, runs=3):
    for _ in range(runs):
        ok, message, _ = llama.run(cache)
        if not check(ok, "warming the cache: " + message):
            return False
    return True


def test_reference(llama, tmp):
    cache = os.path.join(tmp, "cache")
    for e in range(len(llama.entries)):
        for which, extra in [("cold", []), ("warm", []), ("warm", []),
                             ("warm after inline_max_callees=4", ["--jit-param", "inline_max_callees=4"])]:
            ok, message, err = llama.run(cache, extra, entry=e)
            check(ok and "failed" not in err, f"{which}: {message}")


def test_converge(llama, tmp):
    cache = os.path.join(tmp, "cache")
    quiet = None
    for n in range(1, 9):
        ok, message, err = llama.run(cache)
        new = compiles(err)
        print(f"run {n}: {len(new)} compiled, {len(taken(err))} units from the cache")
        check(ok, f"run {n}: {message}")
        if not new:
            quiet = n
            break
    check(quiet is not None, f"a run compiles nothing by run 8 (run {quiet})")
    profile = os.path.join(tmp, "profile.json")
    ok, message, err = llama.run(cache, ["--profile-out", profile])
    check(ok and not compiles(err), "the run after that compiles nothing either: " + "; ".join(compiles(err)[:3]))
    with open(profile) as f:
        functions = json.load(f)["functions"]
    hot_interp = [f["name"] for f in functions if f["calls"] >= 200 and f.get("tier", "interp") == "interp"]
    check(not hot_interp, f"no hot function runs interpreted ({hot_interp[:5]})")


def flip(path, rng, region):
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        lo, hi = (0, 96) if region == "header" else (96, len(data))
        i = rng.randrange(lo, hi)
        data[i] ^= 1 << rng.randrange(8)
        f.seek(0)
        f.write(data)


def test_damage(llama, tmp, trials, programs):
    pristine = os.path.join(tmp, "pristine")
    if not warm_cache(llama, pristine):
        return
    other = os.path.join(tmp, "other")  # another module's cache, for swapped entries
    subprocess.run([llama.bareflow, "run", "--cache-dir", other, *FAST, os.path.join(programs, "constant3.bc")],
                   capture_output=True, timeout=300)
    # The units a warm run takes (the manifest's): damage to one of those must be noticed.
    ok, message, err = llama.run(pristine)
    in_use = sorted(taken(err))
    if not check(ok and in_use, f"a warm run takes units from the cache ({len(in_use)})"):
        return
    rng = random.Random(1234)
    kinds = ["header", "payload", "truncate", "swap", "missing"]
    misses = bad = 0
    cache = os.path.join(tmp, "trial")
    shutil.copytree(pristine, cache)
    objects = cache_files(cache, "objects")
    for t in range(trials):
        # One entry damaged in place, put back after the run: read-only runs change nothing else.
        kind = kinds[t % len(kinds)]
        key = rng.choice(in_use)
        victim = next(o for o in objects if os.path.basename(o).startswith(key))
        original = os.path.join(pristine, os.path.relpath(victim, cache))
        if kind in ("header", "payload"):
            flip(victim, rng, kind)
        elif kind == "truncate":
            size = os.path.getsize(victim)
            os.truncate(victim, rng.randrange(0, size))
        elif kind == "swap":
            donors = cache_files(other, "objects")
            if not check(bool(donors), "another module's cache has objects"):
                return
            shutil.copyfile(rng.choice(donors), victim)
        else:
            os.remove(victim)
        # Nothing compiled: a damaged unit's functions stay interpreted (the plan and the
        # thresholds do not shape code, so the same units are taken).
        ok, message, err = llama.run(cache, ["--cache=read-only", *NO_COMPILES], entry=rng.randrange(len(llama.entries)),
                                     tokens=8)
        reported = any(key in l and l.startswith("[cache]") for l in err.splitlines())
        used = key in taken(err)
        misses += reported
        if not ok or used:
            bad += 1
            print(f"FAIL trial {t} ({kind} {key}): tokens {'right' if ok else 'wrong'}, damaged unit "
                  f"{'taken' if used else 'not taken'}: {message}\n{err[-800:]}")
        shutil.copy2(original, victim)
    check(bad == 0, f"{trials} damaged caches: every run right, no damaged unit taken ({bad} bad)")
    check(misses == trials, f"each damage is reported as a miss ({misses} of {trials})")


def test_kill(llama, tmp, trials):
    cache = os.path.join(tmp, "cache")
    rng = random.Random(99)
    e = llama.entries[0]
    for t in range(trials):
        cmd = [llama.bareflow, "run", "--cache-dir", cache, *FAST, llama.bc, "--",
               *reference.model_args(llama.shared, e), "-p", e["prompt"]]
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 0.8))
        p.send_signal(signal.SIGKILL)
        p.wait()
    rc, text = verify(llama.bareflow, cache)
    check(rc == 0, f"after {trials} kills, cache verify is clean: {text.strip()[-300:]}")
    ok, message, err = llama.run(cache)
    check(ok, "the next run: " + message)


def test_concurrent(llama, tmp):
    cache = os.path.join(tmp, "cache")
    results = [None] * 4
    def one(i):
        results[i] = llama.run(cache, entry=i % len(llama.entries))
    threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for ok, message, _ in results:
        check(ok, "one of four runs at once: " + message)
    rc, text = verify(llama.bareflow, cache)
    check(rc == 0, "four runs at once: cache verify is clean")
    ok, message, _ = llama.run(cache)
    check(ok, "a warm run after them: " + message)


def test_changes(llama, tmp, programs):
    def run(cache, bc, extra=(), env=None):
        p = subprocess.run([llama.bareflow, "run", "--cache-dir", cache, "--tier-log", *FAST, *extra, bc],
                           capture_output=True, text=True, env=env, timeout=300)
        return p.returncode, p.stdout, p.stderr

    def native(name):
        return subprocess.run([os.path.join(programs, name + ".native")], capture_output=True, text=True).stdout

    cache = os.path.join(tmp, "cache")
    three, four = os.path.join(programs, "constant3.bc"), os.path.join(programs, "constant4.bc")
    # A run this short can end before its first compile does (a busy machine); the next one
    # compiles at start what the first found hot, and the one after takes it.
    for _ in range(3):
        rc, out, err = run(cache, three)
        if taken(err):
            break
    check(rc == 0 and out == native("constant3") and taken(err), "scale 3, warm: native output, from the cache")
    rc, out, err = run(cache, four)
    check(rc == 0 and out == native("constant4") and not taken(err), "scale 4 (one constant changed): native output, nothing from the cache")
    rc, out, err = run(cache, three, ["--jit-param", "inline_max_callees=3"])
    check(rc == 0 and out == native("constant3") and not taken(err), "a knob that shapes code: nothing from the cache")
    env = dict(os.environ, BAREFLOW_TEST_CPU_FEATURES="+sse2,-avx2")
    rc, out, err = run(cache, three, env=env)
    check(rc == 0 and out == native("constant3") and not taken(err), "another CPU's features: nothing from the cache")
    rc, out, err = run(cache, three)
    check(rc == 0 and out == native("constant3") and taken(err), "scale 3 again: from the cache")


def test_refusals(llama, tmp):
    for how in ["world-writable", "another user's"]:
        cache = os.path.join(tmp, how.split()[0].replace("'", ""))
        ok, _, _ = llama.run(cache)
        before = cache_files(cache, "objects")
        if how == "world-writable":
            os.chmod(cache, 0o777)
        elif os.geteuid() == 0:
            os.chown(cache, 65534, 65534)
        else:
            print(f"skip {how}: not root")
            continue
        ok, message, err = llama.run(cache)
        warnings = [l for l in err.splitlines() if "running without the cache" in l]
        check(ok and len(warnings) == 1 and cache in warnings[0] and not taken(err),
              f"{how} cache directory: one warning naming it, the run right without the cache ({warnings})")
        check(cache_files(cache, "objects") == before, f"{how} cache directory: nothing written into it")
    cache = os.path.join(tmp, "readonly")
    warm_cache(llama, cache, runs=1)
    listing = {f: os.stat(f).st_mtime_ns for f in cache_files(cache, "objects") + cache_files(cache, "modules")}
    ok, message, err = llama.run(cache, ["--cache=read-only"])
    after = {f: os.stat(f).st_mtime_ns for f in cache_files(cache, "objects") + cache_files(cache, "modules")}
    check(ok and taken(err) and after == listing, "--cache=read-only: takes units, writes nothing")


# A compile budget of nothing: the run compiles nothing live but OSR entries (which the budget
# lets through) and the variadic functions compiled before main, and leaves its hot functions to
# the next run's plan, or to --finish-compiles.
NO_BUDGET = ["--jit-param", "compile_share=0", "--jit-param", "compile_allowance_ms=0"]
FINISH = ["--finish-compiles"]


def interrupted_at_exit(command, sig, complete):
    """COMMAND (with --finish-compiles) given SIG as soon as its output is complete by COMPLETE
    (the compiles at exit start then): (exit status, stdout, stderr text)."""
    p = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = b""
    while not complete(out):
        chunk = p.stdout.read1(65536)
        if not chunk:
            break
        out += chunk
    p.send_signal(sig)
    err = p.stderr.read().decode(errors="replace")
    p.wait(timeout=60)
    return p.returncode, out, err


def json_complete(out):
    try:
        json.loads(out)
        return True
    except ValueError:
        return False


def test_finish(llama, tmp, programs):
    # Without the option, the second run compiles what the first had no budget for (at start).
    control = os.path.join(tmp, "control")
    llama.run(control, NO_BUDGET)
    ok, message, err = llama.run(control, NO_BUDGET)
    check(ok and compiles(err), f"without --finish-compiles, run 2 compiles the plan: {message}")
    cache = os.path.join(tmp, "cache")
    ok, message, err = llama.run(cache, NO_BUDGET + FINISH)
    at_exit = [l for l in compiles(err) if l.endswith("(at exit)")]
    check(ok and at_exit and "0 functions left for the next run" in err,
          f"run 1 compiles {len(at_exit)} functions at exit: {message}; {err[-400:]}")
    ok, message, err = llama.run(cache, NO_BUDGET + FINISH)
    check(ok and not compiles(err) and taken(err), "run 2 of the same command compiles nothing and takes the units: "
          + message + "; " + "; ".join(compiles(err)[:3]))
    rc, text = verify(llama.bareflow, cache)
    check(rc == 0, f"cache verify: {text.strip()[-300:]}")
    # SIGKILL while the llama app's units are written; SIGINT to a program whose own handler
    # would take it (and let the compiles go on).
    e = llama.entries[0]
    interrupt_bc = os.path.join(programs, "interrupt.bc")
    tokens = lambda out: json.loads(out)["generated_tokens"] if json_complete(out) else None  # noqa: E731
    cases = [(signal.SIGKILL, [llama.bc, "--", *reference.greedy_args(llama.shared, e, STEPS, 2)], json_complete, tokens),
             (signal.SIGINT, [interrupt_bc], lambda out: out.endswith(b"\n"), lambda out: out)]
    for sig, program, complete, result in cases:
        cache = os.path.join(tmp, f"interrupted-{sig.name}")
        command = [llama.bareflow, "run", "--cache-dir", cache, "--tier-log", *NO_BUDGET, *FINISH, *program]
        status, out, err = interrupted_at_exit(command, sig, complete)
        check(complete(out) and status == -sig and "[finish]" not in err,
              f"{sig.name} during the compiles at exit ends the run at once (status {status}): {err[-300:]}")
        rc, text = verify(llama.bareflow, cache)
        check(rc == 0, f"after {sig.name}, cache verify: {text.strip()[-300:]}")
        p = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=600)
        check(p.returncode == 0 and result(p.stdout) == result(out),
              f"after {sig.name}, the next run's output is the same: {p.stderr[-300:]}")


def main():
    bareflow, bc, shared, programs, test = sys.argv[1:6]
    n = int(sys.argv[6]) if len(sys.argv) > 6 else 0
    llama = Llama(bareflow, bc, shared)
    with tempfile.TemporaryDirectory() as tmp:
        if test == "reference":
            test_reference(llama, tmp)
        elif test == "converge":
            test_converge(llama, tmp)
        elif test == "damage":
            test_damage(llama, tmp, n, programs)
        elif test == "kill":
            test_kill(llama, tmp, n)
        elif test == "concurrent":
            test_concurrent(llama, tmp)
        elif test == "changes":
            test_changes(llama, tmp, programs)
        elif test == "refusals":
            test_refusals(llama, tmp)
        elif test == "finish":
            test_finish(llama, tmp, programs)
        else:
            sys.exit(f"unknown test {test}")
    return finish()


if __name__ == "__main__":
    sys.exit(main())
