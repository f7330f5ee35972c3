#!/usr/bin/env python3
"""Command-line checks of `generate` (bareflow generate, or the llama app with the same flags).

usage: cli_test.py references|bad_input|options PROGRAM [SUBCOMMAND] SHARED_DIR
       cli_test.py help BAREFLOW COMMAND...

references: every entry of reference_greedy.json through --json (and the fp32 ones again
            through stories260K.gguf and its own vocabulary) gives the reference tokens and text.
bad_input:  each kind of bad file gets exactly one line `bareflow: FILE: problem` and exit 1.
options:    llama.cpp's meanings (-t threads, -n tokens to generate, -c, -f, -p -, piped stdin,
            -r, --ignore-eos, the seed printed, a prompt longer than the context, the sampling
            options and the long spellings, Ctrl-C).
help:       every engine command has --help, each option with a line of meaning; generate's
            include llama-cli's.
"""
import json
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import reference  # noqa: E402


def run(cmd, *args, stdin=b""):
    return subprocess.run(cmd + list(args), input=stdin, capture_output=True, timeout=120)


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
        p = run(cmd, *model_args, "-p", e["prompt"], "-n", str(reference.n_predict(e)), "--temp", "0", "--json")
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
    p = run(cmd, *reference.model_args(shared, e), "-p", e["prompt"], "-n", str(reference.n_predict(e)),
            "--temp", "0", "-t", "1")
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

    def gguf_metadata(key, old, new):
        b = bytearray(gguf)
        at = b.index(key.encode()) + len(key)
        assert b[at:at + len(old)] == old and len(new) == len(old)
        b[at:at + len(old)] = new
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
            ("gguf unknown tensor type", gguf_tensor_type("blk.2.ffn_down.weight", 77), None,
             "has type number 77 (unknown to ggml), which is not supported"),
            ("gguf Q3_K tensor", gguf_tensor_type("blk.2.ffn_down.weight", 11), None,
             "tensor blk.2.ffn_down.weight has type Q3_K, which is not supported (supported: F32, F16, BF16, Q4_0"),
            ("gguf truncated", gguf[:-4096], None, "file too short"),
            ("gguf wrong version", gguf[:4] + struct.pack("<I", 99) + gguf[8:], None, "unsupported GGUF version 99"),
            ("empty", b"", tok512, "empty file"),
            # A byte-level BPE vocabulary (gpt2) would tokenize wrongly: refused. (Same length as
            # "llama", so that the tensors stay where they are.)
            ("gguf gpt2 vocabulary", gguf_metadata("tokenizer.ggml.model", struct.pack("<IQ", 8, 5) + b"llama",
                                                   struct.pack("<IQ", 8, 5) + b"gpt2\0"), None,
             "tokenizer.ggml.model is 'gpt2': only SentencePiece vocabularies ('llama') are supported"),
            ("gguf bos beyond the vocabulary", gguf_metadata("tokenizer.ggml.bos_token_id", struct.pack("<II", 4, 1),
                                                             struct.pack("<II", 4, 99999)), None,
             "bos/eos_token_id 99999 is beyond the vocabulary of 512"),
        ]
        for name, data, tok, expect in cases:
            path = write(os.path.join(d, name.replace(" ", "_") + ".bin"), data)
            args = ["-m", path, "-n", "4", "--temp", "0"] + (["-z", tok] if tok else [])
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
                     ["-m", m, "--threads", "0"], ["-m", m, "-t", "0"], ["-m", m, "--frobnicate", "1"],
                     ["-m", m, "-i", "Once"], ["-m", m, "--steps", "10"], ["-m", m, "-c", "-1"],
                     ["-m", m, "--min-p", "1.5"], ["-m", m, "--top-k", "x"], ["-m", m, "-s", "-2"],
                     ["-m", m, "--json=yes"], ["-m"], []):
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


