#!/usr/bin/env python3
"""bareflow.bc run by bareflow (docs/meta-circular.md).

usage: meta_run_test.py help BAREFLOW BAREFLOW_BC
       meta_run_test.py llama BAREFLOW BAREFLOW_BC LLAMA_BC SHARED_DIR LEVELS TIERS TOKENS [+LEVEL:NAME=VALUE...]
                        [EXPECT...]

help: `bareflow run --tier=interp bareflow.bc -- --help` prints native bareflow's usage without the
commands the bitcode build leaves out (it has only `run`), and `-- run --help` prints exactly
what native `bareflow run --help` does.

llama: LEVELS runtimes nested (2: bareflow runs bareflow.bc, which runs llama.bc; 3: one more
bareflow.bc between), the outermost first in TIERS (comma-separated, one per level), generate
TOKENS tokens of stories260K greedily with 2 threads and must give the reference tokens.
+LEVEL:NAME=VALUE passes --jit-param NAME=VALUE to that level. Each EXPECT is LEVEL:TEXT: that level's --tier-log must have a line containing TEXT (level 1 is the
outermost; both levels log to stderr, told apart by the names: only llama.bc has bf::llm)."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import reference  # noqa: E402


def run(cmd):
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)


def is_command_line(line):
    """A line of the usage's command list: two spaces, a command, then its description."""
    return line.startswith("  ") and not line.startswith("   ") and len(line.split()) > 1


def check_help(bareflow, bareflow_bc):
    failed = 0
    inner = [bareflow, "run", "--tier=interp", "--no-cache", bareflow_bc, "--"]
    native, meta = run([bareflow, "--help"]), run(inner + ["--help"])
    want = native.stdout.splitlines()
    got = meta.stdout.splitlines()
    left_out = [l for l in want if l not in got]
    if meta.returncode != native.returncode or not got or not got[0].startswith("usage: bareflow") or \
            [l for l in want if l in got] != got or not all(is_command_line(l) for l in left_out) or \
            not any(l.split()[0] == "run" for l in got if is_command_line(l)):
        failed += 1
        print(f"FAIL --help: exit {meta.returncode} (native {native.returncode}); stderr: {meta.stderr[-600:]}")
        print("  native:\n" + native.stdout + "  bareflow.bc:\n" + meta.stdout)
    else:
        print(f"ok --help: the usage, without the {len(left_out)} commands that bareflow.bc leaves out")
    native, meta = run([bareflow, "run", "--help"]), run(inner + ["run", "--help"])
    if (meta.returncode, meta.stdout) != (native.returncode, native.stdout) or not native.stdout:
        failed += 1
        print(f"FAIL run --help: exit {meta.returncode} (native {native.returncode}); stderr: {meta.stderr[-600:]}")
    else:
        print(f"ok run --help: the same {len(meta.stdout)} bytes as native")
    return 1 if failed else 0


def check_llama(bareflow, bareflow_bc, llama_bc, shared, levels, tiers, tokens, expects):
    tiers = tiers.split(",")
    params = {}
    for p in [e for e in expects if e.startswith("+")]:
        level, param = p[1:].split(":", 1)
        params.setdefault(int(level), []).extend(["--jit-param", param])
    expects = [e for e in expects if not e.startswith("+")]
    if len(tiers) != levels:
        print(f"{levels} levels need {levels} tiers, got {tiers}")
        return 2
    command = [bareflow]
    for level, tier in enumerate(tiers):
        program = llama_bc if level == levels - 1 else bareflow_bc
        command += ["run", f"--tier={tier}", "--no-cache"] + (["--tier-log"] if tier != "interp" else [])
        command += params.get(level + 1, [])
        command += [program, "--"]
    # The reference entry with the empty prompt: its tokens are those of the examples.
    entry = next(e for e in reference.load(shared) if e["model"] == "stories260K.bin" and e["prompt"] == "")
    ok, message, p = reference.run_entry(command, shared, entry, tokens)
    print(("ok " if ok else "FAIL ") + " ".join(tiers) + ": " + message)
    log = [l for l in p.stderr.decode(errors="replace").splitlines() if l.startswith("[tier]")]
    for expect in expects:
        level, text = expect.split(":", 1)
        if any(text in l for l in log):
            print(f"ok level {level}'s tier log names {text}")
        else:
            ok = False
            print(f"FAIL level {level}'s tier log does not name {text}; the tier log:\n" + "\n".join(log))
    return 0 if ok else 1


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "help":
        return check_help(*sys.argv[2:4])
    if len(sys.argv) >= 9 and sys.argv[1] == "llama":
        bareflow, bareflow_bc, llama_bc, shared, levels, tiers, tokens = sys.argv[2:9]
        return check_llama(bareflow, bareflow_bc, llama_bc, shared, int(levels), tiers, int(tokens), sys.argv[9:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
