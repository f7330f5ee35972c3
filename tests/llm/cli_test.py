#!/usr/bin/env python3
"""Command-line checks of `generate` (bareflow generate, or the llama app with the same flags).

usage: cli_test.py references|bad_input PROGRAM [SUBCOMMAND] SHARED_DIR

references: every entry of reference_greedy.json through --json (and the fp32 ones again
            through stories260K.gguf and its own vocabulary) gives the reference tokens and text.
bad_input:  each kind of bad file gets exactly one line `bareflow: FILE: problem` and exit 1.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import reference  # noqa: E402


def run(cmd, *args):
    return subprocess.run(cmd + list(args), capture_output=True, timeout=120)


def check_references(cmd, shared):
    models = os.path.join(shared, "models")
    entries = reference.load(shared)
    failures = 0
    runs = []
    for e in entries:
        runs.append((e, reference.model_args(shared, e)))
        if e["model"] == "stories260K.bin":
            runs.append((e, ["-m", os.path.join(models, "stories260K.gguf")]))
    for e, model_args in runs:
        p = run(cmd, *model_args, "-p", e["prompt"], "-n", str(e["steps"]), "--temp", "0", "--json")
        label = f"{' '.join(model_args)} prompt={e['prompt']!r}"
        if p.returncode != 0:
            print(f"FAIL {label}: exit {p.returncode}: {p.stderr.decode(errors='replace')}")
            failures += 1
            continue
        out = json.loads(p.stdout)
        problems = [k for k in ("prompt_tokens", "generated_tokens", "text", "stopped_on_bos") if out[k] != e[k]]
        if len(out["token_ms"]) != len(out["generated_tokens"]) or out["tok_per_s"] <= 0:
            problems.append("timings")
        if problems:
            print(f"FAIL {label}: {problems} differ")
            failures += 1
        else:
            print(f"ok   {label}")
    # Streaming mode prints the same text plus a newline.
    e = entries[0]
    p = run(cmd, *reference.model_args(shared, e), "-p", e["prompt"], "-n", str(e["steps"]), "-t", "0",
            "--threads", "1")
    if p.returncode != 0 or p.stdout.decode() != e["text"] + "\n":
        print("FAIL streaming output differs")
        failures += 1
    # Sampling is reproducible from the seed, and the seed matters.
    sample = lambda seed: run(cmd, "-m", os.path.join(models, "stories260K.bin"), "-z",
                              os.path.join(models, "tok512.bin"), "-n", "60", "--temp", "0.9",
                              "--top-p", "0.9", "--seed", str(seed), "--json")
    a, b, c = (json.loads(sample(s).stdout)["generated_tokens"] for s in (7, 7, 8))
    if a != b or a == c:
        print("FAIL sampling is not a function of the seed")
        failures += 1
    return failures


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def check_bad_input(cmd, shared):
    models = os.path.join(shared, "models")
    tok512 = os.path.join(models, "tok512.bin")
    with open(os.path.join(models, "stories260K.bin"), "rb") as f:
        v0 = f.read()
    with open(os.path.join(models, "stories260K.gguf"), "rb") as f:
        gguf = f.read()
    with open(os.path.join(models, "stories260K_q80_gs4.bin"), "rb") as f:
        q80 = f.read()

    def header(field, value):
        b = bytearray(v0)
        struct.pack_into("<i", b, 4 * field, value)
        return bytes(b)

    def gguf_tensor_type(name, t):
        b = bytearray(gguf)
        at = b.index(name.encode()) + len(name)
        n_dims = struct.unpack_from("<I", b, at)[0]
        struct.pack_into("<I", b, at + 4 + 8 * n_dims, t)
        return bytes(b)

    failures = 0
    with tempfile.TemporaryDirectory() as d:
        cases = [
            # (name, model bytes, tokenizer path or None for the default, expected text in the line)
            ("truncated", v0[: len(v0) // 2], tok512, "file too short"),
            ("oversized", v0 + b"\0" * 64, tok512, "bytes beyond the weights"),
            ("header only", v0[:28], tok512, "file too short"),
            ("tiny", v0[:5], tok512, "too short for a checkpoint header"),
            ("zero dim", header(0, 0), tok512, "dim is 0"),
            ("negative layers", header(2, -1), tok512, "n_layers is -1"),
            ("heads not dividing dim", header(3, 7), tok512, "does not divide dim"),
            ("seq_len 0", header(6, 0), tok512, "seq_len is 0"),
            ("more layers than weights", header(2, 9), tok512, "file too short"),
            ("wrong magic", b"GGUG" + gguf[4:], None, "unknown format: magic 'GGUG'"),
            ("wrong version", q80[:4] + struct.pack("<i", 5) + q80[8:], tok512, "unsupported checkpoint version 5"),
            ("gguf unknown tensor type", gguf_tensor_type("blk.2.ffn_down.weight", 77), None, "unsupported type 77"),
            ("gguf truncated", gguf[:-4096], None, "file too short"),
            ("gguf wrong version", gguf[:4] + struct.pack("<I", 99) + gguf[8:], None, "unsupported GGUF version 99"),
            ("empty", b"", tok512, "empty file"),
        ]
        for name, data, tok, expect in cases:
            path = write(os.path.join(d, name.replace(" ", "_") + ".bin"), data)
            args = ["-m", path, "-n", "4", "-t", "0"] + (["-z", tok] if tok else [])
            failures += expect_error(cmd, args, path, expect, name)
        # A tokenizer that does not match the model, a missing one, a truncated one.
        m = os.path.join(models, "stories260K.bin")
        failures += expect_error(cmd, ["-m", m, "-z", os.path.join(models, "tokenizer.bin")],
                                 os.path.join(models, "tokenizer.bin"),
                                 "tokenizer has 32000 tokens but the model's vocabulary has 512", "tokenizer mismatch")
        with open(tok512, "rb") as f:
            short_tok = write(os.path.join(d, "short_tok.bin"), f.read()[:-10])
        failures += expect_error(cmd, ["-m", m, "-z", short_tok], short_tok, "file too short", "truncated tokenizer")
        failures += expect_error(cmd, ["-m", m], m, "carries no vocabulary", "no tokenizer")
        missing = os.path.join(d, "missing.bin")
        failures += expect_error(cmd, ["-m", missing], missing, "cannot open", "missing file")
        failures += expect_error(cmd, ["-m", d], d, "not a regular file", "a directory")
        # Bad flags: a usage message and exit 1, before any file is read.
        for args in (["-m", m, "-n", "-5"], ["-m", m, "--temp", "hot"], ["-m", m, "--top-p", "2"],
                     ["-m", m, "--threads", "0"], ["-m", m, "--frobnicate", "1"], ["-m"], []):
            p = run(cmd, *args)
            ok = p.returncode == 1 and p.stderr.startswith(b"bareflow generate: ") and p.stdout == b""
            print(f"{'ok  ' if ok else 'FAIL'} flags {args[2:] or args}: exit {p.returncode}")
            failures += 0 if ok else 1
    return failures


def expect_error(cmd, args, path, expect, name):
    p = run(cmd, *args)
    lines = p.stderr.decode(errors="replace").splitlines()
    ok = (p.returncode == 1 and len(lines) == 1 and lines[0].startswith(f"bareflow: {path}: ")
          and expect in lines[0] and p.stdout == b"")
    print(f"{'ok  ' if ok else 'FAIL'} {name}: exit {p.returncode}, stderr {lines}")
    return 0 if ok else 1


def main():
    mode, program = sys.argv[1], sys.argv[2]
    rest = sys.argv[3:]
    cmd = [program] + rest[:-1]  # `bareflow generate` or just `llama`
    shared = rest[-1]
    failures = check_references(cmd, shared) if mode == "references" else check_bad_input(cmd, shared)
    print(f"{failures} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
