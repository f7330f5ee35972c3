"""What the harnesses that run the conformance corpus against native builds share (tests/jit,
tests/export): running a program, the argument groups `NATIVE BC... [-- NATIVE BC...]...`, and
the first line where an output differs from the native one. Scripts import it with their own
../lib on sys.path."""
import subprocess


def run(cmd):
    """(exit status, stdout, stderr) of a command, which must end within 10 minutes."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    return p.returncode, p.stdout, p.stderr


def groups(args):
    """[(native, [bitcode, ...]), ...] from `NATIVE BC... -- NATIVE BC... ...`."""
    result, group = [], []
    for a in args + ["--"]:
        if a != "--":
            group.append(a)
        elif group:
            result.append((group[0], group[1:]))
            group = []
    return result


def first_difference(want, got, label):
    """The first line where `got` differs from the native `want`, as two indented lines."""
    a, b = want.decode(errors="replace").splitlines(), got.decode(errors="replace").splitlines()
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else "<none>"
        y = b[i] if i < len(b) else "<none>"
        if x != y:
            return f"  line {i + 1}: native {x!r}\n          {label:<6} {y!r}"
    return "  (same lines)"
