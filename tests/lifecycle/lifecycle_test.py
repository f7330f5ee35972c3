#!/usr/bin/env python3
"""`bareflow lifecycle` on Linux with the llama app on stories260K, a few tokens, K=1.

loop: invocations grow, converge (export) and then run the appliance; every one prints the
      reference tokens; the journal says so, the appliance loads at least 50x fewer bytes of
      code than the first grow, and --show prints the table and a well-formed SVG.
kill: the lifecycle process SIGKILLed during its export leaves DIR usable: the next invocations
      print the reference tokens and reach the appliance, and no temporary is left.

usage: lifecycle_test.py loop|kill BAREFLOW LLAMA_BC SHARED"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import reference  # noqa: E402

TOKENS = 8
MAX_BOOTS = 6  # grow can take a few runs before one compiles nothing new


def journal(d):
    with open(os.path.join(d, "lifecycle.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def lifecycle(bareflow, d):
    return [bareflow, "lifecycle", "--dir", d, "--converge-after", "1"]


def boot(bareflow, llama_bc, shared, entry, d):
    ok, message, p = reference.run_entry(lifecycle(bareflow, d) + [llama_bc, "--"], shared, entry, TOKENS)
    return ok, message


def check_phases(records):
    """grow..., one converged, then appliance; returns a problem or None."""
    phases = [r["phase"] for r in records]
    if phases.count("converged") != 1:
        return f"phases {phases}: not exactly one converged"
    at = phases.index("converged")
    if any(p != "grow" for p in phases[:at]) or any(p != "appliance" for p in phases[at + 1:]):
        return f"phases {phases}: not grow..., converged, appliance..."
    if [r["boot"] for r in records] != list(range(1, len(records) + 1)):
        return f"boot numbers {[r['boot'] for r in records]}"
    return None


def appliance_problems(records):
    """What is wrong with a journal that should end in the appliance: its phases, and an
    appliance that loads less than 50x fewer bytes of code than the first grow (the ratio is
    printed) or whose record lacks its figures."""
    problem = check_phases(records)
    if problem or records[-1]["phase"] != "appliance":
        return [problem or f"no appliance after {len(records)} boots"]
    grow, appliance = records[0], records[-1]
    ratio = grow["code_bytes"] / appliance["code_bytes"]
    print(f"code bytes: grow {grow['code_bytes']}, appliance {appliance['code_bytes']} ({ratio:.0f}x)")
    problems = []
    if ratio < 50:
        problems.append("the appliance loads less than 50x fewer bytes of code than the first grow")
    if (appliance["compiles"] or appliance["tiers"] or grow["tok_s"] is None or appliance["tok_s"] is None
            or appliance["first_output_s"] is None or appliance["module"] != grow["module"]):
        problems.append(f"records {grow} / {appliance}")
    return problems


def show_problem(bareflow, state, records, tmp):
    """None when `--show STATE` (a DIR or an image) prints a row per record and writes an SVG
    with a point per record in each panel (the table is printed), else what is wrong."""
    svg = os.path.join(tmp, "plot.svg")
    p = subprocess.run([bareflow, "lifecycle", "--show", state, "--svg", svg], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    rows = [line for line in p.stdout.splitlines() if line.split() and line.split()[0].isdigit()]
    circles = [e for e in ET.parse(svg).iter() if e.tag.endswith("circle")] if p.returncode == 0 else []
    if p.returncode != 0 or len(rows) != len(records) or len(circles) != 2 * len(records):
        return f"--show: exit {p.returncode}, {len(rows)} rows, {len(circles)} points\n{p.stdout}{p.stderr}"
    print(p.stdout, end="")
    return None


def loop(bareflow, llama_bc, shared, entry, tmp):
    d = os.path.join(tmp, "state")
    failures = 0
    for n in range(MAX_BOOTS):
        ok, message = boot(bareflow, llama_bc, shared, entry, d)
        phase = journal(d)[-1]["phase"]
        print(f"boot {n + 1} ({phase}): {message}")
        failures += not ok
        if phase == "appliance" and journal(d)[-2]["phase"] == "converged":
            break
    records = journal(d)
    problems = appliance_problems(records)
    for problem in problems:
        print(f"FAIL: {problem}")
    failures += len(problems)
    if not any(r["compiles"] for r in records) or records[0]["first_output_s"] is None:
        print("FAIL: no grow run compiled anything, or no first output time")
        failures += 1
    problem = show_problem(bareflow, d, records, tmp)
    if problem:
        print(f"FAIL: {problem}")
        failures += 1
    return failures


def kill_when(argv, d, seen):
    """Boots until a file named so that seen(name) holds appears in DIR, and SIGKILLs that boot
    there. Returns DIR's files then, or None when no boot got there."""
    for _ in range(MAX_BOOTS):
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while p.poll() is None:
            names = os.listdir(d) if os.path.isdir(d) else []
            if any(seen(name) for name in names):
                p.send_signal(signal.SIGKILL)
                p.wait()
                return sorted(names)
            time.sleep(0.001)
    return None


def kill_during_export(bareflow, llama_bc, shared, entry, tmp):
    """Kills a boot as its export begins (its temporaries appear beside the appliance), then the
    next one while lld links (the object file is there), then boots on."""
    d = os.path.join(tmp, "state")
    argv = lifecycle(bareflow, d) + [llama_bc, "--"] + reference.greedy_args(shared, entry, TOKENS, 2)
    for moment, seen in (("as the export began", lambda n: ".tmp-" in n),
                         ("during the link", lambda n: n.startswith("appliance-") and n.endswith(".o"))):
        left = kill_when(argv, d, seen)
        if left is None:
            print(f"FAIL: no boot was killed {moment} in {MAX_BOOTS} boots")
            return 1
        print(f"killed {moment}; DIR holds {left}")
    failures = 0
    if any(name.startswith("appliance-") and ".tmp-" not in name for name in os.listdir(d)):
        print("FAIL: an appliance is in place after a killed export")
        failures += 1
    for n in range(MAX_BOOTS):
        ok, message = boot(bareflow, llama_bc, shared, entry, d)
        phase = journal(d)[-1]["phase"]
        print(f"after the kill, boot {journal(d)[-1]['boot']} ({phase}): {message}")
        failures += not ok
        if phase == "appliance":
            break
    records = journal(d)
    problem = check_phases(records)
    if problem or records[-1]["phase"] != "appliance":
        print(f"FAIL: {problem or 'no appliance after the kill'}")
        failures += 1
    temps = [name for name in os.listdir(d) if ".tmp-" in name]
    if temps:
        print(f"FAIL: temporaries left: {temps}")
        failures += 1
    return failures


def main(modes, prefix):
    """Runs modes[argv[1]](bareflow, llama_bc, shared, entry, tmp) on stories260K's entry."""
    what, bareflow, llama_bc, shared = sys.argv[1:5]
    entry = reference.load(shared)[0]  # stories260K, fp32
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        failures = modes[what](bareflow, llama_bc, shared, entry, tmp)
    print("PASS" if failures == 0 else f"FAIL: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main({"loop": loop, "kill": kill_during_export}, "bareflow-lifecycle."))
