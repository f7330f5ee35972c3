#!/usr/bin/env python3
"""bareflow-static's JIT and code cache in the unikernel under QEMU TCG, stories260K:

  - boots 1 (cold), 2 and 3 of one command on one kept disk, with --smp 1 and --smp 2: seconds
    from QEMU start to the first generated token and to the last (the disk image is made before,
    so `bareflow boot` starts QEMU at once), what each boot compiled and took from the cache;
  - the compile time of the llama module's hot functions (the unit that boot 2 compiles at start,
    O3: the plan) in the guest against the host compiling the same unit (`bareflow run`, same
    command and thread count, on a copy of the cache that boot 1 left on the disk);
  - --smp 1 against --smp 2 for each boot.

The command is the issue's: run --tier=auto --tier-log --finish-compiles=SECONDS llama.bc --
-m stories260K.bin -z tok512.bin -n TOKENS --temp 0 (text on stdout, flushed per token): boot 1
finishes at its exit the compiles its run had no time for (docs/code-cache.md, "Finishing at
exit"), so boot 2 is the warm one; --finish 0 leaves them to boot 2's start, as without the
option. "exit" is QEMU's end, after those compiles. Guest timings are TCG's, not performance
figures.

usage: bench_guest_jit.py BUILD_DIR SHARED_DIR [--tokens 24] [--boots 3] [--finish 600]"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from guest_disk import model_disk, parser

TIER = re.compile(r"^\[tier\] +\d+\.\d{3}s  (\S.*?) +(?:interp|O[123])->(O[123]) +([\d.]+) ms +(\d+) B(.*)$")


def timed(cmd, cwd=None):
    """(seconds to the first stdout byte, to the last, to the exit, stderr text) of CMD."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
    first = last = None
    err = []
    os.set_blocking(p.stderr.fileno(), False)
    while True:
        chunk = os.read(p.stdout.fileno(), 4096)
        try:
            e = os.read(p.stderr.fileno(), 65536)
            if e:
                err.append(e)
        except BlockingIOError:
            pass
        if not chunk:
            break
        if chunk.strip():
            last = time.perf_counter() - t0
            first = first if first is not None else last
    rest = p.stderr.read()
    if rest:
        err.append(rest)
    p.wait()
    text = b"".join(err).decode(errors="replace")
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{text}")
    return first, last, time.perf_counter() - t0, text


def units(err):
    """Compiled and cached units of a tier log: {(tier, functions...): compile ms}."""
    compiled, cached = {}, {}
    groups = {}
    for line in err.splitlines():
        m = TIER.match(line)
        if not m:
            continue
        name, tier, ms, _, rest = m.groups()
        key = (tier, ms, "(cache " in rest)
        groups.setdefault(key, []).append(name)
    for (tier, ms, from_cache), names in groups.items():
        (cached if from_cache else compiled)[(tier, tuple(sorted(names)))] = float(ms)
    return compiled, cached


def host_plan(bareflow, image, disk, args, tmp):
    """The host's compiles for the plan (what boot 1 compiles at its exit with --finish-compiles,
    else boot 2 at its start): the cache boot 1 left on IMAGE,
    copied off it, and the same command with the guest's thread count; the host's CPU is another
    environment, so it takes no unit of the guest's and compiles the same plan."""
    copy = os.path.join(tmp, "host-cache")
    shutil.rmtree(copy, ignore_errors=True)
    subprocess.run(["mcopy", "-s", "-n", "-i", image, "::/.cache/bareflow", copy], check=True)
    _, _, _, err = timed([bareflow, "run", "--cache-dir", copy, "--tier=auto", "--tier-log", "llama.bc", "--", *args],
                         cwd=disk)
    return units(err)[0]


def main():
    ap = parser()
    ap.add_argument("--tokens", type=int, default=24)
    ap.add_argument("--boots", type=int, default=3)
    ap.add_argument("--finish", type=float, default=600, help="--finish-compiles=SECONDS in the guest (0: without)")
    a = ap.parse_args()
    finish = [f"--finish-compiles={a.finish:g}"] if a.finish > 0 else []
    bareflow = os.path.join(a.build, "bareflow")
    static = os.path.join(a.build, "bareflow-static")
    args = ["-m", "stories260K.bin", "-z", "tok512.bin", "-n", str(a.tokens), "--temp", "0"]
    tmp = tempfile.mkdtemp(prefix="bench-guest-jit.")
    try:
        disk = model_disk(a.build, a.shared, tmp)
        host = {}
        pristine = os.path.join(tmp, "pristine.img")
        timed([bareflow, "boot", "--keep", pristine, "--disk", disk, "--", static, "--help"])
        guest = {}
        for smp in (1, 2):
            image = os.path.join(tmp, f"smp{smp}.img")
            shutil.copy(pristine, image)
            guest[smp] = []
            for n in range(1, a.boots + 1):
                first, last, total, err = timed([bareflow, "boot", "--smp", str(smp), "--disk", image, "--",
                                                 "/bareflow-static", "run", "--tier=auto", "--tier-log", *finish, "llama.bc",
                                                 "--", *args])
                compiled, cached = units(err)
                guest[smp].append((first, last, total, compiled, cached))
                if n == 1:
                    host[smp] = host_plan(bareflow, image, disk, args + ["--threads", str(smp)], tmp)
                print(f"--smp {smp} boot {n}: first token {first:.2f} s, last token {last:.2f} s, exit {total:.2f} s; "
                      f"compiled {sum(len(k[1]) for k in compiled)} functions in {len(compiled)} units "
                      f"({sum(compiled.values()) / 1000:.1f} s of compiles), took {sum(len(k[1]) for k in cached)} "
                      f"functions in {len(cached)} units from the disk", flush=True)
        print()
        for n in range(a.boots):
            s1, s2 = guest[1][n], guest[2][n]
            print(f"boot {n + 1}: --smp 2 / --smp 1: first token {s2[0] / s1[0]:.2f}x, last token {s2[1] / s1[1]:.2f}x")
        for n in range(1, a.boots):
            for smp in (1, 2):
                cold, warm = guest[smp][0], guest[smp][n]
                print(f"--smp {smp}: boot {n + 1} against boot 1: first token {warm[0] / cold[0]:.2f}x, "
                      f"last token {warm[1] / cold[1]:.2f}x")
        # Compile time of the same unit (tier and functions) in the guest and on the host.
        print()
        for smp in (1, 2):
            for n, boot in enumerate(guest[smp]):
                for key, ms in boot[3].items():
                    h = host[smp]
                    if key in h:
                        print(f"--smp {smp} boot {n + 1}: unit of {len(key[1])} at {key[0]} ({key[1][0]}, ...): "
                              f"guest {ms:.0f} ms, host {h[key]:.0f} ms: {ms / max(h[key], 1e-3):.0f}x")
                    else:
                        print(f"--smp {smp} boot {n + 1}: unit of {len(key[1])} at {key[0]} ({key[1][0]}, ...): "
                              f"guest {ms:.0f} ms, not compiled on the host")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
