#!/usr/bin/env python3
"""The engine as bitcode imports only libc, libm, POSIX threads and operator new/delete (plus the
compiler's CPU detection): nothing from libstdc++'s compiled parts, so BareFlow's interpreter
and a static link can provide everything it needs.

usage: bitcode_imports_test.py LLVM_NM BITCODE
"""
import re
import subprocess
import sys

ALLOWED_CXX = {"_Znwm", "_Znam", "_ZdlPv", "_ZdaPv", "_ZdlPvm", "_ZdaPvm"}  # operator new/delete
ALLOWED_RUNTIME = {"__cpu_model", "__cpu_features2", "__cpu_indicator_init", "__errno_location"}

nm, bitcode = sys.argv[1], sys.argv[2]
out = subprocess.run([nm, "-u", bitcode], capture_output=True, text=True, check=True).stdout
imports = sorted({line.split()[-1] for line in out.splitlines() if line.strip()})
bad = [s for s in imports
       if not (s in ALLOWED_CXX or s in ALLOWED_RUNTIME or re.fullmatch(r"[a-z][a-z0-9_]*", s))]
print(f"{len(imports)} imports: {' '.join(imports)}")
if bad:
    print(f"FAIL: imports outside libc/libm/pthreads/new/delete: {' '.join(bad)}")
    sys.exit(1)
