// Helpers of the AVX2 kernel files (kernels_avx2.cpp, kernels_avx2_blocks.cpp), which are built
// with -mavx2 -mfma -mf16c. Clang vector extensions lower to generic LLVM IR, which BareFlow's
// interpreter runs; the int8 dot products add three x86 intrinsics (psignb, pmaddubsw, pmaddwd)
// that it implements too (docs/kernels.md keeps the list).
#pragma once

#if defined(__AVX2__) && defined(__FMA__)

#include <immintrin.h>

#include <cstring>

#include "llm/kernels.h"

namespace bf::llm::avx2 {

typedef float f32x8 __attribute__((ext_vector_type(8)));
typedef float f32x4 __attribute__((ext_vector_type(4)));
typedef int32_t i32x8 __attribute__((ext_vector_type(8)));
typedef int16_t i16x16 __attribute__((ext_vector_type(16)));
typedef int8_t i8x32 __attribute__((ext_vector_type(32)));
typedef int8_t i8x8 __attribute__((ext_vector_type(8)));
typedef uint8_t u8x32 __attribute__((ext_vector_type(32)));
typedef uint8_t u8x16 __attribute__((ext_vector_type(16)));

// Unaligned loads and stores (memcpy lowers to a plain vector load/store with align 1).
template <class V, class T>
inline V load(const T* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline f32x8 load8(const float* p) { return load<f32x8>(p); }
inline void store8(float* p, f32x8 v) { std::memcpy(p, &v, sizeof v); }
inline f32x8 splat8(float x) { return f32x8(x); }
inline f32x8 fma8(f32x8 a, f32x8 b, f32x8 c) { return __builtin_elementwise_fma(a, b, c); }

inline float hsum(f32x8 v) {
  const f32x4 lo = __builtin_shufflevector(v, v, 0, 1, 2, 3);
  const f32x4 hi = __builtin_shufflevector(v, v, 4, 5, 6, 7);
  const f32x4 s4 = lo + hi;
  const f32x4 s2 = s4 + __builtin_shufflevector(s4, s4, 2, 3, 0, 1);
  return s2[0] + s2[1];
}

typedef uint16_t u16x8 __attribute__((ext_vector_type(8)));
typedef uint32_t u32x8 __attribute__((ext_vector_type(8)));

#ifdef BF_LLM_BITCODE
// BareFlow's interpreter has no IR type `half` (a load of one is refused), so the bitcode widens
// halves through integers, exactly as the hardware does: the magnitude's bits moved into a float
// scaled by 2^112 (normals and subnormals alike), infinities and NaNs given a float's top
// exponent, the sign put back.
inline u32x8 half_bits_to_float_bits(u32x8 h) {
  const u32x8 magnitude =
      __builtin_bit_cast(u32x8, __builtin_bit_cast(f32x8, (h & 0x7fff) << 13) * splat8(0x1p112f));
  const u32x8 special = reinterpret_cast<u32x8>((h & 0x7c00) == 0x7c00) & 0x7f800000u;
  return magnitude | special | (h & 0x8000) << 16;
}
inline f32x8 widen_halves(u16x8 h) {
  return __builtin_bit_cast(f32x8, half_bits_to_float_bits(__builtin_convertvector(h, u32x8)));
}
inline float half_to_float(uint16_t h) { return fp16_to_fp32(h); }
#else
typedef _Float16 f16x8 __attribute__((ext_vector_type(8)));
inline f32x8 widen_halves(u16x8 h) {
  return __builtin_convertvector(__builtin_bit_cast(f16x8, h), f32x8);  // vcvtph2ps
}
inline float half_to_float(uint16_t h) {
  _Float16 f;
  std::memcpy(&f, &h, sizeof f);
  return static_cast<float>(f);
}
#endif

// The weight streams are also prefetched this far ahead in software. Measured on the stories110M
// shape, one thread: fp32 81 -> 87 tok/s, Q8_0 230 -> 300 tok/s (2 KiB ahead gained less, 8 KiB
// no more): the hardware prefetcher alone left the Q8_0 arithmetic waiting on memory. The address
// may lie past the weights; a prefetch never faults.
constexpr int kPrefetchAhead = 4096;

inline void prefetch_ahead(const void* p, int offset = 0) {
  __builtin_prefetch(static_cast<const char*>(p) + kPrefetchAhead + offset);
}

// ---- int8 dot products of 32 values, spread over 8 int32 lanes. pmaddubsw multiplies unsigned
// by signed bytes and adds adjacent pairs into int16; pmaddwd then adds pairs of those into int32.

// Signed weights: |w| goes unsigned (exact even for w = -128) and x takes w's sign (x from
// quantize_q8 is within [-127, 127], so negating it cannot overflow). |pair| <= 2 * 128 * 127.
inline i32x8 dot32(__m256i x, __m256i w) {
  const __m256i prod16 = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
  return reinterpret_cast<i32x8>(_mm256_madd_epi16(prod16, _mm256_set1_epi16(1)));
}
inline i32x8 dot32(__m256i x, const int8_t* w) { return dot32(x, load<__m256i>(w)); }

// Unsigned weights of at most 6 bits: |pair| <= 2 * 63 * 128, no saturation.
inline i32x8 dot32_unsigned(__m256i x, __m256i w) {
  const __m256i prod16 = _mm256_maddubs_epi16(w, x);
  return reinterpret_cast<i32x8>(_mm256_madd_epi16(prod16, _mm256_set1_epi16(1)));
}

inline __m256i load32(const int8_t* p) { return load<__m256i>(p); }

inline f32x8 to_f32(i32x8 v) { return __builtin_convertvector(v, f32x8); }

// GGUF F16, BF16 and block-format matmuls (kernels_avx2_blocks.cpp).
void matmul_f16(float* out, const float* x, const uint16_t* w, int n, int d);
void matmul_bf16(float* out, const float* x, const uint16_t* w, int n, int d);
void matmul_q4_0(float* out, const Q8Input& x, const void* w, int n, int d);
void matmul_q4_1(float* out, const Q8Input& x, const void* w, int n, int d);
void matmul_q5_0(float* out, const Q8Input& x, const void* w, int n, int d);
void matmul_q5_1(float* out, const Q8Input& x, const void* w, int n, int d);
void matmul_q4_k(float* out, const Q8Input& x, const void* w, int n, int d);
void matmul_q5_k(float* out, const Q8Input& x, const void* w, int n, int d);
void matmul_q6_k(float* out, const Q8Input& x, const void* w, int n, int d);

}  // namespace bf::llm::avx2

#endif
