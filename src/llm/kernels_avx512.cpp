// AVX-512 kernels (F, BW, VL, VNNI), chosen at run time when the CPU has all four: 512-bit FMA for
// the F32, F16 and BF16 matmuls, VNNI's vpdpbusd for the GGUF integer formats Q8_0, Q4_1, Q5_1,
// Q4_K, Q5_K and Q6_K. The kernels that are not matmuls (quantize_q8, norms, softmax, rope, ...),
// llama2.c's Q8 groups, Q4_0 and Q5_0 are the AVX2 set's (the first are a small share of a token;
// for the last two see quants() below).
//
// vpdpbusd multiplies unsigned by signed bytes, four products summed into an int32 lane; x (from
// quantize_q8) is the signed side. Signed weights go in as |w| with their sign moved to x (as
// the AVX2 set does for pmaddubsw), unsigned quants as they are; Q6_K's zero point comes off in
// the int32 lanes as dot(q, x) - dot(32, x). Every integer dot is exact, so results differ from
// the scalar set by the order of float additions.
//
// The engine's bitcode (apps/llama) carries this set too: tier 0 implements the x86 intrinsics
// it leaves in the IR (vpdpbusd, docs/kernels.md), the JIT compiles it for the host's features,
// and CPU detection picks it as natively (under QEMU's TCG, which has no AVX-512, it is AVX2).
#include "llm/kernels.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512VNNI__)

#include <immintrin.h>

#include <atomic>
#include <cstring>

