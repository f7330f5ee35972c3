#!/usr/bin/env python3
"""The llama app exported from llama.bc with a profile of three `bareflow run`s (their profile
files, or with SOURCE `store` the profile store of the code cache they ran through) gives
llama2.c's reference tokens and text (fp32, Q8_0 and the GGUF checkpoint: tests/llm/cli_test.py's
`references` check run on the exported executable), and its report adds up.

usage: llama_export_test.py BAREFLOW LLAMA_BC SHARED_DIR LIBC CPU [files|store]"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_util  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_MUSL_BYTES = 300 * 1000  # the bound for the musl appliance


def check_report(report, exe, libc, bareflow, llama_bc, summary, store):
    problems = []
    f = report["functions"]
    if f["total"] != f["executed"] + f["cold"] + f["dropped"] or f["dropped"] != 0 or f["executed"] == 0:
        problems.append(f"functions do not add up: {f}")
    if report["output_bytes"] != os.path.getsize(exe):
        problems.append(f"output_bytes {report['output_bytes']} is not the file's {os.path.getsize(exe)}")
    if report["profile"]["runs"] != 3 or not report["profile"]["top"]:
        problems.append(f"profile: {report['profile']}")
    if report["code_bytes"]["hot"] <= 0 or report["code_bytes"]["cold"] <= 0:
        problems.append(f"code bytes: {report['code_bytes']}")
    sizes = (report["bareflow_bytes"], report["bitcode_bytes"])
    if sizes != (os.path.getsize(bareflow), os.path.getsize(llama_bc)) or report["shrink"] <= 1:
        problems.append(f"bareflow and bitcode bytes {sizes}, shrink {report['shrink']}")
    # The summary on stderr: the same functions, sizes and runs; top functions by time when the
    # runs were timed (--profile-out), by calls otherwise (a store of runs without it).
    for line in (f"functions: {f['total']} total, {f['executed']} executed, {f['cold']} cold, 0 dropped",
                 "x smaller)", f"profile: 3 runs; top by {'calls' if store else 'time'}: "):
        if line not in summary:
            problems.append(f"the summary on stderr lacks {line!r}: {summary!r}")
    if libc == "musl" and report["output_bytes"] > MAX_MUSL_BYTES:
        problems.append(f"the musl executable has {report['output_bytes']} bytes, more than {MAX_MUSL_BYTES}")
    return problems


def main():
    bareflow, llama_bc, shared, libc, cpu = sys.argv[1:6]
    store = sys.argv[6:7] == ["store"]
    with tempfile.TemporaryDirectory(prefix="bareflow-export-llama.") as tmp:
        cache = os.path.join(tmp, "cache") if store else None
        profiles = export_util.profile_llama(bareflow, llama_bc, shared, tmp, cache=cache)
        exe, report_path = os.path.join(tmp, "llama"), os.path.join(tmp, "report.json")
        p = export_util.export(bareflow, llama_bc, exe, profiles, "--libc", libc, "--cpu", cpu, "--report", report_path)
        print(p.stderr.decode(), end="")
        if p.returncode != 0:
            print(f"FAIL export exited {p.returncode}")
            return 1
        # Static: no program interpreter, so it runs anywhere, the unikernel included.
        if not export_util.is_static(exe):
            print("FAIL the executable is not static")
            return 1
        # The functions no run executed have their own section, apart from the hot code.
        if ".text.unlikely" not in export_util.section_names(exe):
            print(f"FAIL no .text.unlikely section: {export_util.section_names(exe)}")
            return 1
        # Stripped: no symbol table.
        if ".symtab" in export_util.section_names(exe):
            print("FAIL the executable is not stripped (it has .symtab)")
            return 1
        with open(report_path) as f:
            problems = check_report(json.load(f), exe, libc, bareflow, llama_bc, p.stderr.decode(), store)
        for problem in problems:
            print(f"FAIL report: {problem}")
        cli_test = os.path.join(HERE, "..", "llm", "cli_test.py")
        refs = subprocess.run([sys.executable, cli_test, "references", exe, shared], timeout=600)
        return 1 if problems or refs.returncode != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