def check_options(cmd, shared):
    models = os.path.join(shared, "models")
    entries = reference.load(shared)
    e = entries[0]  # "Once upon a time", not stopped on BOS
    base = reference.model_args(shared, e)
    failures = 0

    def expect(name, ok, detail=""):
        nonlocal failures
        print(f"{'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + str(detail)}")
        failures += 0 if ok else 1

    def greedy(*args, stdin=b""):
        p = run(cmd, *base, "--temp", "0", "--json", *args, stdin=stdin)
        try:
            return p, json.loads(p.stdout)
        except ValueError:
            return p, None

    want = e["generated_tokens"]
    # -t is threads (llama.cpp), not llama2.c's temperature: greedy output does not depend on it.
    for threads in ("1", "3", "8"):
        p, out = greedy("-p", e["prompt"], "-n", "20", "-t", threads)
        expect(f"-t {threads} is threads", out is not None and out["generated_tokens"] == want[:20]
               and f"{threads} threads" in p.stderr.decode(), p.stderr.decode())
    # -n counts generated tokens, whatever the prompt's length.
    for n in (0, 1, 7):
        p, out = greedy("-p", e["prompt"], "-n", str(n))
        expect(f"-n {n} generates {n}", out is not None and out["generated_tokens"] == want[:n]
               and out["stop"] == "length", p.stderr.decode())
    # -n -1: until the end of text (llama2.c models end with BOS) or a full context.
    p, out = greedy("-p", "", "-n", "-1")
    n_eos = len(out["generated_tokens"]) if out else 0
    expect("-n -1 runs to the end of text", out is not None and out["stop"] == "eos" and out["stopped_on_bos"]
           and 100 < n_eos < 512, p.stderr.decode())
    p, out = greedy("-p", "", "-n", "-1", "--ignore-eos")
    expect("--ignore-eos runs past it to the full context", out is not None and out["stop"] == "context"
           and len(out["generated_tokens"]) == 512 and not {1, 2} & set(out["generated_tokens"]), p.stderr.decode())
    p, out = greedy("-p", e["prompt"], "-n", "-1", "-c", "16")
    expect("-c 16 holds 16 positions", out is not None and out["stop"] == "context" and out["n_ctx"] == 16
           and out["generated_tokens"] == want[:16 - 5 + 1], p.stderr.decode())
    p, out = greedy("-p", e["prompt"], "-n", "50", "-c", "16")
    expect("-n beyond the context says so", out is not None and out["stop"] == "context"
           and b"the context (16 tokens, -c) is full: 12 of the 50" in p.stderr, p.stderr.decode())
    p, out = greedy("-p", e["prompt"], "-n", "3", "-c", "100000")
    expect("-c beyond the model's is cut with a warning", out is not None and out["n_ctx"] == 512
           and b"-c 100000 is beyond the model's context of 512" in p.stderr, p.stderr.decode())
    # The prompt from a file, from stdin with -p -, and from a piped stdin.
    with tempfile.TemporaryDirectory() as d:
        path = write(os.path.join(d, "prompt.txt"), e["prompt"].encode() + b"\n")
        for name, args, stdin in (("-f FILE", ["-f", path], b""),
                                  ("-p -", ["-p", "-"], e["prompt"].encode() + b"\n"),
                                  ("piped stdin", [], e["prompt"].encode())):
            p, out = greedy(*args, "-n", "5", stdin=stdin)
            expect(f"prompt from {name}", out is not None and out["prompt_tokens"] == e["prompt_tokens"]
                   and out["generated_tokens"] == want[:5], p.stderr.decode())
        nul = write(os.path.join(d, "nul.txt"), b"Once\0upon")
        failures += expect_error(cmd, base + ["-f", nul], nul, "the prompt contains a NUL byte", "a NUL in -f")
        missing = os.path.join(d, "missing.txt")
        failures += expect_error(cmd, base + ["-f", missing], missing, "cannot open", "-f of a missing file")
        # A prompt longer than the context: one clear error, or its tail with --keep-tail.
        long_prompt = " ".join(["the little dog ran to the park"] * 120)
        p = run(cmd, *base, "-p", long_prompt, "-n", "4")
        lines = p.stderr.decode().splitlines()
        expect("a prompt beyond the context fails", p.returncode == 1 and len(lines) == 1 and p.stdout == b""
               and "tokens but the context holds 512" in lines[0] and "--keep-tail" in lines[0], lines)
        p, out = greedy("-p", long_prompt, "-n", "4", "-c", "64", "--keep-tail")
        expect("--keep-tail keeps BOS and the end", out is not None and len(out["prompt_tokens"]) == 60
               and out["prompt_tokens"][0] == 1 and len(out["generated_tokens"]) == 4
               and b"keeping its last 59 (--keep-tail)" in p.stderr, p.stderr.decode())
    # Stop strings end the text before them; the seed used is printed and reproduces the run.
    p, out = greedy("-p", e["prompt"], "-n", "100", "-r", "Lily", "-r", "nothing like this")
    expect("-r stops before the string", out is not None and out["stop"] == "stop"
           and out["text"] == "Once upon a time, there was a little girl named ", p.stdout.decode())
    sample = lambda *args: run(cmd, *base, "-p", e["prompt"], "-n", "30", "--json", *args)
    p = sample()
    first = json.loads(p.stdout)
    p2 = sample("-s", str(first["seed"]))
    expect("the printed seed reproduces the run", p2.returncode == 0 and
           json.loads(p2.stdout)["generated_tokens"] == first["generated_tokens"]
           and f"seed {first['seed']}" in p.stderr.decode(), p.stderr.decode())
    failures += check_sampling_options(cmd, base, e)
    # Ctrl-C ends generation and still prints the timings (exit 130).
    failures += check_interrupt(cmd, shared)
    return failures