namespace bf::llm {

namespace {

// Weight streams are prefetched this far ahead, as in the AVX2 set (simd_avx2.h).
constexpr int kPrefetchAhead = 4096;

inline void prefetch_ahead(const void* p, int offset = 0) {
  _mm_prefetch(static_cast<const char*>(p) + kPrefetchAhead + offset, _MM_HINT_T0);
}

inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

// a in lanes 0-7, b in lanes 8-15: the scales of two blocks of 32 (or sub-blocks).
inline __m512 pair(float a, float b) {
  return _mm512_mask_blend_ps(0xFF00, _mm512_set1_ps(a), _mm512_set1_ps(b));
}

inline __m512i dpbusd(__m512i acc, __m512i u, __m512i s) { return _mm512_dpbusd_epi32(acc, u, s); }

// ---- F32, F16, BF16: one row at a time (one sequential stream per row, which the hardware
// prefetcher follows), 64 values a step in four independent FMA chains. F32 goes without the
// software prefetch: it measured 0.77-0.92 of a plain read with it, 0.99-1.02 without
// (docs/kernels.md).

struct LoadF32 {
  using T = float;
  static constexpr bool kPrefetch = false;
  static __m512 at(const float* p) { return _mm512_loadu_ps(p); }
  static __m512 tail(const float* p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
};
#ifdef BF_LLM_BITCODE
// Tier 0 has no IR type `half`: the bitcode widens halves through integers, as simd_avx2.h does
// (the magnitude scaled by 2^112, infinities and NaNs given a float's top exponent, the sign back).
inline __m512 widen_halves(__m256i h) {
  const __m512i w = _mm512_cvtepu16_epi32(h);
  const __m512 scaled = _mm512_mul_ps(
      _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_and_si512(w, _mm512_set1_epi32(0x7fff)), 13)),
      _mm512_set1_ps(0x1p112f));
  const __m512i exp = _mm512_set1_epi32(0x7c00);
  const __mmask16 special = _mm512_cmpeq_epi32_mask(_mm512_and_si512(w, exp), exp);
  const __m512i magnitude =
      _mm512_mask_or_epi32(_mm512_castps_si512(scaled), special, _mm512_castps_si512(scaled), _mm512_set1_epi32(0x7f800000));
  return _mm512_castsi512_ps(_mm512_or_si512(magnitude, _mm512_slli_epi32(_mm512_and_si512(w, _mm512_set1_epi32(0x8000)), 16)));
}
#else
inline __m512 widen_halves(__m256i h) { return _mm512_cvtph_ps(h); }
#endif

struct LoadF16 {
  using T = uint16_t;
  static constexpr bool kPrefetch = true;
  static __m512 at(const uint16_t* p) { return widen_halves(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
  static __m512 tail(const uint16_t* p, __mmask16 m) { return widen_halves(_mm256_maskz_loadu_epi16(m, p)); }
};
struct LoadBF16 {
  using T = uint16_t;
  static constexpr bool kPrefetch = true;
  static __m512 widen(__m256i h) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)); }
  static __m512 at(const uint16_t* p) { return widen(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
  static __m512 tail(const uint16_t* p, __mmask16 m) { return widen(_mm256_maskz_loadu_epi16(m, p)); }
};

template <class L>
inline float dot_row(const typename L::T* w, const float* x, int n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int j = 0;
  for (; j + 64 <= n; j += 64) {
    if constexpr (L::kPrefetch)
      for (int off = 0; off < int(64 * sizeof(typename L::T)); off += 64) prefetch_ahead(w + j, off);
    a0 = _mm512_fmadd_ps(L::at(w + j), _mm512_loadu_ps(x + j), a0);
    a1 = _mm512_fmadd_ps(L::at(w + j + 16), _mm512_loadu_ps(x + j + 16), a1);
    a2 = _mm512_fmadd_ps(L::at(w + j + 32), _mm512_loadu_ps(x + j + 32), a2);
    a3 = _mm512_fmadd_ps(L::at(w + j + 48), _mm512_loadu_ps(x + j + 48), a3);
  }
  for (; j + 16 <= n; j += 16) a0 = _mm512_fmadd_ps(L::at(w + j), _mm512_loadu_ps(x + j), a0);
  if (j < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - j)) - 1);
    a1 = _mm512_fmadd_ps(L::tail(w + j, m), _mm512_maskz_loadu_ps(m, x + j), a1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

void matmul_f32(float* out, const float* x, const float* w, int n, int d) {
  for (int i = 0; i < d; i++) out[i] = dot_row<LoadF32>(w + static_cast<size_t>(i) * n, x, n);
}
void matmul_f16(float* out, const float* x, const uint16_t* w, int n, int d) {
  for (int i = 0; i < d; i++) out[i] = dot_row<LoadF16>(w + static_cast<size_t>(i) * n, x, n);
}
void matmul_bf16(float* out, const float* x, const uint16_t* w, int n, int d) {
  for (int i = 0; i < d; i++) out[i] = dot_row<LoadBF16>(w + static_cast<size_t>(i) * n, x, n);
}

float dot(const float* a, const float* b, int n) { return dot_row<LoadF32>(a, b, n); }

void axpy(float* y, float a, const float* x, int n) {
  const __m512 av = _mm512_set1_ps(a);
  int i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(y + i, _mm512_fmadd_ps(av, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(y + i, m, _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i)));
  }
}

// ---- 32-value block formats: one block per 256-bit vpdpbusd, two blocks in flight, as the AVX2
// set does with pmaddubsw + pmaddwd (measured, 2048x768, CPU time: two blocks per 512-bit
// vpdpbusd spent more on gathering the two blocks' bytes and scales than it saved, 0.7-0.8x of
// AVX2).

template <class Block>
const Block* row_of(const void* w, int i, int blocks_per_row) {
  return static_cast<const Block*>(w) + static_cast<size_t>(i) * blocks_per_row;
}

// 16 bytes of nibbles as the block's 32 quants: low nibbles are values 0..15, high ones 16..31.
inline __m256i nibbles(const uint8_t* qs) {
  const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i mask = _mm_set1_epi8(0x0F);
  return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(raw, 4), mask), _mm_and_si128(raw, mask));
}

// Q5's fifth bits: 0x10 in byte j where bit j of the little-endian qh is set.
inline __m256i fifth_bits(const uint8_t* qh) {
  uint32_t h;
  std::memcpy(&h, qh, 4);
  return _mm256_maskz_mov_epi8(h, _mm256_set1_epi8(0x10));
}

