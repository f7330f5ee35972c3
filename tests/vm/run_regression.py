#!/usr/bin/env python3
"""Runs one reproducer of a fixed bug (tests/vm/regressions).

usage: run_regression.py BAREFLOW FUZZER|- DESCRIPTION INPUT.bc

`bareflow run --tier=interp INPUT.bc` must give what DESCRIPTION's header says:
  ; EXPECT-EXIT: N        exit status N, nothing on stderr
  ; EXPECT-ERROR: TEXT    exit status 1 and the one line "bareflow: INPUT.bc: TEXT"
  ; MEMORY-LIMIT-MB: N    (optional) bareflow runs with its address space limited to N MiB
Then, unless FUZZER is '-', the fuzz target (tests/vm/fuzz_bitcode.cpp: the loader and the
translator under ASan+UBSan, with the leak check) runs INPUT.bc once and must exit cleanly.
"""
import resource
import subprocess
import sys


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    bareflow, fuzzer, description, bc = sys.argv[1:]
    expect = {}
    limit_mb = None
    with open(description) as f:
        for line in f:
            for key in ("EXPECT-EXIT:", "EXPECT-ERROR:"):
                if line.startswith("; " + key):
                    expect[key] = line[len("; " + key):].strip()
            if line.startswith("; MEMORY-LIMIT-MB:"):
                limit_mb = int(line.split(":", 1)[1])
    if len(expect) != 1:
        print(f"{description}: needs exactly one EXPECT-EXIT or EXPECT-ERROR line", file=sys.stderr)
        return 1
    def limit():
        if limit_mb:
            resource.setrlimit(resource.RLIMIT_AS, (limit_mb << 20, limit_mb << 20))

    r = subprocess.run([bareflow, "run", "--tier=interp", bc], capture_output=True, text=True,
                       timeout=60, preexec_fn=limit)
    ok = True
    if "EXPECT-EXIT:" in expect:
        want = int(expect["EXPECT-EXIT:"])
        if r.returncode != want or r.stderr:
            print(f"{bc}: exit {r.returncode}, want {want}; stderr: {r.stderr!r}", file=sys.stderr)
            ok = False
    else:
        want = f"bareflow: {bc}: {expect['EXPECT-ERROR:']}\n"
        if r.returncode != 1 or r.stderr != want:
            print(f"{bc}: exit {r.returncode}, stderr {r.stderr!r}; want exit 1, {want!r}", file=sys.stderr)
            ok = False
    if fuzzer != "-":
        f = subprocess.run([fuzzer, bc], capture_output=True, text=True, timeout=120)
        if f.returncode != 0:
            print(f"{bc}: the fuzz target (ASan+UBSan) failed, exit {f.returncode}:\n{f.stderr}", file=sys.stderr)
            ok = False
    print(f"{bc}: {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
