#!/usr/bin/env python3
"""Seed corpora for the fuzz targets: the real model files plus tiny ones of every format, so
mutations reach the headers and tensor tables quickly.

usage: make_seeds.py SHARED_DIR OUT_DIR   (writes OUT_DIR/{checkpoint,gguf,tokenizer}/)
"""
import os
import random
import shutil
import struct
import sys

shared, out = sys.argv[1], sys.argv[2]
models = os.path.join(shared, "models")
rng = random.Random(1)
for sub in ("checkpoint", "gguf", "tokenizer"):
    os.makedirs(os.path.join(out, sub), exist_ok=True)


def floats(n):
    return struct.pack(f"<{n}f", *[rng.uniform(-1, 1) for _ in range(n)])


def write(sub, name, data):
    with open(os.path.join(out, sub, name), "wb") as f:
        f.write(data)


# A tiny shape: dim 8, hidden 16, 1 layer, 2 heads, 1 kv head, vocab 8, seq 4 (head size 4).
dim, hidden, layers, heads, kv, vocab, seq = 8, 16, 1, 2, 1, 8, 4
kv_dim = dim // heads * kv
config = struct.pack("<7i", dim, hidden, layers, heads, kv, vocab, seq)
mats = [dim * dim, kv_dim * dim, kv_dim * dim, dim * dim, hidden * dim, dim * hidden, hidden * dim]
v0 = (config + floats(vocab * dim) + floats(dim) + b"".join(floats(n) for n in mats[:4]) + floats(dim)
      + b"".join(floats(n) for n in mats[4:]) + floats(dim) + floats(seq * dim // heads))
write("checkpoint", "tiny_v0.bin", v0)


def ak42(version, extra=b""):
    header = struct.pack("<Ii", 0x616B3432, version) + config + b"\x01" + extra
    return header + b"\0" * (256 - len(header))


write("checkpoint", "tiny_v1.bin", ak42(1) + floats(3 * dim) + floats(vocab * dim) + b"".join(floats(n) for n in mats))
gs = 4
q8 = lambda n: bytes(rng.randrange(256) for _ in range(n)) + floats(n // gs)
write("checkpoint", "tiny_v2.bin", ak42(2, struct.pack("<i", gs)) + floats(3 * dim) + q8(vocab * dim)
      + b"".join(q8(n) for n in mats))
for name in ("stories260K.bin", "stories260K_q80_gs4.bin"):
    shutil.copy(os.path.join(models, name), os.path.join(out, "checkpoint", name))


# Tiny GGUFs (tiny_gguf below): every tensor type the engine reads, vocabulary of 8 pieces.
def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def kv_u32(k, v):
    return gstr(k) + struct.pack("<II", 4, v)


# ggml's block formats: type number -> (values, bytes of a block, offsets of its fp16 scales).
BLOCKS = {8: (32, 34, [0]), 2: (32, 18, [0]), 3: (32, 20, [0, 2]), 6: (32, 22, [0]), 7: (32, 24, [0, 2]),
          12: (256, 144, [0, 2]), 13: (256, 176, [0, 2]), 14: (256, 210, [208])}


def tensor_bytes(ttype, n):
    if ttype == 0:
        return floats(n)
    if ttype == 1:
        return struct.pack(f"<{n}e", *[rng.uniform(-1, 1) for _ in range(n)])
    if ttype == 30:  # BF16: the top halves of floats
        return b"".join(floats(1)[2:] for _ in range(n))
    values, size, scales = BLOCKS[ttype]
    out = bytearray()
    for _ in range(n // values):
        block = bytearray(rng.randrange(256) for _ in range(size))
        for at in scales:
            block[at:at + 2] = struct.pack("<e", rng.uniform(0, 0.01))
        out += block
    return bytes(out)


def tiny_gguf(name, gdim, types):
    """A one-layer GGUF of dim = hidden = gdim, vocabulary of 8 pieces; `types` the type numbers
    of token_embd, attn_q, attn_k, attn_v, attn_output, ffn_gate, ffn_down, ffn_up."""
    ghidden, gvocab = gdim, 8
    pieces = ["<unk>", "<s>", "</s>", "\u2581a", "b", "\u2581", "ab", "<0x0A>"]
    meta = [gstr("general.architecture") + struct.pack("<I", 8) + gstr("llama"),
            kv_u32("llama.embedding_length", gdim), kv_u32("llama.feed_forward_length", ghidden),
            kv_u32("llama.block_count", 1), kv_u32("llama.attention.head_count", 4),
            kv_u32("llama.attention.head_count_kv", 2), kv_u32("llama.context_length", 8),
            gstr("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, gvocab) + b"".join(gstr(p) for p in pieces),
            gstr("tokenizer.ggml.scores") + struct.pack("<IIQ", 9, 6, gvocab) + floats(gvocab)]
    kvd = gdim // 4 * 2
    emb, q, k, v, o, gate, down, up = types
    tensors = [("token_embd.weight", (gdim, gvocab), emb), ("output_norm.weight", (gdim,), 0),
               ("blk.0.attn_norm.weight", (gdim,), 0), ("blk.0.ffn_norm.weight", (gdim,), 0),
               ("blk.0.attn_q.weight", (gdim, gdim), q), ("blk.0.attn_k.weight", (gdim, kvd), k),
               ("blk.0.attn_v.weight", (gdim, kvd), v), ("blk.0.attn_output.weight", (gdim, gdim), o),
               ("blk.0.ffn_gate.weight", (gdim, ghidden), gate), ("blk.0.ffn_down.weight", (ghidden, gdim), down),
               ("blk.0.ffn_up.weight", (gdim, ghidden), up)]
    directory, data = b"", b""
    for tname, dims, ttype in tensors:
        n = 1
        for d in dims:
            n *= d
        blob = tensor_bytes(ttype, n)
        directory += gstr(tname) + struct.pack("<I", len(dims)) + struct.pack(f"<{len(dims)}Q", *dims)
        directory += struct.pack("<IQ", ttype, len(data))
        data += blob + b"\0" * (-len(blob) % 32)
    head = struct.pack("<IIQQ", 0x46554747, 3, len(tensors), len(meta)) + b"".join(meta) + directory
    write("gguf", name, head + b"\0" * (-len(head) % 32) + data)


# dim 32 so that rows can be of the 32-value formats; dim 256 for the K-quants.
tiny_gguf("tiny.gguf", 32, [8, 8, 0, 8, 1, 8, 0, 8])
tiny_gguf("tiny_q4_q5.gguf", 32, [2, 3, 6, 7, 30, 2, 3, 6])
tiny_gguf("tiny_k.gguf", 256, [12, 13, 14, 12, 2, 14, 13, 12])
shutil.copy(os.path.join(models, "stories260K.gguf"), os.path.join(out, "gguf", "stories260K.gguf"))

# Tokenizers: u16 vocabulary size, then the tokenizer.bin bytes.
with open(os.path.join(models, "tok512.bin"), "rb") as f:
    write("tokenizer", "tok512", struct.pack("<H", 512) + f.read())
tiny_tok = struct.pack("<i", 3) + b"".join(struct.pack("<fi", rng.uniform(-5, 0), len(p.encode())) + p.encode()
                                          for p in ["<unk>", "\n<s>\n", "\n</s>\n", " ", "a", " a", "ab", "b"])
write("tokenizer", "tiny", struct.pack("<H", 8) + tiny_tok)