// A block's quants as vpdpbusd's unsigned operand. Signed ones (Q8_0) give |w| and hand their
// sign to x (kSigned). Q4_0 and Q5_0 stay with the AVX2 kernels: with their zero point taken off
// first, the vpdpbusd version measured 0.75x of AVX2's on Q4_0 (2048x768, CPU time).
template <class Block> constexpr bool kSigned = true;
template <> constexpr bool kSigned<BlockQ4_1> = false;
template <> constexpr bool kSigned<BlockQ5_1> = false;

inline __m256i quants(const BlockQ8_0& b) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs)); }
inline __m256i quants(const BlockQ4_1& b) { return nibbles(b.qs); }
inline __m256i quants(const BlockQ5_1& b) { return _mm256_or_si256(nibbles(b.qs), fifth_bits(b.qh)); }

// The exact int32 dot product of a block with 32 quants of x, over 8 lanes. Signed weights: |w|
// is exact even for -128, and x (within [-127, 127]) takes w's sign without overflow.
template <class Block>
inline __m256i block_dot(const Block& b, const int8_t* xq) {
  const __m256i w = quants(b);
  const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq));
  if constexpr (kSigned<Block>)
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(w), _mm256_sign_epi8(x, w));
  else
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), w, x);
}

// Q8_0, Q4_1, Q5_1: per block d * xs * dot, plus m * xs * sum(x) for the formats with a minimum.
template <class Block>
void matmul_blocks32(float* out, const Q8Input& x, const void* w, int n, int d) {
  const int nb = n / kBlockValues;
  for (int i = 0; i < d; i++) {
    const Block* row = row_of<Block>(w, i, nb);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;
    float mins = 0.0f;
    int b = 0;
    for (; b + 2 <= nb; b += 2) {
      prefetch_ahead(row + b);
      const __m256i i0 = block_dot(row[b], x.q + 32 * b);
      const __m256i i1 = block_dot(row[b + 1], x.q + 32 * b + 32);
      acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i0), _mm256_set1_ps(half_to_float(row[b].d) * x.s[b]), acc0);
      acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i1), _mm256_set1_ps(half_to_float(row[b + 1].d) * x.s[b + 1]), acc1);
      if constexpr (!kSigned<Block>)
        mins += half_to_float(row[b].m) * (x.s[b] * float(x.sum[b])) +
                half_to_float(row[b + 1].m) * (x.s[b + 1] * float(x.sum[b + 1]));
    }
    if (b < nb) {
      const __m256i i0 = block_dot(row[b], x.q + 32 * b);
      acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i0), _mm256_set1_ps(half_to_float(row[b].d) * x.s[b]), acc0);
      if constexpr (!kSigned<Block>) mins += half_to_float(row[b].m) * (x.s[b] * float(x.sum[b]));
    }
    const __m256 acc = _mm256_add_ps(acc0, acc1);
    const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    out[i] = _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2))) + mins;
  }
}

// ---- K-quants: a super-block of 256 against 8 blocks of x.

