#!/usr/bin/env python3
"""`bareflow image --grow` under QEMU (TCG): the llama app on stories260K, a few tokens, K=1.

loop: an image booted with `bareflow boot --image` until it runs its appliance: every boot prints
      the reference tokens and leaves a FAT partition that fsck.fat -n finds clean; the journal
      (read from the image by `bareflow lifecycle --show IMAGE`) says grow..., converged,
      appliance, one line per boot, and the appliance loads at least 50x fewer bytes of code.
      `--shrink-disk` is refused before the convergence, leaves the image as it was when
      stopped, and after it writes a smaller image without the runtime that boots the appliance
      (the reference tokens, fsck-clean, its line in the journal) and refuses --regrow; plain
      QEMU boots it with the command that `boot --image --verbose` prints.
kill: QEMU killed during the guest's export, then as the converging boot switches its boot
      configuration: each time the image still boots, correctly (grow again or the appliance)
      and fsck-clean, with no temporary left; it reaches the appliance. Then `bareflow image
      --regrow` puts the grow entry back and removes the appliance, and `--regrow IMAGE B.bc`
      (llama.bc with one string constant changed) makes the image grow B from a cold cache,
      converge and run B's appliance, B's output at every boot.

usage: image_test.py loop|kill BAREFLOW LLAMA_BC SHARED LLVM_DIS LLVM_AS"""
import hashlib
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from lifecycle_test import appliance_problems, main, show_problem  # noqa: E402  (beside this file)

TOKENS = 8
MAX_BOOTS = 6  # grow can take a few boots before one compiles nothing new
EXPORTING = "exporting the appliance"
SWITCHING = "switching the boot configuration"
INTO_EXPORT_S = 20  # the guest's export takes about two minutes under TCG
A_MARKER, B_MARKER = "; stop: length", "; STOP: length"  # the llama app's last line, and version B's


def fat_partition(image):
    """(offset, size) in bytes of the image's FAT32 partition, from its MBR."""
    with open(image, "rb") as f:
        mbr = f.read(512)
    for i in range(4):
        entry = mbr[446 + 16 * i:462 + 16 * i]
        lba, sectors = struct.unpack("<II", entry[8:16])
        if entry[4] in (0x0B, 0x0C) and lba:
            return lba * 512, sectors * 512
    raise RuntimeError(f"{image}: no FAT32 partition")


