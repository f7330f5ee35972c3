#!/usr/bin/env python3
"""bareflow chat, through pipes and under a pseudo-terminal (as a user types it).

usage: chat_test.py BAREFLOW SHARED_DIR

- The first reply is what generate writes for the same conversation text (the template applied).
- The KV cache is kept across turns: every token in the context was computed once.
- The template comes from the GGUF's tokenizer.chat_template (recognised), or --chat-template;
  an unknown one is refused.
- Under a pty: the prompt, Ctrl-C stops a reply without leaving, the context-full message and
  /clear, Ctrl-D leaves; generate -cnv is chat.
"""
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time

failures = 0


def expect(name, ok, detail=""):
    global failures
    print(f"{'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + str(detail)}")
    failures += 0 if ok else 1


def gguf_with_metadata(src, dst, key, value):
    """Copies a GGUF file with one more string metadata pair (the tensor data realigned)."""
    with open(src, "rb") as f:
        b = f.read()
    magic, version, n_tensors, n_kv = struct.unpack_from("<4sIQQ", b, 0)
    at = 24

    def skip_string(at):
        (n,) = struct.unpack_from("<Q", b, at)
        return at + 8 + n

    sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

    def skip_value(at, t):
        if t == 8:
            return skip_string(at)
        if t == 9:
            et, count = struct.unpack_from("<IQ", b, at)
            at += 12
            for _ in range(count):
                at = skip_value(at, et)
            return at
        return at + sizes[t]

    for _ in range(n_kv):
        at = skip_string(at)
        (t,) = struct.unpack_from("<I", b, at)
        at = skip_value(at + 4, t)
    kv_end = at
    for _ in range(n_tensors):
        at = skip_string(at)
        (n_dims,) = struct.unpack_from("<I", b, at)
        at += 4 + 8 * n_dims + 4 + 8
    infos_end = at
    data_start = (infos_end + 31) // 32 * 32
    k, v = key.encode(), value.encode()
    pair = struct.pack("<Q", len(k)) + k + struct.pack("<IQ", 8, len(v)) + v
    head = struct.pack("<4sIQQ", magic, version, n_tensors, n_kv + 1) + b[24:kv_end] + pair + b[kv_end:infos_end]
    head += b"\0" * ((-len(head)) % 32)
    with open(dst, "wb") as f:
        f.write(head + b[data_start:])


def run_piped(cmd, text):
    return subprocess.run(cmd, input=text.encode(), capture_output=True, timeout=120)