// Q4_K and Q5_K: chunk c of 32 bytes of qs is sub-blocks 2c (low nibbles) and 2c + 1 (high), the
// 64 values of x at 64c. Sub-block s weighs d * sc(s) * xs; the minimums, dmin * mn(s) * xs *
// sum(x), are one 8-wide product per super-block.
template <class Block, bool kFifthBit>
void matmul_k_offset(float* out, const Q8Input& x, const void* w, int n, int d) {
  const int nsb = n / kSuperBlockValues;
  const __m512i low_nibbles = _mm512_set1_epi8(0x0F);
  for (int i = 0; i < d; i++) {
    const Block* row = row_of<Block>(w, i, nsb);
    __m512 acc0 = _mm512_setzero_ps(), acc1 = acc0;
    __m256 mins = _mm256_setzero_ps();
    for (int sb = 0; sb < nsb; sb++) {
      const Block& blk = row[sb];
      for (int off = 0; off < int(sizeof(Block)); off += 64) prefetch_ahead(&blk, off);
      alignas(32) float sc[8], mn[8];
      for (int s = 0; s < 8; s++) {
        int a, m;
        unpack_k_scale(blk.scales, s, a, m);
        sc[s] = float(a);
        mn[s] = float(m);
      }
      const float dd = half_to_float(blk.d);
      const __m256 xs = _mm256_loadu_ps(x.s + 8 * sb);
      mins = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_load_ps(mn), _mm256_set1_ps(half_to_float(blk.dmin))),
                             _mm256_mul_ps(xs, _mm256_cvtepi32_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.sum + 8 * sb)))),
                             mins);
      alignas(32) float factor[8];
      _mm256_store_ps(factor, _mm256_mul_ps(_mm256_mul_ps(_mm256_load_ps(sc), _mm256_set1_ps(dd)), xs));
      __m512i high = _mm512_setzero_si512();
      if constexpr (kFifthBit) {
        const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk.qh));
        high = _mm512_inserti64x4(_mm512_castsi256_si512(qh), qh, 1);
      }
      const int8_t* xq = x.q + sb * kSuperBlockValues;
      for (int c = 0; c < 4; c++) {
        const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk.qs + 32 * c));
        const __m512i both = _mm512_inserti64x4(_mm512_castsi256_si512(raw), raw, 1);
        __m512i q = _mm512_and_si512(_mm512_mask_blend_epi64(0xF0, both, _mm512_srli_epi16(both, 4)), low_nibbles);
        if constexpr (kFifthBit) {
          // Bit 2c of qh[i] for the low half, bit 2c + 1 for the high half.
          const __m512i bit = _mm512_mask_blend_epi64(0xF0, _mm512_set1_epi8(char(1 << (2 * c))),
                                                      _mm512_set1_epi8(char(2 << (2 * c))));
          q = _mm512_or_si512(q, _mm512_maskz_mov_epi8(_mm512_test_epi8_mask(high, bit), _mm512_set1_epi8(0x10)));
        }
        const __m512i isum = dpbusd(_mm512_setzero_si512(), q, _mm512_loadu_si512(xq + 64 * c));
        const __m512 prod = _mm512_mul_ps(_mm512_cvtepi32_ps(isum), pair(factor[2 * c], factor[2 * c + 1]));
        if (c % 2 == 0) acc0 = _mm512_add_ps(acc0, prod);
        else acc1 = _mm512_add_ps(acc1, prod);
      }
    }
    const __m128 m4 = _mm_add_ps(_mm256_castps256_ps128(mins), _mm256_extractf128_ps(mins, 1));
    const __m128 m2 = _mm_add_ps(m4, _mm_movehl_ps(m4, m4));
    out[i] = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1)) - _mm_cvtss_f32(_mm_add_ss(m2, _mm_movehdup_ps(m2)));
  }
}

