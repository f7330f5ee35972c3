"""The test scripts that make many checks print one line per check and fail at the end if any
failed: check() prints "ok" or "FAIL" and remembers the failures, finish() returns the status."""

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)
    return ok


def finish():
    """The script's exit status: 1 (with the count) if any check failed."""
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    return 0