def check_sampling_options(cmd, base, e):
    """llama.cpp's long spellings, and the sampling options as the command line passes them."""
    failures = 0
    want = e["generated_tokens"]

    def tokens(*args):
        p = run(cmd, *base, "-p", e["prompt"], "--json", *args)
        try:
            return json.loads(p.stdout)["generated_tokens"]
        except ValueError:
            return p.stderr.decode()

    def expect(name, ok, detail=""):
        nonlocal failures
        print(f"{'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + str(detail)}")
        failures += 0 if ok else 1

    got = tokens("--temp", "0", "--n-predict", "7", "--threads", "2", "--ctx-size", "64", "--seed", "3")
    expect("--n-predict, --threads, --ctx-size, --seed", got == want[:7], got)
    # At a high temperature, each filter alone that keeps only the likeliest token is greedy.
    for name, args in (("--top-k 1", ["--top-k", "1"]), ("--top-p 0.001", ["--top-p", "0.001"]),
                       ("--min-p 1", ["--min-p", "1"])):
        got = tokens("--temp", "2", "-s", "11", "-n", "30", "--top-k", "0", "--top-p", "1", "--min-p", "0", *args)
        expect(f"{name} at --temp 2 is greedy", got == want[:30], got)
    got = tokens("--temp", "2", "-s", "11", "-n", "30", "--top-k", "0", "--top-p", "1", "--min-p", "0")
    expect("with the filters off, --temp 2 is not greedy", got != want[:30], got)
    # The penalty turns greedy away from tokens seen; --repeat-last-n 0 turns it off.
    got = tokens("--temp", "0", "-n", "30", "--repeat-penalty", "3", "--repeat-last-n", "-1")
    expect("--repeat-penalty 3 changes greedy output", isinstance(got, list) and len(got) == 30 and got != want[:30]
           and len(set(got)) > len(set(want[:30])), got)
    got = tokens("--temp", "0", "-n", "30", "--repeat-penalty", "3", "--repeat-last-n", "0")
    expect("--repeat-last-n 0 turns it off", got == want[:30], got)
    for option, value in (("--top-p", "1.5"), ("--min-p", "-0.1"), ("--top-k", "x"), ("--repeat-penalty", "0"),
                          ("--repeat-last-n", "-2"), ("--temp", "-1")):
        p = run(cmd, *base, "-p", e["prompt"], option, value)
        line = p.stderr.decode()
        expect(f"{option} {value} is refused", p.returncode == 1 and p.stdout == b"" and len(line.splitlines()) == 1
               and f"bad value '{value}' for {option}" in line, line)
    return failures


