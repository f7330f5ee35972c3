"""What the guest-runtime benches put on the guest's disk: stories260K, its tokenizer, llama.bc."""
import argparse
import os
import shutil


def model_disk(build, shared, tmp):
    """A directory under TMP for `bareflow boot --disk`, with the model, tokenizer and llama.bc."""
    disk = os.path.join(tmp, "disk")
    os.mkdir(disk)
    for f in ("stories260K.bin", "tok512.bin"):
        shutil.copy(os.path.join(shared, "models", f), disk)
    shutil.copy(os.path.join(build, "apps", "llama.bc"), disk)
    return disk


def parser():
    """The benches' command line: BUILD_DIR SHARED_DIR, then each bench's options."""
    ap = argparse.ArgumentParser()
    ap.add_argument("build", type=os.path.abspath)
    ap.add_argument("shared", type=os.path.abspath)
    return ap
