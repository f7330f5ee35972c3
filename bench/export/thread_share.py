#!/usr/bin/env python3
"""How much CPU each engine's threads get on a busy machine: the same generation through the
exported llama, `bareflow run --tier=auto` and auto with its counter poll slowed to once a
second ("quiet"), interleaved; after WAIT seconds, each thread's CPU time, run-queue wait and
time slices from /proc/PID/task/TID/schedstat (the scheduler's own accounting, not a timing of
ours). On a machine busier than its cores, auto's compiler thread, which wakes every poll_us
(500 us), wins the process's main thread more of the CPU than the export's gets (docs/export.md,
"Figures").

usage: thread_share.py BUILD_DIR SHARED_DIR EXPORTED [--rounds N] [--wait SECONDS] [--shape S]
                       [--format fp32|q8] [--threads N]"""
import os
import subprocess
import sys
import time

POSITIONS = {"stories15M": 256, "stories42M": 512, "stories110M": 256}


def thread_stats(pid):
    """(name, CPU ms, run-queue wait ms, slices) of each thread of pid, main thread first."""
    rows = []
    for tid in sorted(os.listdir(f"/proc/{pid}/task"), key=int):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                run, wait, slices = (int(x) for x in f.read().split())
        except OSError:
            continue  # the thread ended
        rows.append((tid, run / 1e6, wait / 1e6, slices))
    return rows


def main():
    build, shared, exported = sys.argv[1:4]
    opts = dict(zip(sys.argv[4::2], sys.argv[5::2]))
    rounds, wait = int(opts.get("--rounds", 3)), float(opts.get("--wait", 2.5))
    shape, fmt, threads = opts.get("--shape", "stories42M"), opts.get("--format", "q8"), opts.get("--threads", "2")
    bareflow, llama_bc = os.path.join(build, "bareflow"), os.path.join(build, "apps", "llama.bc")
    model = os.path.join(build, "bench", "export", f"{shape}{'_q8' if fmt == 'q8' else ''}.bin")
    if not os.path.exists(model):
        sys.exit(f"{model}: missing (bench_export.py makes it)")
    app = ["-m", model, "-z", os.path.join(shared, "models", "tokenizer.bin"), "-p", "Once upon a time", "-n",
           str(POSITIONS.get(shape, 512)), "--temp", "0", "-t", threads]
    engines = {"export": [exported] + app,
               "auto": [bareflow, "run", "--tier=auto", llama_bc, "--"] + app,
               "quiet": [bareflow, "run", "--tier=auto", "--jit-param", "poll_us=1000000", llama_bc, "--"] + app}
    print(f"{shape} {fmt}, {threads} threads: per thread, after {wait} s: CPU ms, run-queue wait ms, time slices")
    for _ in range(rounds):
        for name, cmd in engines.items():
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(wait)
            rows = thread_stats(p.pid)
            p.kill()
            p.wait()
            cells = "  ".join(f"{run:6.0f} {w:6.0f} {slices:5d}" for _, run, w, slices in rows)
            print(f"{name:<7} {cells}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
