// AVX2 kernels of the GGUF weight formats beyond F32 and Q8_0: F16 and BF16 (widened to fp32 in
// registers), and the 4-, 5- and 6-bit block formats (block_formats.h). x comes quantized in
// blocks of 32 (Q8Input); each block's integer dot product is exact (pmaddubsw, pmaddwd), so the
// results differ from the scalar set by the order of the float additions only.
//
// Like kernels_avx2.cpp, generic LLVM IR plus psignb/pmaddubsw/pmaddwd: BareFlow's interpreter
// runs this file too.
#include "llm/simd_avx2.h"

#if defined(__AVX2__) && defined(__FMA__)

namespace bf::llm::avx2 {

namespace {

typedef uint8_t u8x4 __attribute__((ext_vector_type(4)));

// ---- F16 and BF16: each product exact in fp32 (an fp32 FMA), as the scalar set computes it.

inline f32x8 widen_f16(const uint16_t* p) { return widen_halves(load<u16x8>(p)); }

inline f32x8 widen_bf16(const uint16_t* p) {
  const u32x8 bits = __builtin_convertvector(load<u16x8>(p), u32x8) << 16;
  return __builtin_bit_cast(f32x8, bits);
}

// One row at a time, 32 halves (a cache line) per step, as matmul_f32 streams its rows.
template <f32x8 (*kWiden)(const uint16_t*), float (*kScalar)(uint16_t)>
void matmul_halves(float* out, const float* x, const uint16_t* w, int n, int d) {
  for (int i = 0; i < d; i++) {
    const uint16_t* row = w + static_cast<size_t>(i) * n;
    f32x8 acc0 = 0, acc1 = 0;
    int j = 0;
    for (; j + 32 <= n; j += 32) {
      prefetch_ahead(row + j);
      acc0 = fma8(kWiden(row + j), load8(x + j), acc0);
      acc1 = fma8(kWiden(row + j + 8), load8(x + j + 8), acc1);
      acc0 = fma8(kWiden(row + j + 16), load8(x + j + 16), acc0);
      acc1 = fma8(kWiden(row + j + 24), load8(x + j + 24), acc1);
    }
    for (; j + 8 <= n; j += 8) acc0 = fma8(kWiden(row + j), load8(x + j), acc0);
    float s = hsum(acc0 + acc1);
    for (; j < n; j++) s += kScalar(row[j]) * x[j];
    out[i] = s;
  }
}

// ---- 32-value block formats.

inline __m256i as_m256(u8x32 v) { return reinterpret_cast<__m256i>(v); }
inline __m256i as_m256(i8x32 v) { return reinterpret_cast<__m256i>(v); }

// 16 bytes of nibbles as the block's 32 quants: low nibbles are values 0..15, high ones 16..31.
inline u8x32 nibbles(const uint8_t* qs) {
  const u8x16 raw = load<u8x16>(qs);
  return __builtin_shufflevector(raw & 0xF, raw >> 4, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
                                 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
                                 31);
}

// Q5's fifth bits: 0x10 in the lanes whose bit is set in the 32-bit qh.
inline u8x32 fifth_bits(const uint8_t* qh) {
  const u8x4 h = load<u8x4>(qh);
  const u8x32 spread = __builtin_shufflevector(h, h, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                               2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
  const u8x32 bit = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128,
                     1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
  return reinterpret_cast<u8x32>((spread & bit) != 0) & 0x10;
}

inline i8x32 q4_0_values(const BlockQ4_0& b) { return reinterpret_cast<i8x32>(nibbles(b.qs)) - 8; }
inline i8x32 q5_0_values(const BlockQ5_0& b) {
  return reinterpret_cast<i8x32>(nibbles(b.qs) | fifth_bits(b.qh)) - 16;
}
inline u8x32 q4_1_values(const BlockQ4_1& b) { return nibbles(b.qs); }
inline u8x32 q5_1_values(const BlockQ5_1& b) { return nibbles(b.qs) | fifth_bits(b.qh); }

template <class Block>
const Block* row_of(const void* w, int i, int blocks_per_row) {
  return static_cast<const Block*>(w) + static_cast<size_t>(i) * blocks_per_row;
}

// Q4_0, Q5_0: x = d * q with signed q. Two blocks in flight, as matmul_q8_0.
template <class Block, i8x32 (*kValues)(const Block&)>
void matmul_symmetric(float* out, const Q8Input& x, const void* w, int n, int d) {
  const int nb = n / kBlockValues;
  for (int i = 0; i < d; i++) {
    const Block* row = row_of<Block>(w, i, nb);
    f32x8 acc0 = 0, acc1 = 0;
    int b = 0;
    for (; b + 2 <= nb; b += 2) {
      prefetch_ahead(row + b);
      const i32x8 i0 = dot32(load32(x.q + b * 32), as_m256(kValues(row[b])));
      const i32x8 i1 = dot32(load32(x.q + b * 32 + 32), as_m256(kValues(row[b + 1])));
      acc0 = fma8(to_f32(i0), splat8(half_to_float(row[b].d) * x.s[b]), acc0);
      acc1 = fma8(to_f32(i1), splat8(half_to_float(row[b + 1].d) * x.s[b + 1]), acc1);
    }
    if (b < nb) {
      const i32x8 i0 = dot32(load32(x.q + b * 32), as_m256(kValues(row[b])));
      acc0 = fma8(to_f32(i0), splat8(half_to_float(row[b].d) * x.s[b]), acc0);
    }
    out[i] = hsum(acc0 + acc1);
  }
}

// Q4_1, Q5_1: x = d * q + m with unsigned q; the minimum meets x's block sum.
template <class Block, u8x32 (*kValues)(const Block&)>
void matmul_offset(float* out, const Q8Input& x, const void* w, int n, int d) {
  const int nb = n / kBlockValues;
  for (int i = 0; i < d; i++) {
    const Block* row = row_of<Block>(w, i, nb);
    f32x8 acc0 = 0, acc1 = 0;
    float mins = 0.0f;
    int b = 0;
    for (; b + 2 <= nb; b += 2) {
      prefetch_ahead(row + b);
      const i32x8 i0 = dot32_unsigned(load32(x.q + b * 32), as_m256(kValues(row[b])));
      const i32x8 i1 = dot32_unsigned(load32(x.q + b * 32 + 32), as_m256(kValues(row[b + 1])));
      acc0 = fma8(to_f32(i0), splat8(half_to_float(row[b].d) * x.s[b]), acc0);
      acc1 = fma8(to_f32(i1), splat8(half_to_float(row[b + 1].d) * x.s[b + 1]), acc1);
      mins += half_to_float(row[b].m) * (x.s[b] * static_cast<float>(x.sum[b])) +
              half_to_float(row[b + 1].m) * (x.s[b + 1] * static_cast<float>(x.sum[b + 1]));
    }
    if (b < nb) {
      const i32x8 i0 = dot32_unsigned(load32(x.q + b * 32), as_m256(kValues(row[b])));
      acc0 = fma8(to_f32(i0), splat8(half_to_float(row[b].d) * x.s[b]), acc0);
      mins += half_to_float(row[b].m) * (x.s[b] * static_cast<float>(x.sum[b]));
    }
    out[i] = hsum(acc0 + acc1) + mins;
  }
}

// ---- K-quants: super-blocks of 256, so block 8 * sb + s of x meets sub-block s.

// The 8 scales and minimums of a Q4_K/Q5_K super-block, as floats.
inline void k_scales(const uint8_t* packed, f32x8& sc, f32x8& mn) {
  int32_t s[8], m[8];
  for (int k = 0; k < 8; k++) unpack_k_scale(packed, k, s[k], m[k]);
  sc = to_f32(load<i32x8>(s));
  mn = to_f32(load<i32x8>(m));
}

// Q4_K and Q5_K. Per sub-block the factor d * sc * (x's scale); the minimums' share of a
// super-block is one vector product: dmin * mn * (x's scale) * (x's block sum).
template <class Block, bool kFifthBit>
void matmul_k_offset(float* out, const Q8Input& x, const void* w, int n, int d) {
  const int nsb = n / kSuperBlockValues;
  for (int i = 0; i < d; i++) {
    const Block* row = row_of<Block>(w, i, nsb);
    f32x8 acc0 = 0, acc1 = 0, mins = 0;
    for (int sb = 0; sb < nsb; sb++) {
      const Block& blk = row[sb];
      for (int off = 0; off < int(sizeof(Block)); off += 64) prefetch_ahead(&blk, off);
      f32x8 sc, mn;
      k_scales(blk.scales, sc, mn);
      const f32x8 xs = load8(x.s + 8 * sb);
      const f32x8 factor = sc * splat8(half_to_float(blk.d)) * xs;
      mins = fma8(mn * splat8(half_to_float(blk.dmin)), xs * to_f32(load<i32x8>(x.sum + 8 * sb)),
                  mins);
      u8x32 high = 0;
      if constexpr (kFifthBit) high = load<u8x32>(blk.qh);
      const int8_t* xq = x.q + sb * kSuperBlockValues;
      for (int c = 0; c < 4; c++) {
        const u8x32 raw = load<u8x32>(blk.qs + 32 * c);
        u8x32 lo = raw & 0xF, hi = raw >> 4;
        if constexpr (kFifthBit) {
          lo |= (high & 1) << 4;
          hi |= (high & 2) << 3;
          high >>= 2;
        }
        const i32x8 i0 = dot32_unsigned(load32(xq + 64 * c), as_m256(lo));
        const i32x8 i1 = dot32_unsigned(load32(xq + 64 * c + 32), as_m256(hi));
        acc0 = fma8(to_f32(i0), splat8(factor[2 * c]), acc0);
        acc1 = fma8(to_f32(i1), splat8(factor[2 * c + 1]), acc1);
      }
    }
    out[i] = hsum(acc0 + acc1) - hsum(mins);
  }
}

// Q6_K: each block of 32 of x spans two sub-blocks of 16, whose int8 scales weight the int16
// pair sums in pmaddwd (|pair| <= 2 * 32 * 127, times |scale| <= 128: exact in int32).
void matmul_q6_k_rows(float* out, const Q8Input& x, const void* w, int n, int d) {
  const int nsb = n / kSuperBlockValues;
  for (int i = 0; i < d; i++) {
    const BlockQ6K* row = row_of<BlockQ6K>(w, i, nsb);
    f32x8 acc0 = 0, acc1 = 0;
    for (int sb = 0; sb < nsb; sb++) {
      const BlockQ6K& blk = row[sb];
      for (int off = 0; off < int(sizeof(BlockQ6K)); off += 64) prefetch_ahead(&blk, off);
      const float dd = half_to_float(blk.d);
      for (int h = 0; h < 2; h++) {
        const u8x32 l0 = load<u8x32>(blk.ql + 64 * h), l1 = load<u8x32>(blk.ql + 64 * h + 32);
        const u8x32 hb = load<u8x32>(blk.qh + 32 * h);
        const u8x32 q[4] = {(l0 & 0xF) | (hb & 3) << 4, (l1 & 0xF) | ((hb >> 2) & 3) << 4,
                            (l0 >> 4) | ((hb >> 4) & 3) << 4, (l1 >> 4) | (hb >> 6) << 4};
        for (int t = 0; t < 4; t++) {
          const int b = 8 * sb + 4 * h + t;
          const i8x32 wv = reinterpret_cast<i8x32>(q[t]) - 32;
          const __m256i xv = load32(x.q + 32 * b);
          const __m256i prod16 = _mm256_maddubs_epi16(_mm256_sign_epi8(as_m256(wv), as_m256(wv)),
                                                       _mm256_sign_epi8(xv, as_m256(wv)));
          const int16_t s0 = blk.scales[8 * h + 2 * t], s1 = blk.scales[8 * h + 2 * t + 1];
          const i16x16 scales = {s0, s0, s0, s0, s0, s0, s0, s0, s1, s1, s1, s1, s1, s1, s1, s1};
          const i32x8 isum =
              reinterpret_cast<i32x8>(_mm256_madd_epi16(prod16, reinterpret_cast<__m256i>(scales)));
          if (t % 2 == 0)
            acc0 = fma8(to_f32(isum), splat8(dd * x.s[b]), acc0);
          else
            acc1 = fma8(to_f32(isum), splat8(dd * x.s[b]), acc1);
        }
      }
    }
    out[i] = hsum(acc0 + acc1);
  }
}

}  // namespace

void matmul_f16(float* out, const float* x, const uint16_t* w, int n, int d) {
  matmul_halves<widen_f16, fp16_to_fp32>(out, x, w, n, d);
}
void matmul_bf16(float* out, const float* x, const uint16_t* w, int n, int d) {
  matmul_halves<widen_bf16, bf16_to_fp32>(out, x, w, n, d);
}
void matmul_q4_0(float* out, const Q8Input& x, const void* w, int n, int d) {
  matmul_symmetric<BlockQ4_0, q4_0_values>(out, x, w, n, d);
}
void matmul_q5_0(float* out, const Q8Input& x, const void* w, int n, int d) {
  matmul_symmetric<BlockQ5_0, q5_0_values>(out, x, w, n, d);
}
void matmul_q4_1(float* out, const Q8Input& x, const void* w, int n, int d) {
  matmul_offset<BlockQ4_1, q4_1_values>(out, x, w, n, d);
}
void matmul_q5_1(float* out, const Q8Input& x, const void* w, int n, int d) {
  matmul_offset<BlockQ5_1, q5_1_values>(out, x, w, n, d);
}
void matmul_q4_k(float* out, const Q8Input& x, const void* w, int n, int d) {
  matmul_k_offset<BlockQ4K, false>(out, x, w, n, d);
}
void matmul_q5_k(float* out, const Q8Input& x, const void* w, int n, int d) {
  matmul_k_offset<BlockQ5K, true>(out, x, w, n, d);
}
void matmul_q6_k(float* out, const Q8Input& x, const void* w, int n, int d) {
  matmul_q6_k_rows(out, x, w, n, d);
}

}  // namespace bf::llm::avx2

#endif