def fsck_problem(image, tmp):
    """None when fsck.fat -n finds the image's FAT partition clean, else its report."""
    offset, size = fat_partition(image)
    part = os.path.join(tmp, "fat-partition.img")
    with open(image, "rb") as src, open(part, "wb") as dst:
        src.seek(offset)
        dst.write(src.read(size))
    p = subprocess.run(["fsck.fat", "-n", part], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    os.unlink(part)
    return None if p.returncode == 0 else p.stdout


def read_journal(bareflow, image, tmp):
    """The image's journal, as the host reads it with mtools."""
    offset, _ = fat_partition(image)
    p = subprocess.run(["mtype", "-i", f"{image}@@{offset}", "::/bareflow/lifecycle.jsonl"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()] if p.returncode == 0 else []


def grow_image(bareflow, llama_bc, shared, entry, tmp):
    models = os.path.join(tmp, "models")
    os.mkdir(models)
    for name in (entry["model"], entry["tokenizer"]):
        shutil.copy(os.path.join(shared, "models", name), models)
    image = os.path.join(tmp, "flow.img")
    args = ["-m", entry["model"], "-z", entry["tokenizer"], "-p", entry["prompt"], "-n", str(TOKENS), "--temp", "0",
            "--json"]
    p = subprocess.run([bareflow, "image", "--grow", "-o", image, "--disk", models, "--converge-after", "1", "--",
                        llama_bc] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"image --grow: exit {p.returncode}: {p.stdout}")
    return image


def tokens_problem(entry, out, status):
    want = entry["generated_tokens"][:TOKENS]
    try:
        got = json.loads(out)
    except ValueError:
        return f"exit {status}, no JSON on stdout: {out[-300:]!r}"
    if status != 0 or got["prompt_tokens"] != entry["prompt_tokens"] or got["generated_tokens"] != want:
        return f"exit {status}, tokens {got['generated_tokens']} (want {want})"
    return None


def boot(bareflow, image, entry, tmp, kill_on=None, kill_after=0, marker=A_MARKER, options=()):
    """One boot of the image. Returns (problem or None, what it said); with kill_on, QEMU is
    killed kill_after seconds after stderr shows that text (said 'killed', when the program had
    printed the reference tokens). The program's stderr must show `marker`."""
    start = time.monotonic()
    p = subprocess.Popen([bareflow, "boot", *options, "--image", image], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err = []
    for line in p.stderr:
        err.append(line)
        if kill_on and kill_on in line:
            time.sleep(kill_after)
            p.send_signal(signal.SIGKILL)  # QEMU dies with it (PR_SET_PDEATHSIG)
            p.wait()
            wait_for_qemu_exit(image)
            problem = tokens_problem(entry, p.stdout.read(), 0)
            return (f"before the kill: {problem}", "") if problem else (None, "killed")
    out = p.stdout.read()
    p.wait()
    seconds = time.monotonic() - start
    problem = tokens_problem(entry, out, p.returncode)
    if not problem and marker not in "".join(err):
        problem = f"no '{marker}' on stderr"
    if problem:
        return f"{problem}; stderr: {''.join(err)[-800:]}", ""
    fsck = fsck_problem(image, tmp)
    if fsck:
        return f"fsck.fat -n: {fsck}", ""
    commands = [line[len("bareflow: "):].strip() for line in err if line.startswith("bareflow: qemu-system")]
    said = f"{TOKENS} reference tokens, fsck clean, {seconds:.1f} s"
    return None, (said, commands[0] if commands else None) if "--verbose" in options else said


def plain_qemu(bareflow, image, entry, tmp):
    """The image boots under plain QEMU too, with the command that `boot --image --verbose`
    printed (docs/lifecycle.md): the guest's stdout on descriptor 3, its stderr on 4, the
    kernel log on 5. Returns the failures."""
    problem, said = boot(bareflow, image, entry, tmp, options=("--verbose",))
    command = said[1] if not problem else None
    if not command:
        print(f"FAIL: boot --image --verbose printed no QEMU command: {problem}")
        return 1
    before = len(read_journal(bareflow, image, tmp))
    out, log = os.path.join(tmp, "plain.out"), os.path.join(tmp, "plain.log")
    p = subprocess.run(["bash", "-c", f"{command} 3>{out} 4>/dev/null 5>{log}"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=900)
    with open(out) as f:
        problem = tokens_problem(entry, f.read(), 0)
    with open(log) as f:
        if not problem and "bareflow-exit: 0" not in f.read():
            problem = "the kernel log does not end in 'bareflow-exit: 0'"
    records = read_journal(bareflow, image, tmp)
    if not problem and (len(records) != before + 1 or records[-1]["phase"] != "appliance"):
        problem = f"the journal has {len(records) - before} new lines, not one appliance line"
    problem = problem or fsck_problem(image, tmp)
    print(f"plain QEMU (QEMU exit {p.returncode}): {problem or 'reference tokens, its journal line, fsck clean'}")
    return problem is not None


def wait_for_qemu_exit(image):
    for _ in range(200):
        busy = False
        for pid in os.listdir("/proc"):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmd = f.read()
            except OSError:
                continue
            busy |= b"qemu" in cmd and image.encode() in cmd
        if not busy:
            return
        time.sleep(0.05)


def boot_until_appliance(bareflow, image, entry, tmp, label, marker=A_MARKER):
    """Boots until a boot ran the appliance; returns the failures."""
    failures = 0
    for _ in range(MAX_BOOTS):
        problem, said = boot(bareflow, image, entry, tmp, marker=marker)
        records = read_journal(bareflow, image, tmp)
        phase = records[-1]["phase"] if records else "?"
        print(f"{label} boot {records[-1]['boot'] if records else '?'} ({phase}): {problem or said}", flush=True)
        failures += problem is not None
        if problem or phase == "appliance":
            break
    return failures


def image_bytes(image):
    st = os.stat(image)
    return f"{st.st_size} bytes ({st.st_blocks * 512} allocated)"


def image_command(bareflow, *args):
    p = subprocess.run([bareflow, "image"] + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout, p.stderr


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def image_temporaries(image):
    """Files beside the image that a command writing a new version of it left."""
    d, name = os.path.split(image)
    return [n for n in os.listdir(d) if n.startswith(name + ".tmp-")]


def refused(bareflow, image, args, words):
    """Returns the failures of `bareflow image ARGS` that should be refused (125, one line with
    `words`) and leave the image as it was."""
    before = digest(image)
    status, out, err = image_command(bareflow, *args)
    ok = (status == 125 and len(err.splitlines()) == 1 and all(w in err for w in words) and digest(image) == before
          and not image_temporaries(image))
    print(f"{'ok  ' if ok else 'FAIL'} image {' '.join(os.path.basename(a) for a in args)}: exit {status}: {err.strip()}")
    return not ok


def stop_shrink(bareflow, image, tmp):
    """`--shrink-disk` stopped (SIGTERM) while it writes the new image, on a copy of `image`:
    the copy stays as it was and nothing is left beside it. Returns the failures."""
    copy = os.path.join(tmp, "copy.img")
    subprocess.run(["cp", "--sparse=always", image, copy], check=True)
    before = digest(copy)
    p = subprocess.Popen([bareflow, "image", "--shrink-disk", copy], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen = False
    while p.poll() is None and not seen:
        seen = bool(image_temporaries(copy))
        time.sleep(0.001)
    if seen:
        p.send_signal(signal.SIGTERM)
    p.wait()
    left, same = image_temporaries(copy), digest(copy) == before
    os.unlink(copy)
    print(f"--shrink-disk stopped as it wrote the new image: exit {p.returncode}, the image "
          f"{'as it was' if same else 'CHANGED'}, left beside it {left}")
    return not seen or not same or bool(left) or p.returncode != -signal.SIGTERM


def shrink(bareflow, image, entry, tmp):
    """--shrink-disk of a converged image; returns the failures."""
    failures = stop_shrink(bareflow, image, tmp)
    size = os.path.getsize(image)
    status, out, err = image_command(bareflow, "--shrink-disk", image)
    if status != 0:
        print(f"FAIL: --shrink-disk: exit {status}: {err}")
        return failures + 1
    print(f"--shrink-disk: {out.strip()}; image now {image_bytes(image)}")
    left = state_files(image, "")
    gone = [n for n in ("bareflow-static", "llama.bc", "sysroot", "cache", "grow.cfg") if any(n in f for f in left)]
    if os.path.getsize(image) * 2 > size or gone or not state_files(image, "appliance-") or image_temporaries(image):
        print(f"FAIL: after --shrink-disk /bareflow holds {left}, the image {os.path.getsize(image)} bytes (was {size})")
        failures += 1
    fsck = fsck_problem(image, tmp)
    if fsck:
        print(f"FAIL: fsck.fat -n after --shrink-disk: {fsck}")
        failures += 1
    before = len(read_journal(bareflow, image, tmp))
    problem, said = boot(bareflow, image, entry, tmp)
    records = read_journal(bareflow, image, tmp)
    print(f"shrunk, boot {records[-1]['boot'] if records else '?'} ({records[-1]['phase'] if records else '?'}): "
          f"{problem or said}")
    if problem or len(records) != before + 1 or records[-1]["phase"] != "appliance":
        print("FAIL: the shrunk image's boot")
        failures += 1
    failures += plain_qemu(bareflow, image, entry, tmp)
    failures += refused(bareflow, image, ["--regrow", image], ["shrunk by --shrink-disk"])
    failures += refused(bareflow, image, ["--shrink-disk", image], ["already shrunk"])
    return failures


def loop(bareflow, llama_bc, shared, entry, tmp):
    image = grow_image(bareflow, llama_bc, shared, entry, tmp)
    print(f"image before: {image_bytes(image)}")
    failures = refused(bareflow, image, ["--shrink-disk", image], ["has not converged", "boot.cfg"])
    with open(os.path.join(tmp, "not.bc"), "w") as f:
        f.write("int main() {}\n")
    failures += refused(bareflow, image, ["--regrow", image, os.path.join(tmp, "not.bc")], ["not.bc", "not LLVM bitcode"])
    failures += boot_until_appliance(bareflow, image, entry, tmp, "")
    print(f"image after: {image_bytes(image)}")
    records = read_journal(bareflow, image, tmp)
    problems = appliance_problems(records)
    for problem in problems:
        print(f"FAIL: {problem}")
    failures += len(problems)
    problem = show_problem(bareflow, image, records, tmp)
    if problem:
        print(f"FAIL: {problem}")
        failures += 1
    return failures + shrink(bareflow, image, entry, tmp)


def state_files(image, part):
    """The names under /bareflow that hold `part`."""
    offset, _ = fat_partition(image)
    p = subprocess.run(["mdir", "-b", "-i", f"{image}@@{offset}", "::/bareflow"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    return [line for line in p.stdout.splitlines() if part in line]


def temporaries(image):
    return state_files(image, ".tmp-")


def kill_at(bareflow, image, entry, tmp, text, after, moment):
    """Boots until a boot's stderr shows `text` and kills QEMU `after` seconds later; then the
    partition must be clean. Returns the failures."""
    for _ in range(MAX_BOOTS):
        problem, said = boot(bareflow, image, entry, tmp, kill_on=text, kill_after=after)
        if problem:
            print(f"FAIL: {problem}")
            return 1
        if said == "killed":
            break
        print(f"boot {read_journal(bareflow, image, tmp)[-1]['boot']}: {said}", flush=True)
    else:
        print(f"FAIL: no boot got to '{text}' in {MAX_BOOTS} boots")
        return 1
    fsck = fsck_problem(image, tmp)
    print(f"killed {moment}, after the reference tokens; the journal holds {len(read_journal(bareflow, image, tmp))} "
          f"boots, temporaries {temporaries(image)}; fsck: {'clean' if not fsck else fsck}", flush=True)
    return fsck is not None


def kill_during_switch(bareflow, llama_bc, shared, entry, tmp):
    image = grow_image(bareflow, llama_bc, shared, entry, tmp)
    failures = kill_at(bareflow, image, entry, tmp, EXPORTING, INTO_EXPORT_S, "during the export")
    # The next boot grows (its streak still K), removes the export's temporaries and exports again.
    failures += kill_at(bareflow, image, entry, tmp, SWITCHING, 0, "during the switch")
    if failures:
        return failures
    failures += boot_until_appliance(bareflow, image, entry, tmp, "after the kills,")
    records = read_journal(bareflow, image, tmp)
    if not records or records[-1]["phase"] != "appliance":
        print("FAIL: no appliance after the kills")
        return failures + 1
    if temporaries(image):
        print(f"FAIL: temporaries left: {temporaries(image)}")
        failures += 1
    return failures + regrow(bareflow, llama_bc, image, entry, tmp, len(records))


def state_text(image, name):
    offset, _ = fat_partition(image)
    p = subprocess.run(["mtype", "-i", f"{image}@@{offset}", f"::/bareflow/{name}"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    return p.stdout if p.returncode == 0 else None


def version_b(llama_bc, tmp):
    """llama.bc with one constant changed: its last line says STOP where A says stop."""
    llvm_dis, llvm_as = sys.argv[5:7]
    text = subprocess.run([llvm_dis, llama_bc, "-o", "-"], stdout=subprocess.PIPE, check=True, text=True).stdout
    if text.count("; stop: %s") != 1:
        raise RuntimeError("llama.bc: the format of its last line is not there once")
    b_bc = os.path.join(tmp, "llama.bc")  # the image keeps its program's name; B's file is named alike
    subprocess.run([llvm_as, "-o", b_bc], input=text.replace("; stop: %s", "; STOP: %s"), check=True, text=True)
    return b_bc


def regrow(bareflow, llama_bc, image, entry, tmp, before):
    """--regrow alone, then with version B; returns the failures."""
    status, out, err = image_command(bareflow, "--regrow", image)
    if status != 0 or state_files(image, "appliance-") or state_text(image, "boot.cfg") != state_text(image, "grow.cfg"):
        print(f"FAIL: --regrow: exit {status}: {err}; /bareflow holds {state_files(image, '')}")
        return 1
    print("--regrow: the appliance removed, boot.cfg the grow entry")
    os.makedirs(os.path.join(tmp, "b"), exist_ok=True)
    b_bc = version_b(llama_bc, os.path.join(tmp, "b"))
    status, out, err = image_command(bareflow, "--regrow", image, b_bc)
    if status != 0 or image_temporaries(image):
        print(f"FAIL: --regrow IMAGE B.bc: exit {status}: {err}")
        return 1
    failures = boot_until_appliance(bareflow, image, entry, tmp, "version B,", marker=B_MARKER)
    records = read_journal(bareflow, image, tmp)
    b = records[before:]
    phases = [r["phase"] for r in b]
    a_module = records[0]["module"]
    modules = {r["module"] for r in b}
    cfg = state_text(image, "appliance.cfg") or ""
    print(f"version B: phases {phases}, module {sorted(modules)} (A: {a_module}), first boot compiles "
          f"{b[0]['compiles'] if b else '?'}, cache hits {b[0]['cache_hits'] if b else '?'}")
    if not phases or phases[0] != "grow" or "converged" not in phases or phases[-1] != "appliance":
        print(f"FAIL: after --regrow with B the phases are {phases}, not grow..., converged, appliance")
        failures += 1
    if len(modules) != 1 or a_module in modules or f"lifecycle-module={b[-1]['module']}" not in cfg:
        print(f"FAIL: B's boots name modules {modules}; appliance.cfg: {cfg}")
        failures += 1
    if b and (b[0]["compiles"] == 0 or b[0]["cache_hits"] != 0):
        print(f"FAIL: B's first boot took A's code from the cache: {b[0]}")
        failures += 1
    if len(state_files(image, "appliance-")) != 1:
        print(f"FAIL: appliances {state_files(image, 'appliance-')}")
        failures += 1
    return failures


if __name__ == "__main__":
    sys.exit(main({"loop": loop, "kill": kill_during_switch}, "bareflow-lifecycle-image."))
