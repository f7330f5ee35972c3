#!/usr/bin/env python3
"""The interpreter's conformance corpus under a JIT tier: every bitcode build of every program
must print exactly what its native build prints and exit with the same status.

With --warm, each runs twice on a fresh code cache: cold (compiling, filling the cache), then
warm (from the cache).

usage: corpus_tiers_test.py [--warm] BAREFLOW RUN_OPTIONS NATIVE BC... [-- NATIVE BC...]...
RUN_OPTIONS is one argument, split on spaces (e.g. "--tier=O2")."""
import subprocess
import sys
import tempfile


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    return p.returncode, p.stdout, p.stderr


def main():
    args = sys.argv[1:]
    warm = args[0] == "--warm"
    if warm:
        args = args[1:]
    bareflow, options = args[0], args[1].split()
    groups, group = [], []
    for a in args[2:]:
        if a == "--":
            groups.append(group)
            group = []
        else:
            group.append(a)
    groups.append(group)
    failed = total = 0
    for group in groups:
        if not group:
            continue
        native, bcs = group[0], group[1:]
        want_rc, want_out, _ = run([native])
        for bc in bcs:
            with tempfile.TemporaryDirectory() as cache:
                runs = ["cold", "warm"] if warm else [None]
                for which in runs:
                    cache_options = ["--cache-dir", cache] if which else ["--no-cache"]
                    total += 1
                    rc, out, err = run([bareflow, "run"] + cache_options + options + [bc])
                    if rc != want_rc or out != want_out or b"jit:" in err:
                        failed += 1
                        report(bc + (f" ({which})" if which else ""), rc, want_rc, out, want_out, err)
    print(f"{' '.join(options)}{' cold and warm' if warm else ''}: {total - failed} passed, {failed} failed")
    return 1 if failed else 0


def report(name, rc, want_rc, out, want_out, err):
    print(f"MISMATCH {name}: exit {rc} (native {want_rc})")
    print("  stderr: " + err.decode(errors="replace").strip()[:500])
    a, b = want_out.decode(errors="replace").splitlines(), out.decode(errors="replace").splitlines()
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else "<none>"
        y = b[i] if i < len(b) else "<none>"
        if x != y:
            print(f"  line {i + 1}: native {x!r}\n          jit    {y!r}")
            break


if __name__ == "__main__":
    sys.exit(main())
