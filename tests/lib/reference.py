"""llama2.c's greedy reference outputs (SHARED/testdata/reference_greedy.json, fp32 and Q8_0) and
the token check that the llama app's harnesses share (tests/vm, tests/jit, tests/llm).
Scripts import it with their own ../lib on sys.path."""
import json
import os
import subprocess


def load(shared):
    """The reference entries, in file order."""
    with open(os.path.join(shared, "testdata", "reference_greedy.json")) as f:
        return json.load(f)


def model_args(shared, entry):
    """-m and -z for the entry's model and tokenizer."""
    models = os.path.join(shared, "models")
    return ["-m", os.path.join(models, entry["model"]), "-z", os.path.join(models, entry["tokenizer"])]


def n_predict(entry):
    """The -n that asks for the entry's tokens. The references were made with llama2.c's -n,
    positions with the prompt included (the loop runs while pos < steps); -n now counts generated
    tokens, as llama.cpp's does."""
    return entry["steps"] - len(entry["prompt_tokens"]) + 1


def greedy_args(shared, entry, n, threads):
    """The app's flags for a greedy run of the entry generating n tokens."""
    return model_args(shared, entry) + ["-p", entry["prompt"], "-n", str(n), "--temp", "0",
                                        "-t", str(threads), "--json"]


def run_entry(command, shared, e, n, env=None, timeout=600):
    """Runs COMMAND greedily with 2 threads on reference entry E for N generated tokens.
    Returns (ok, message, completed process): the prompt tokens must equal the reference's, the
    generated ones be its first min(N, all) tokens."""
    p = subprocess.run(command + greedy_args(shared, e, n, 2), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, timeout=timeout)
    name = f"{e['model']} {e['prompt']!r} -n {n}"
    try:
        got = json.loads(p.stdout)
    except ValueError:
        return False, f"{name}: exit {p.returncode}, no JSON; stderr: {p.stderr.decode()[-600:]}", p
    want = e["generated_tokens"]
    got_n = len(got["generated_tokens"])
    ok = p.returncode == 0 and got["prompt_tokens"] == e["prompt_tokens"] and got_n == min(n, len(want))
    ok = ok and got["generated_tokens"] == want[:got_n]
    if ok:
        return True, f"{name}: {got_n} tokens", p
    return False, (f"{name}: exit {p.returncode}, got {got['generated_tokens']}\n  want {want[:got_n]}\n"
                   f"  stderr: {p.stderr.decode()[-600:]}"), p


def check_tokens(command, shared, n_tokens, first_in_full=False, fail_on_stderr=None):
    """Runs COMMAND (everything before the app's own flags) greedily with 2 threads on every entry
    for its first N_TOKENS generated tokens, and compares with the reference (run_entry). With
    first_in_full, the first entry of each engine runs its full length and must give every
    reference token. Output containing fail_on_stderr (bytes) on stderr fails the entry. Prints a
    line per entry and a summary; returns the exit status."""
    failed = passed = 0
    seen_engines = set()
    for e in load(shared):
        full = first_in_full and e["engine"] not in seen_engines
        seen_engines.add(e["engine"])
        ok, message, p = run_entry(command, shared, e, n_predict(e) if full else n_tokens)
        if ok and fail_on_stderr and fail_on_stderr in p.stderr:
            ok, message = False, message + f"; stderr has {fail_on_stderr!r}: {p.stderr.decode()[-600:]}"
        if ok:
            passed += 1
            print(f"ok {message}")
        else:
            failed += 1
            print(f"FAIL {message}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0
