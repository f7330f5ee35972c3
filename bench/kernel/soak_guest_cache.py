#!/usr/bin/env python3
"""QEMU killed while bareflow-static in the guest writes its code cache, many times over one kept
disk: after each kill `fsck.fat -n` must find the disk clean; at the end a boot must give
llama2.c's reference tokens and the host's `bareflow cache verify` must find no damaged entry
in the cache copied off the disk. Kills land a random 0-400 ms after a tier-up line (the compiler
stores the unit) or after the generated text (the exit writes the manifest and profile store),
or at a random moment of the boot.

usage: soak_guest_cache.py BUILD_DIR SHARED_DIR [--kills 20] [--seed 1]"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from guest_disk import model_disk, parser

FSCK = shutil.which("fsck.fat") or "/usr/sbin/fsck.fat"


def boot_and_kill(cmd, trigger, delay_s, deadline_s):
    """Runs CMD; kills it DELAY_S after TRIGGER shows on stdout or stderr (or at DEADLINE_S)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    seen = threading.Event()

    def watch(stream):
        for line in iter(stream.readline, b""):
            if trigger and trigger in line:
                seen.set()

    threads = [threading.Thread(target=watch, args=(s,), daemon=True) for s in (p.stdout, p.stderr)]
    for t in threads:
        t.start()
    t0 = time.monotonic()
    while p.poll() is None and not seen.is_set() and time.monotonic() - t0 < deadline_s:
        time.sleep(0.01)
    time.sleep(delay_s)
    killed = p.poll() is None
    if killed:
        os.killpg(p.pid, signal.SIGKILL)  # bareflow boot and its QEMU
    p.wait()
    for t in threads:
        t.join()
    return killed


def main():
    ap = parser()
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    bareflow = os.path.join(a.build, "bareflow")
    tmp = tempfile.mkdtemp(prefix="soak-guest-cache.")
    try:
        disk = model_disk(a.build, a.shared, tmp)
        image = os.path.join(tmp, "disk.img")
        run = [bareflow, "boot", "--smp", "2", "--keep", image, "--disk", disk, "--",
               os.path.join(a.build, "bareflow-static"), "run", "--tier=auto", "--tier-log", "llama.bc", "--",
               "-m", "stories260K.bin", "-z", "tok512.bin", "-n", "24", "--temp", "0", "--json"]
        unclean = killed = 0
        for n in range(a.kills):
            trigger = rng.choice([b"[tier]", b"generated_tokens", None])
            delay = rng.uniform(0, 0.4) if trigger else rng.uniform(1, 8)
            killed += boot_and_kill(run, trigger, delay, 120)
            time.sleep(0.3)  # QEMU dies of its parent's death a moment later
            f = subprocess.run([FSCK, "-n", image], capture_output=True, text=True)
            if f.returncode != 0:
                unclean += 1
                print(f"kill {n + 1} ({trigger}, {delay:.2f} s): fsck.fat -n:\n{f.stdout}{f.stderr}")
        p = subprocess.run(run, capture_output=True, text=True, timeout=600)
        entries = json.load(open(os.path.join(a.shared, "testdata", "reference_greedy.json")))
        ref = next(e for e in entries if e["model"] == "stories260K.bin" and e["prompt"] == ""
                   and e["engine"] == "run.c")["generated_tokens"][:24]
        got = json.loads(p.stdout)["generated_tokens"] if p.returncode == 0 else None
        copy = os.path.join(tmp, "cache")
        subprocess.run(["mcopy", "-s", "-n", "-i", image, "::/.cache/bareflow", copy], check=True)
        v = subprocess.run([bareflow, "cache", "verify", "--cache-dir", copy], capture_output=True, text=True)
        print(f"{a.kills} boots, {killed} killed before their end: {unclean} left fsck.fat findings; "
              f"the next boot's tokens {'match' if got == ref else 'DIFFER from'} the reference; "
              f"cache verify: exit {v.returncode}: {v.stdout.strip().splitlines()[-1] if v.stdout.strip() else v.stderr}")
        sys.exit(0 if unclean == 0 and got == ref and v.returncode == 0 else 1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