// Q6_K: each 64 bytes of ql (and the 32 of qh) of a half give two pairs of blocks of x; the
// int32 lanes of vpdpbusd fall into sub-blocks of 16 (four lanes each), weighted by their int8
// scales. The zero point 32 comes off as 32 * (the lanes' sums of x), from a second vpdpbusd.
void matmul_q6_k(float* out, const Q8Input& x, const void* w, int n, int d) {
  const int nsb = n / kSuperBlockValues;
  const __m512i low_nibbles = _mm512_set1_epi8(0x0F), two_bits = _mm512_set1_epi8(3);
  const __m512i thirty_two = _mm512_set1_epi8(32);
  const __m512i spread = _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);
  for (int i = 0; i < d; i++) {
    const BlockQ6K* row = row_of<BlockQ6K>(w, i, nsb);
    __m512 acc0 = _mm512_setzero_ps(), acc1 = acc0;
    for (int sb = 0; sb < nsb; sb++) {
      const BlockQ6K& blk = row[sb];
      for (int off = 0; off < int(sizeof(BlockQ6K)); off += 64) prefetch_ahead(&blk, off);
      const float dd = half_to_float(blk.d);
      for (int h = 0; h < 2; h++) {
        const __m512i ql = _mm512_loadu_si512(blk.ql + 64 * h);
        const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk.qh + 32 * h));
        const __m512i hb = _mm512_inserti64x4(_mm512_castsi256_si512(qh), qh, 1);
        // Pair 0: blocks 4h, 4h + 1 (low nibbles of ql, qh bits 0-1 then 2-3); pair 1: blocks
        // 4h + 2, 4h + 3 (high nibbles, qh bits 4-5 then 6-7).
        const __m512i high01 = _mm512_mask_blend_epi64(0xF0, hb, _mm512_srli_epi16(hb, 2));
        const __m512i high23 = _mm512_srli_epi16(high01, 4);
        const __m512i q[2] = {
            _mm512_or_si512(_mm512_and_si512(ql, low_nibbles),
                            _mm512_slli_epi16(_mm512_and_si512(high01, two_bits), 4)),
            _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), low_nibbles),
                            _mm512_slli_epi16(_mm512_and_si512(high23, two_bits), 4))};
        for (int p = 0; p < 2; p++) {
          const int b = 8 * sb + 4 * h + 2 * p;
          const __m512i xv = _mm512_loadu_si512(x.q + 32 * b);
          const __m512i isum = _mm512_sub_epi32(dpbusd(_mm512_setzero_si512(), q[p], xv),
                                                dpbusd(_mm512_setzero_si512(), thirty_two, xv));
          const __m128i s8 = _mm_cvtsi32_si128(*reinterpret_cast<const int32_t*>(blk.scales + 8 * h + 4 * p));
          const __m512 scales =
              _mm512_cvtepi32_ps(_mm512_permutexvar_epi32(spread, _mm512_castsi128_si512(_mm_cvtepi8_epi32(s8))));
          const __m512 prod = _mm512_mul_ps(_mm512_cvtepi32_ps(isum),
                                            _mm512_mul_ps(scales, pair(dd * x.s[b], dd * x.s[b + 1])));
          if (p == 0) acc0 = _mm512_add_ps(acc0, prod);
          else acc1 = _mm512_add_ps(acc1, prod);
        }
      }
    }
    out[i] = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
  }
}

bool cpu_has_avx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
}

Kernels make_set() {
  Kernels k = *avx2_kernels();  // a CPU with AVX-512 has AVX2 and FMA
  k.name = "avx512";
  k.matmul_f32 = matmul_f32;
  k.matmul_f16 = matmul_f16;
  k.matmul_bf16 = avx512_bf16_matmul() ? avx512_bf16_matmul() : matmul_bf16;
  k.matmul_q8_0 = matmul_blocks32<BlockQ8_0>;
  k.matmul_q4_1 = matmul_blocks32<BlockQ4_1>;
  k.matmul_q5_1 = matmul_blocks32<BlockQ5_1>;
  k.matmul_q4_k = matmul_k_offset<BlockQ4K, false>;
  k.matmul_q5_k = matmul_k_offset<BlockQ5K, true>;
  k.matmul_q6_k = matmul_q6_k;
  k.dot = dot;
  k.axpy = axpy;
  return k;
}

}  // namespace

const Kernels* avx512_kernels() {
  if (!cpu_has_avx512() || avx2_kernels() == nullptr) return nullptr;
  // Built once without a function-local static's guard, which would call into the C++ runtime
  // library (the bitcode has only libc behind it): 0 empty, 1 being filled, 2 ready.
  static Kernels k;
  static std::atomic<int> state{0};
  int expected = 0;
  if (state.compare_exchange_strong(expected, 1, std::memory_order_acquire)) {
    k = make_set();
    state.store(2, std::memory_order_release);
  }
  while (state.load(std::memory_order_acquire) != 2) {
  }
  return &k;
}

}  // namespace bf::llm

#else

namespace bf::llm {

const Kernels* avx512_kernels() { return nullptr; }

}  // namespace bf::llm

#endif
