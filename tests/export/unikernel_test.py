#!/usr/bin/env python3
"""The exported llama (musl, static, --cpu x86-64) boots unchanged in BareFlow's unikernel and
gives llama2.c's reference tokens: through `bareflow boot` (QEMU -kernel), and from a disk that
`bareflow image` wrote (GRUB). The guest runs under TCG, so the work is tiny: stories260K, a
few positions.

usage: unikernel_test.py BAREFLOW LLAMA_BC SHARED_DIR QEMU"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_util  # noqa: E402
from export_util import reference  # noqa: E402

GENERATE = 20  # -n: generated tokens
PROMPT = "Once upon a time"


def tokens_ok(name, stdout, entry):
    """Whether the program's JSON output has the reference's prompt and first generated tokens."""
    text = stdout.decode(errors="replace")
    start = text.find("{")
    try:
        got = json.loads(text[start:text.rfind("}") + 1])
    except ValueError:
        print(f"FAIL {name}: no JSON in {text[-400:]!r}")
        return False
    want = entry["generated_tokens"][:GENERATE]
    if got["prompt_tokens"] != entry["prompt_tokens"] or got["generated_tokens"] != want:
        print(f"FAIL {name}: got {got['prompt_tokens']} {got['generated_tokens']}, want {want}")
        return False
    print(f"ok   {name}: {len(want)} tokens")
    return True


def main():
    bareflow, llama_bc, shared, qemu = sys.argv[1:5]
    entry = next(e for e in reference.load(shared) if e["model"] == "stories260K.bin" and e["prompt"] == PROMPT)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="bareflow-export-boot.") as tmp:
        profiles = export_util.profile_llama(bareflow, llama_bc, shared, tmp)
        exe = os.path.join(tmp, "llama")
        p = export_util.export(bareflow, llama_bc, exe, profiles, "--libc", "musl", "--cpu", "x86-64")
        if p.returncode != 0:
            print(f"FAIL export: {p.stderr.decode()}")
            return 1
        disk = os.path.join(tmp, "disk")
        os.mkdir(disk)
        for f in ("stories260K.bin", "tok512.bin"):
            shutil.copy(os.path.join(shared, "models", f), disk)
        args = ["-m", "stories260K.bin", "-z", "tok512.bin", "-p", PROMPT, "-n", str(GENERATE), "--temp", "0", "--json"]
        p = subprocess.run([bareflow, "boot", "--disk", disk, "--", exe] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=300)
        if p.returncode != 0:
            print(f"FAIL bareflow boot exited {p.returncode}: {p.stderr.decode()[-400:]}")
            failures += 1
        elif not tokens_ok("bareflow boot", p.stdout, entry):
            failures += 1
        if shutil.which("grub-mkrescue"):
            image = os.path.join(tmp, "llama.img")
            p = subprocess.run([bareflow, "image", "-o", image, "--disk", disk, "--", exe] + args,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
            if p.returncode != 0:
                print(f"FAIL bareflow image exited {p.returncode}: {p.stderr.decode()[-400:]}")
                return 1
            p = subprocess.run([qemu, "-M", "pc", "-cpu", "max", "-m", "256M", "-display", "none", "-no-reboot",
                                "-serial", "stdio", "-serial", "null", "-serial", "null", "-device",
                                "isa-debug-exit,iobase=0xf4,iosize=0x04", "-drive", f"file={image},format=raw"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
            if p.returncode != 1:  # isa-debug-exit: (status << 1) | 1
                print(f"FAIL the image's boot exited {p.returncode}: {p.stdout.decode()[-400:]}")
                failures += 1
            elif not tokens_ok("bareflow image", p.stdout, entry):
                failures += 1
        else:
            print("skip bareflow image: grub-mkrescue not installed")
    print(f"{'passed' if not failures else 'failed'}: {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