class Pty:
    """A command on a pseudo-terminal: its output (stdout and stderr) as one stream."""

    def __init__(self, cmd):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execv(cmd[0], cmd)
        self.out = b""

    def read_until(self, pattern, timeout=60, done=None):
        deadline = time.time() + timeout
        rx = re.compile(pattern)
        while not (done(self.out) if done else rx.search(self.out)):
            left = deadline - time.time()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return False
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:
                return False
            if not chunk:
                return False
            self.out += chunk
        return True

    def send(self, data):
        os.write(self.fd, data)

    def say(self, line, timeout=60):
        """Types a line and waits for the next prompt."""
        prompts = self.out.count(b"\n> ")
        self.send(line + b"\r")
        return self.read_until(b"", timeout, lambda out: out.count(b"\n> ") > prompts and out.endswith(b"> "))

    def wait(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.read_until(rb"(?!x)x", 0.2)  # drain
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        return None


def stats(text):
    m = re.search(rb"(\d+) turns; context (\d+) of (\d+) tokens; prompts (\d+) tokens .*; replies (\d+) tokens", text)
    return tuple(int(g) for g in m.groups()) if m else None


def main():
    bareflow, shared = sys.argv[1:3]
    models = os.path.join(shared, "models")
    gguf = os.path.join(models, "stories260K.gguf")
    chat = [bareflow, "chat", "-m", gguf, "--temp", "0"]

    # The first reply is generate's for the rendered conversation (tok512 has no ChatML tokens,
    # so the text tokenizes the same either way).
    p = run_piped(chat + ["-n", "20", "--chat-template", "chatml"], "Once upon a time\n")
    g = subprocess.run([bareflow, "generate", "-m", gguf, "--temp", "0", "-n", "20", "--no-display-prompt", "-p",
                        "<|im_start|>user\nOnce upon a time<|im_end|>\n<|im_start|>assistant\n"],
                       capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    expect("the first reply is generate's for the template's text", p.returncode == 0 and p.stdout == g.stdout
           and len(p.stdout) > 20, (p.stdout, g.stdout, p.stderr))

    # Three turns: each token in the context was computed once (the cache is kept, not refilled).
    p = run_piped(chat + ["-n", "15"], "Hi\nLily went to the park\nThe end\n")
    s = stats(p.stderr)
    expect("three turns keep one cache", s is not None and s[0] == 3 and s[1] == s[3] + s[4] and s[4] == 45,
           p.stderr)

    # The template a GGUF carries is recognised; an unknown one is refused.
    with tempfile.TemporaryDirectory() as d:
        for family, jinja in (("zephyr", "{% for m in messages %}{% if m['role'] == 'user' %}{{ '<|user|>\n' + "
                                         "m['content'] + eos_token }}{% endif %}{% endfor %}"),
                              ("llama2", "{{ bos_token + '[INST] ' + messages[0]['content'] + ' [/INST]' }}"),
                              ("llama3", "{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\n\n' }}")):
            path = os.path.join(d, family + ".gguf")
            gguf_with_metadata(gguf, path, "tokenizer.chat_template", jinja)
            p = run_piped([bareflow, "chat", "-m", path, "--temp", "0", "-n", "5"], "Hi\n")
            expect(f"a {family} template in the file", p.returncode == 0 and
                   f"template {family} (the model's tokenizer.chat_template)".encode() in p.stderr, p.stderr)
        path = os.path.join(d, "odd.gguf")
        gguf_with_metadata(gguf, path, "tokenizer.chat_template", "{{ messages | tojson }}")
        p = run_piped([bareflow, "chat", "-m", path], "Hi\n")
        expect("an unknown template is refused", p.returncode == 1 and p.stdout == b"" and
               b"none of the templates known here" in p.stderr and b"--chat-template" in p.stderr, p.stderr)
        p = run_piped([bareflow, "chat", "-m", path, "--chat-template", "llama2", "-n", "3"], "Hi\n")
        expect("--chat-template overrides it", p.returncode == 0 and b"template llama2 (--chat-template)" in p.stderr,
               p.stderr)
    p = run_piped([bareflow, "chat", "-m", gguf, "--chat-template", "vicuna"], "")
    expect("an unknown --chat-template name", p.returncode == 1 and b"bad value 'vicuna' for --chat-template" in p.stderr,
           p.stderr)

    # Under a terminal: prompt, reply, Ctrl-C in a long reply, then on; Ctrl-D leaves.
    with tempfile.TemporaryDirectory() as d:
        slow = os.path.join(d, "s15.bin")  # random weights: slow enough to interrupt
        subprocess.run([bareflow, "synth", "--shape", "stories15M", slow], check=True, capture_output=True)
        t = Pty([bareflow, "chat", "-m", slow, "-z", os.path.join(models, "tokenizer.bin"), "-t", "1",
                 "--ignore-eos", "-n", "-1"])
        ok = t.read_until(rb"\n> ")
        t.send(b"Tell me a long story\r")
        ok = ok and t.read_until(rb"Tell me a long story\r?\n.{40}", 60)  # some of the reply
        t.send(b"\x03")  # Ctrl-C, as the terminal sends it
        ok = ok and t.read_until(rb"\[stopped\]\r?\n\r?\n> ", 30)
        t.send(b"Hi\r")
        ok = ok and t.read_until(rb"Hi\r?\n.{10}", 60)
        t.send(b"\x03")
        ok = ok and t.read_until(rb"\[stopped\]\r?\n\r?\n> .*$", 30)
        t.send(b"\x04")  # Ctrl-D
        code = t.wait()
        s = stats(t.out)
        expect("pty: Ctrl-C stops a reply, the chat goes on, Ctrl-D leaves",
               ok and code == 0 and s is not None and s[0] == 2 and s[1] == s[3] + s[4], t.out[-600:])

    # A small context fills: the message says so, /clear starts over. generate -cnv is chat.
    t = Pty([bareflow, "generate", "-cnv", "-m", gguf, "--temp", "0", "-c", "200", "-n", "25"])
    ok = t.read_until(rb"\n> ")
    for _ in range(3):
        ok = ok and t.say(b"Once upon a time there was a dog")
    full = b"the context is full" in t.out
    ok = ok and t.say(b"/clear") and t.out.endswith(b"[cleared]\r\n\r\n> ")
    before = len(t.out)
    ok = ok and t.say(b"Lily") and re.search(rb"Lily\r\n[^>]{5,}\r\n\r\n> $", t.out[before:])
    t.send(b"/exit\r")
    code = t.wait()
    expect("pty: a full context says so, /clear starts over (generate -cnv)",
           ok and full and code == 0 and b"context is full" not in t.out[before:], t.out[-800:])

    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
