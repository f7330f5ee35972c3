// The BF16 matmul on AVX-512 BF16 (vdpbf16ps), for the avx512 set where the CPU has it: x is
// rounded to bfloat16 (vcvtne2ps2bf16, to nearest even) and each pair of products is added to
// an fp32 lane as two fused multiply-adds, denormals flushed (measured on this machine's Zen 5;
// tier 0 computes the same, vecops_impl.inc). Rounding x is what llama.cpp does for BF16
// weights; it costs up to 2^-8 of sum |w x| beyond the other sets' reassociation
// (tests/llm/kernels_test.cpp states the tolerance).
#include "llm/kernels.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512BF16__)

#include <immintrin.h>

namespace bf::llm {

namespace {

// 32 values of x as bfloat16 pairs, lanes j and j + 1 in one dword as vdpbf16ps pairs them.
inline __m512bh x_pairs(const float* x) {
  return _mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + 16), _mm512_loadu_ps(x));
}
inline __m512bh w_pairs(const uint16_t* w) { return reinterpret_cast<__m512bh>(_mm512_loadu_si512(w)); }

// One row at a time, 128 values a step in four chains, as the set's other half-width matmuls.
float dot_row(const uint16_t* w, const float* x, int n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int j = 0;
  for (; j + 128 <= n; j += 128) {
    for (int off = 0; off < 256; off += 64)
      _mm_prefetch(reinterpret_cast<const char*>(w + j) + 4096 + off, _MM_HINT_T0);
    a0 = _mm512_dpbf16_ps(a0, w_pairs(w + j), x_pairs(x + j));
    a1 = _mm512_dpbf16_ps(a1, w_pairs(w + j + 32), x_pairs(x + j + 32));
    a2 = _mm512_dpbf16_ps(a2, w_pairs(w + j + 64), x_pairs(x + j + 64));
    a3 = _mm512_dpbf16_ps(a3, w_pairs(w + j + 96), x_pairs(x + j + 96));
  }
  for (; j + 32 <= n; j += 32) a0 = _mm512_dpbf16_ps(a0, w_pairs(w + j), x_pairs(x + j));
  if (j < n) {  // the tail: zeros past n add nothing
    const int left = n - j;
    const __mmask32 m = left == 32 ? ~0u : (1u << left) - 1;
    const __mmask16 lo = static_cast<__mmask16>(m), hi = static_cast<__mmask16>(m >> 16);
    const __m512bh xs = _mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(hi, x + j + 16), _mm512_maskz_loadu_ps(lo, x + j));
    a1 = _mm512_dpbf16_ps(a1, reinterpret_cast<__m512bh>(_mm512_maskz_loadu_epi16(m, w + j)), xs);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

void matmul_bf16(float* out, const float* x, const uint16_t* w, int n, int d) {
  for (int i = 0; i < d; i++) out[i] = dot_row(w + static_cast<size_t>(i) * n, x, n);
}

}  // namespace

HalfMatmul avx512_bf16_matmul() {
  return __builtin_cpu_supports("avx512bf16") ? matmul_bf16 : nullptr;
}

}  // namespace bf::llm

#else

namespace bf::llm {

HalfMatmul avx512_bf16_matmul() { return nullptr; }

}  // namespace bf::llm

#endif
