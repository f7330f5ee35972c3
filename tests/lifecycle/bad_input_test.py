#!/usr/bin/env python3
"""Bad input to `bareflow lifecycle`: each case is refused with a non-zero exit and one line on
stderr (a malformed command line: that line, then the usage) that names the option, file or
directory and the problem; the program never runs and DIR's journal is left as it was.

usage: bad_input_test.py BAREFLOW PROGRAM_BC"""
import fcntl
import os
import struct
import subprocess
import sys
import tempfile


def main():
    bareflow, program_bc = sys.argv[1:3]
    failures = total = 0
    with tempfile.TemporaryDirectory(prefix="bareflow-lifecycle-bad.") as tmp:
        state, empty = os.path.join(tmp, "state"), os.path.join(tmp, "empty")
        os.mkdir(empty)
        a_file, not_bc = os.path.join(tmp, "a-file"), os.path.join(tmp, "not.bc")
        for path, text in ((a_file, "x"), (not_bc, "int main() {}\n")):
            with open(path, "w") as f:
                f.write(text)
        damaged = os.path.join(tmp, "damaged")
        os.mkdir(damaged)
        with open(os.path.join(damaged, "lifecycle.jsonl"), "w") as f:
            f.write('{"boot": 1, "phase": "grow"}\n')
        busy = os.path.join(tmp, "busy")
        os.mkdir(busy)
        lock = open(os.path.join(busy, "lifecycle.lock"), "w")
        # As bareflow locks it: an open file description lock (F_OFD_SETLK, 37) on the whole file.
        fcntl.fcntl(lock, getattr(fcntl, "F_OFD_SETLK", 37), struct.pack("hh4xqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))

        cases = [  # (arguments, exit status, words the line must hold)
            ([program_bc], 2, ["--dir"]),
            (["--dir", state], 2, ["no program"]),
            (["--dir", state, "--converge-after", "0", program_bc], 2, ["--converge-after 0"]),
            (["--dir", state, "--converge-after", "two", program_bc], 2, ["--converge-after two"]),
            (["--dir", state, "--tier=O2", program_bc], 2, ["--tier=O2"]),
            (["--dir", state, "--", program_bc], 2, ["'--'"]),
            (["--dir"], 2, ["--dir needs a value"]),
            (["--show", state, program_bc], 2, ["--show"]),
            (["--svg", "x.svg", "--dir", state, program_bc], 2, ["--svg"]),
            (["--dir", state, os.path.join(tmp, "missing.bc")], 1, ["missing.bc", "No such file"]),
            (["--dir", state, not_bc], 1, ["not.bc:1:1: ", "expected top-level entity"]),
            (["--dir", a_file, program_bc], 1, ["a-file", "not a directory"]),
            (["--dir", busy, program_bc], 1, ["busy", "in use"]),
            (["--dir", damaged, program_bc], 1, ["lifecycle.jsonl:1", "not a lifecycle record"]),
            (["--show", damaged], 1, ["lifecycle.jsonl:1", "not a lifecycle record"]),
            (["--show", empty], 1, ["lifecycle.jsonl", "No such file"]),
            (["--show", a_file], 1, ["a-file", "boot sector"]),  # a file is an image
        ]
        for args, status, words in cases:
            total += 1
            p = subprocess.run([bareflow, "lifecycle"] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, timeout=120)
            lines = p.stderr.splitlines()
            first = lines[0] if lines else ""
            one_line = len(lines) == 1 if status == 1 else bool(lines) and lines[1].startswith("usage:")
            ok = (p.returncode == status and one_line and first.startswith("bareflow: lifecycle: ")
                  and all(w in first for w in words) and p.stdout == "")
            print(f"{'ok  ' if ok else 'FAIL'} {' '.join(os.path.basename(a) for a in args)}: exit {p.returncode}: {first}")
            if not ok:
                print(f"     want exit {status} and one line with {words}; stderr:\n{p.stderr}")
                failures += 1
        # bareflow image --grow, --regrow and --shrink-disk: usage errors (2) and refusals (125), no image written.
        out = os.path.join(tmp, "flow.img")
        image_cases = [
            (["--grow", "--", program_bc], 2, ["bareflow: image: ", "no image given"]),
            (["--grow", "-o", out], 2, ["bareflow: image: ", "no program"]),
            (["--grow", "-o", out, "--converge-after", "0", "--", program_bc], 2, ["--converge-after 0"]),
            (["--grow", "-o", out, "--keep", "x", "--", program_bc], 2, ["unknown option '--keep'"]),
            (["--grow", "-o", out, "--", not_bc], 125, ["not.bc", "not LLVM bitcode"]),
            (["--grow", "-o", out, "--disk", a_file, "--", program_bc], 125, ["a-file", "no such directory"]),
            (["--regrow", a_file], 125, ["a-file", "boot sector"]),
            (["--regrow"], 2, ["--regrow IMAGE"]),
            (["--regrow", a_file, program_bc, "x"], 2, ["--regrow IMAGE [APP.bc]"]),
            (["--regrow", a_file, not_bc], 125, ["a-file", "boot sector"]),
            (["--shrink-disk"], 2, ["--shrink-disk IMAGE"]),
            (["--shrink-disk", a_file], 125, ["a-file", "boot sector"]),
            (["--shrink-disk", os.path.join(tmp, "missing.img")], 125, ["missing.img", "No such file"]),
        ]
        for args, status, words in image_cases:
            total += 1
            p = subprocess.run([bareflow, "image"] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, timeout=120)
            first = (p.stderr.splitlines() or [""])[0]
            ok = p.returncode == status and all(w in first for w in words) and not os.path.exists(out)
            print(f"{'ok  ' if ok else 'FAIL'} image {' '.join(os.path.basename(a) for a in args)}: exit {p.returncode}: "
                  f"{first}")
            if not ok:
                print(f"     want exit {status}, a first line with {words} and no image; stderr:\n{p.stderr}")
                failures += 1
        lock.close()
        if os.path.exists(os.path.join(state, "lifecycle.jsonl")) or os.listdir(busy) != ["lifecycle.lock"]:
            print("FAIL: a refused invocation wrote a journal")
            failures += 1
        with open(os.path.join(damaged, "lifecycle.jsonl")) as f:
            if f.read() != '{"boot": 1, "phase": "grow"}\n':
                print("FAIL: the damaged journal was changed")
                failures += 1
    print(f"{total - failures}/{total} refused as they should")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
