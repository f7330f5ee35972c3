"""What the export tests share: profiling the llama app with a few `bareflow run`s and exporting
it. Scripts import it with their own directory on sys.path."""
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import reference  # noqa: E402


def profile_llama(bareflow, llama_bc, shared, tmp, steps=40, cache=None):
    """Three runs of llama.bc (fp32, Q8_0 and GGUF checkpoints). Without `cache`: cold runs, each
    writing its profile; returns their paths. With `cache`: runs through that code cache (the
    first cold, the next warm); returns [cache], whose profile store holds the three."""
    models = os.path.join(shared, "models")
    runs = [("fp32", "stories260K.bin"), ("q80", "stories260K_q80_gs4.bin"), ("gguf", "stories260K.gguf")]
    paths = []
    for name, model in runs:
        path = os.path.join(tmp, f"profile-{name}.json")
        where = ["--cache-dir", cache] if cache else ["--no-cache", "--profile-out", path]
        cmd = [bareflow, "run"] + where + [llama_bc, "--", "-m", os.path.join(models, model),
                                           "-z", os.path.join(models, "tok512.bin"), "-p", "Once upon a time",
                                           "-n", str(steps), "--temp", "0", "-t", "2"]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
        if p.returncode != 0:
            raise RuntimeError(f"profiled run {name} exited {p.returncode}: {p.stderr.decode()[-400:]}")
        paths.append(path)
    return [cache] if cache else paths


def export(bareflow, bc, output, profiles, *options):
    """Runs `bareflow export`; returns the CompletedProcess."""
    cmd = [bareflow, "export", bc, "-o", output] + [a for p in profiles for a in ("--profile-from", p)]
    return subprocess.run(cmd + list(options), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)


def read_elf64(path):
    with open(path, "rb") as f:
        data = f.read()
    return data if data[:4] == b"\x7fELF" and data[4] == 2 else None


def program_header_types(path):
    """The p_type of each program header of an ELF64 executable."""
    data = read_elf64(path)
    if data is None:
        return None
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    return [struct.unpack_from("<I", data, phoff + i * phentsize)[0] for i in range(phnum)]


def section_names(path):
    """The names of an ELF64 file's sections."""
    data = read_elf64(path)
    if data is None:
        return []
    shoff, = struct.unpack_from("<Q", data, 40)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 58)
    strtab_offset, = struct.unpack_from("<Q", data, shoff + shstrndx * shentsize + 24)
    names = []
    for i in range(shnum):
        name, = struct.unpack_from("<I", data, shoff + i * shentsize)
        start = strtab_offset + name
        names.append(data[start:data.index(b"\0", start)].decode())
    return names


def is_static(path):
    """No program interpreter (PT_INTERP) and no dynamic section (PT_DYNAMIC)."""
    types = program_header_types(path)
    return types is not None and 3 not in types and 2 not in types
