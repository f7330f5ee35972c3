#!/usr/bin/env python3
"""`bareflow cache` on a cache written by cache_populate (two modules, an object of none):
  - ls, stats, verify, prune and clear, human-readable and --json (parsed by json.loads);
  - verify exits 1 naming a damaged entry, 0 once it is gone;
  - the default directory comes from BAREFLOW_CACHE_DIR, XDG_CACHE_HOME, HOME in that order;
  - a world-writable directory is refused in one line with exit 1; bad arguments exit 2.

usage: cli_test.py BAREFLOW CACHE_POPULATE"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from checks import check, finish  # noqa: E402


def run(bareflow, *args, env=None):
    p = subprocess.run([bareflow, "cache", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, env=env, timeout=60)
    return p.returncode, p.stdout, p.stderr


def run_json(bareflow, *args, env=None):
    rc, out, err = run(bareflow, *args, "--json", env=env)
    try:
        return rc, json.loads(out), err
    except json.JSONDecodeError as e:
        check(False, f"cache {' '.join(args)} --json prints JSON ({e}): {out!r}")
        return rc, {}, err


def entry_files(cache):
    for root, _, files in os.walk(os.path.join(cache, "v1", "objects")):
        for f in sorted(files):
            yield os.path.join(root, f)


def main():
    bareflow, populate = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        cache = os.path.join(tmp, "cache")
        subprocess.run([populate, cache], check=True)
        d = ["--cache-dir", cache]

        rc, ls, _ = run_json(bareflow, "ls", *d)
        mods = {m["path"]: m for m in ls.get("modules", [])}
        check(rc == 0 and ls.get("cache_dir") == cache and set(mods) == {"apps/a.bc", "apps/b.bc"},
              f"ls --json lists both modules: {sorted(mods)}")
        a = mods.get("apps/a.bc", {})
        check(a.get("runs") == 3 and a.get("functions") == {"O1": 2, "O2": 4} and a.get("objects") == 3,
              f"module a: 3 runs, functions per tier from its manifest, 3 objects: {a}")
        check(len(a.get("module", "")) == 64 and int(a.get("module", "x"), 16) >= 0 and a.get("bytes", 0) > 6000
              and a.get("last_use", 0) > 0, "module a: its hash, bytes and last use")
        b = mods.get("apps/b.bc", {})
        check(b.get("runs") == 1 and b.get("functions") == {"O3": 2} and b.get("objects") == 1,
              f"module b: {b}")
        rc, out, _ = run(bareflow, "ls", *d)
        check(rc == 0 and "apps/a.bc" in out and a.get("module", "?")[:16] in out and "O1 2, O2 4" in out,
              "ls prints a table: " + out.strip().replace("\n", " | "))

        rc, st, _ = run_json(bareflow, "stats", *d)
        check(rc == 0 and st.get("objects") == 5 and st.get("modules") == 2 and st.get("temporaries") == 0,
              f"stats --json: 5 objects, 2 modules: {st}")
        total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(os.path.join(cache, "v1"))
                    for f in fs if f != "stats")
        check(st.get("bytes") == total, f"stats counts every entry's bytes ({st.get('bytes')} == {total})")
        rc, out, _ = run(bareflow, "stats", *d)
        check(rc == 0 and "objects      5" in out, "stats prints lines")

        rc, v, _ = run_json(bareflow, "verify", *d)
        check(rc == 0 and v.get("entries") == 9 and v.get("damaged") == [],
              f"verify --json: 9 entries (5 objects, 2 manifests, 2 profiles), none damaged: {v}")
        victim = next(entry_files(cache))
        with open(victim, "r+b") as f:
            f.seek(os.path.getsize(victim) - 1)
            last = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([last[0] ^ 0x10]))
        rc, v, _ = run_json(bareflow, "verify", *d)
        rel = os.path.relpath(victim, cache)
        check(rc == 1 and v.get("damaged") == [{"path": rel, "reason": "checksum mismatch"}],
              f"verify exits 1 naming the damaged entry: {rc} {v.get('damaged')}")
        rc, out, _ = run(bareflow, "verify", *d)
        check(rc == 1 and f"damaged {rel}: checksum mismatch" in out and "1 damaged" in out,
              "verify prints the damaged entry: " + out.strip().replace("\n", " | "))
        os.remove(victim)
        rc, _, _ = run(bareflow, "verify", *d)
        check(rc == 0, "verify exits 0 once the damaged entry is gone")

        before = run_json(bareflow, "stats", *d)[1].get("bytes", 0)
        rc, pr, _ = run_json(bareflow, "prune", "--max", str(before // 2), *d)
        after = run_json(bareflow, "stats", *d)[1].get("bytes", 0)
        check(rc == 0 and pr.get("removed_files", 0) > 0 and after <= before // 2 and pr.get("bytes") == after,
              f"prune --max {before // 2}: {before} -> {after} bytes, {pr}")
        check(run(bareflow, "verify", *d)[0] == 0, "verify is clean after prune")
        rc, out, _ = run(bareflow, "prune", "--max=1G", *d)
        check(rc == 0 and "removed 0 files" in out, "prune under the limit removes nothing: " + out.strip())

        rc, cl, _ = run_json(bareflow, "clear", *d)
        st = run_json(bareflow, "stats", *d)[1]
        check(rc == 0 and cl.get("removed_files", 0) > 0 and st.get("objects") == 0 and st.get("modules") == 0
              and os.path.isdir(cache), f"clear empties the cache and keeps its directory: {cl} {st}")

        # The default directory, in order of precedence.
        env = dict(os.environ)
        for var in ("BAREFLOW_CACHE_DIR", "XDG_CACHE_HOME", "HOME"):
            env.pop(var, None)
        env["HOME"] = os.path.join(tmp, "home")
        check(run_json(bareflow, "stats", env=env)[1].get("cache_dir") == os.path.join(tmp, "home/.cache/bareflow"),
              "default: ~/.cache/bareflow")
        env["XDG_CACHE_HOME"] = os.path.join(tmp, "xdg")
        check(run_json(bareflow, "stats", env=env)[1].get("cache_dir") == os.path.join(tmp, "xdg/bareflow"),
              "default: $XDG_CACHE_HOME/bareflow")
        env["BAREFLOW_CACHE_DIR"] = cache
        check(run_json(bareflow, "stats", env=env)[1].get("cache_dir") == cache, "default: $BAREFLOW_CACHE_DIR")
        check(not os.path.exists(os.path.join(tmp, "home")) and not os.path.exists(os.path.join(tmp, "xdg")),
              "reading a cache that is not there creates nothing")
        env.pop("HOME")
        env.pop("XDG_CACHE_HOME")
        env.pop("BAREFLOW_CACHE_DIR")
        rc, _, err = run(bareflow, "ls", env=env)
        check(rc == 2 and "--cache-dir" in err, "no directory at all: exit 2 saying how to give one")

        # Refusals and mistakes.
        os.chmod(cache, 0o777)
        rc, out, err = run(bareflow, "ls", *d)
        check(rc == 1 and out == "" and err.count("\n") == 1 and cache in err and "world-writable" in err,
              "a world-writable directory is refused in one line: " + err.strip())
        os.chmod(cache, 0o700)
        for args, what in [(["bogus"], "unknown command"), (["prune", "--max", "12Q"], "a bad size"),
                           (["ls", "--frobnicate"], "an unknown option"), ([], "no command")]:
            rc, _, err = run(bareflow, *args, *d)
            check(rc == 2 and err.startswith("bareflow: cache: ") and err.count("\n") == 1,
                  f"{what}: exit 2 with one line: {err.strip()}")
        rc, out, _ = run(bareflow, "--help")
        check(rc == 0 and "prune --max SIZE" in out and "--json" in out, "--help")

    return finish()


if __name__ == "__main__":
    sys.exit(main())