def check_interrupt(cmd, shared):
    models = os.path.join(shared, "models")
    with tempfile.TemporaryDirectory() as d:
        slow = os.path.join(d, "s15.bin")  # random weights, slow enough to be stopped mid-way
        if cmd[1:] != ["generate"]:
            print("skip Ctrl-C: synth is a bareflow command")
            return 0
        bareflow = cmd[0]
        subprocess.run([bareflow, "synth", "--shape", "stories15M", slow], check=True, capture_output=True)
        p = subprocess.Popen(cmd + ["-m", slow, "-z", os.path.join(models, "tokenizer.bin"), "-p", "Hello",
                                    "-n", "-1", "--ignore-eos", "-t", "1"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        first = p.stdout.read(5)  # the prompt is shown once the handler is in place
        p.stdout.read(20)  # and a few generated tokens
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        counted = re.search(rb"; (\d+) tokens at [0-9.]+ tok/s", err)
        ok = (first == b"Hello" and p.returncode == 130 and b"stop: interrupted" in err and counted
              and int(counted.group(1)) > 0)
        print(f"{'ok  ' if ok else 'FAIL'} Ctrl-C prints the timings: exit {p.returncode}, {err.decode()!r}")
        return 0 if ok else 1


def check_help(bareflow, commands):
    """`bareflow CMD --help` prints the usage and its options on stdout, exit 0."""
    failures = 0
    for c in commands:
        p = run([bareflow, c], "--help")
        out = p.stdout.decode()
        options = [line for line in out.splitlines() if line.startswith("  -")]
        ok = p.returncode == 0 and out.startswith(f"usage: bareflow {c}") and p.stderr == b"" and options
        print(f"{'ok  ' if ok else 'FAIL'} {c} --help: exit {p.returncode}, {len(options)} options")
        failures += 0 if ok else 1
        # Each option the command takes has a line of meaning (on its line, or the next when the
        # names are long); generate's include llama-cli's.
        lines = out.splitlines()
        listed, bare = set(), []
        for i, line in enumerate(lines):
            m = re.match(r"  (-\S.*?)(?:\s{2,}(\S.*))?$", line)
            if not m:
                continue
            listed |= set(re.findall(r"(?<![\w-])(--?[\w-]+)", m.group(1)))
            following = lines[i + 1] if i + 1 < len(lines) else ""
            if not m.group(2) and not (following.startswith("    ") and following.strip()):
                bare.append(line)
        missing = sorted(LLAMA_CLI_OPTIONS - listed) if c == "generate" else []
        ok = not missing and not bare
        print(f"{'ok  ' if ok else 'FAIL'} {c} --help: every option explained"
              f"{'' if ok else f' (missing {missing}, without meaning {bare})'}")
        failures += 0 if ok else 1
    return failures


# The options of llama.cpp's llama-cli that generate takes as well (docs/generate.md).
LLAMA_CLI_OPTIONS = {"-t", "--threads", "-n", "--n-predict", "-c", "--ctx-size", "--temp", "-s", "--seed", "-f",
                     "--file", "-p", "--prompt", "--top-k", "--top-p", "--min-p", "--repeat-penalty",
                     "--repeat-last-n", "--ignore-eos", "-r", "--reverse-prompt", "--keep-tail", "-m", "--model"}


def main():
    if sys.argv[1] == "help":  # help BAREFLOW COMMAND...
        failures = check_help(sys.argv[2], sys.argv[3:])
        print(f"{failures} failure(s)")
        sys.exit(1 if failures else 0)
    mode, program = sys.argv[1], sys.argv[2]
    rest = sys.argv[3:]
    cmd = [program] + rest[:-1]  # `bareflow generate` or just `llama`
    shared = rest[-1]
    check = {"references": check_references, "bad_input": check_bad_input, "options": check_options}[mode]
    failures = check(cmd, shared)
    print(f"{failures} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
