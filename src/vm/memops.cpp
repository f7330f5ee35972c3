// Memory operations by lane (masked loads and stores, gathers and scatters, AVX's maskload and
// maskstore, GEPs over vectors of pointers) and the machine-level intrinsics (cycle counter,
// frame and return address). A lane whose mask is off touches no memory, as in native code.
#include <x86intrin.h>

#include <cstring>

#include "vm/vecops.h"

namespace bf::vm {

namespace {

uint64_t load_u64(const uint8_t* p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}
void store_u64(uint8_t* p, uint64_t v) { memcpy(p, &v, 8); }

// The value lane i of the vector at p, whose lanes are `bytes` wide, sign-extended from w bits.
int64_t lane_signed(const uint8_t* p, uint32_t i, uint32_t bytes, uint32_t w) {
  uint64_t v = 0;
  memcpy(&v, p + i * bytes, bytes);
  return w >= 64 ? int64_t(v) : int64_t(v << (64 - w)) >> (64 - w);
}

// d = lanes of *a where mask b, else of passthru c (e = lanes, f = bytes a lane).
void masked_load(uint8_t* fp, const Inst* in) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(load_u64(fp + in->a));
  uint8_t out[kMaxMaskedBytes];
  for (uint32_t i = 0, eb = in->f; i < in->e; i++)
    memcpy(out + i * eb, fp[in->b + i] ? p + i * eb : fp + in->c + i * eb, eb);
  memcpy(fp + in->d, out, in->e * in->f);
}
// *b = lanes of a where mask c.
void masked_store(uint8_t* fp, const Inst* in) {
  uint8_t* p = reinterpret_cast<uint8_t*>(load_u64(fp + in->b));
  for (uint32_t i = 0, eb = in->f; i < in->e; i++)
    if (fp[in->c + i]) memcpy(p + i * eb, fp + in->a + i * eb, eb);
}
// d = lanes loaded through the pointers of a where mask b, else of passthru c.
void gather(uint8_t* fp, const Inst* in) {
  uint8_t out[kMaxMaskedBytes];
  for (uint32_t i = 0, eb = in->f; i < in->e; i++) {
    const uint8_t* p = reinterpret_cast<const uint8_t*>(load_u64(fp + in->a + 8 * i));
    memcpy(out + i * eb, fp[in->b + i] ? p : fp + in->c + i * eb, eb);
  }
  memcpy(fp + in->d, out, in->e * in->f);
}
// Lanes of a stored through the pointers of b where mask c, from the lowest lane up.
void scatter(uint8_t* fp, const Inst* in) {
  for (uint32_t i = 0, eb = in->f; i < in->e; i++)
    if (fp[in->c + i]) memcpy(reinterpret_cast<uint8_t*>(load_u64(fp + in->b + 8 * i)), fp + in->a + i * eb, eb);
}
// AVX maskload: d = lanes of *a whose mask lane in b has its sign bit set, else zero.
void x86_maskload(uint8_t* fp, const Inst* in) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(load_u64(fp + in->a));
  uint8_t out[kMaxMaskedBytes] = {};
  for (uint32_t i = 0, eb = in->f; i < in->e; i++)
    if (fp[in->b + i * eb + eb - 1] & 0x80) memcpy(out + i * eb, p + i * eb, eb);
  memcpy(fp + in->d, out, in->e * in->f);
}
// AVX maskstore: the lanes of c whose mask lane in b has its sign bit set, stored at *a.
void x86_maskstore(uint8_t* fp, const Inst* in) {
  uint8_t* p = reinterpret_cast<uint8_t*>(load_u64(fp + in->a));
  for (uint32_t i = 0, eb = in->f; i < in->e; i++)
    if (fp[in->b + i * eb + eb - 1] & 0x80) memcpy(p + i * eb, fp + in->c + i * eb, eb);
}
// One term of a GEP over vectors of pointers: d[i] = a[i] + sext(b[i]) * c, where e holds the
// lanes and kGepScalarBase/kGepScalarIndex (that operand is one scalar for every lane), f the
// index's width in bits.
void vector_gep(uint8_t* fp, const Inst* in) {
  uint32_t lanes = in->e & ~(kGepScalarBase | kGepScalarIndex), w = in->f;
  bool scalar_base = in->e & kGepScalarBase, scalar_index = in->e & kGepScalarIndex;
  uint64_t out[kMaxMaskedBytes / 8];
  for (uint32_t i = 0; i < lanes; i++) {
    uint64_t base = load_u64(fp + in->a + (scalar_base ? 0 : 8 * i));
    int64_t index = scalar_index ? lane_signed(fp + in->b, 0, 8, w) : lane_signed(fp + in->b, i, w / 8, w);
    out[i] = base + uint64_t(index) * in->c;
  }
  memcpy(fp + in->d, out, 8 * lanes);
}
void cycle_counter(uint8_t* fp, const Inst* in) { store_u64(fp + in->d, __rdtsc()); }
// Frame and return address at level 0: the interpreter's own, on the native stack, below the
// frames of the interpreted code's callers as a native frame would be (deeper calls lower).
// Other levels are 0, which LLVM allows.
[[gnu::noinline]] void frame_address(uint8_t* fp, const Inst* in) {
  store_u64(fp + in->d, in->a == 0 ? reinterpret_cast<uint64_t>(__builtin_frame_address(0)) : 0);
}
[[gnu::noinline]] void return_address(uint8_t* fp, const Inst* in) {
  store_u64(fp + in->d, in->a == 0 ? reinterpret_cast<uint64_t>(__builtin_return_address(0)) : 0);
}

}  // namespace

const MemOps& mem_ops() {
  static const MemOps ops = {masked_load,   masked_store, gather,        scatter,        x86_maskload,
                             x86_maskstore, vector_gep,   cycle_counter, frame_address, return_address};
  return ops;
}

}  // namespace bf::vm
