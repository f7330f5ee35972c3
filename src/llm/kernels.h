// Numeric kernels of the engine. Every kernel has a scalar reference (kernels_scalar.cpp) and,
// where it pays, an AVX2/FMA version (kernels_avx2.cpp); kernels() picks one set at run time
// from CPU detection. tests/llm/kernels_test.cpp checks every set against the scalar one.
//
// Weight matrices are row-major (d rows of n columns), as in llama2.c: out(d) = W(d,n) @ x(n).
// Row ranges are handled by the caller (thread pool) by offsetting pointers, so a kernel
// always works on whole rows.
#pragma once

#include <cstdint>

#include "llm/block_formats.h"
#include "llm/weight_types.h"

namespace bf::llm {

// The input vector of the integer matmuls (GGUF block formats): x quantized by quantize_q8 in
// blocks of 32 (q, one scale s per block), and per block the sum of its q (from q8_block_sums),
// which the formats with a minimum, and kernels that offset signed bytes, need.
struct Q8Input {
  const int8_t* q;
  const float* s;
  const int32_t* sum;
};

// out(d) = W(d, n) @ x(n) for W stored as d rows of n / block values blocks of one format;
// n is a multiple of the format's block (32, or 256 for the K-quants).
using BlockMatmul = void (*)(float* out, const Q8Input& x, const void* w, int n, int d);

struct Kernels {
  const char* name;  // "scalar", "avx2", "avx512"

  // out(d) = W(d,n) @ x(n), fp32.
  void (*matmul_f32)(float* out, const float* x, const float* w, int n, int d);

  // llama2.c version 2 (runq.c) Q8_0: W(d,n) as int8 wq plus one fp32 scale per group of gs
  // consecutive values (ws has d*n/gs entries); x quantized the same way by quantize_q8.
  // Per group: integer dot product, then * ws * xs, summed in fp32, as runq.c does. n % gs == 0.
  void (*matmul_q8)(float* out, const int8_t* xq, const float* xs, const int8_t* wq,
                    const float* ws, int n, int d, int gs);

  // GGUF F16 and BF16 weights (IEEE halves, bfloat16) against fp32 x: each product exact in
  // fp32, summed as matmul_f32 sums.
  // The avx512 set on a CPU with AVX-512 BF16 rounds x to bfloat16 for BF16 (vdpbf16ps, as
  // llama.cpp does): products of bfloat16 pairs, up to 2^-8 of sum |w x| further off.
  void (*matmul_f16)(float* out, const float* x, const uint16_t* w, int n, int d);
  void (*matmul_bf16)(float* out, const float* x, const uint16_t* w, int n, int d);

  // GGUF block formats (block_formats.h). Per block of 32 values of x: the exact integer dot
  // product of the quants with x's, scaled by the block's scales times x's scale, summed in fp32;
  // formats with a minimum add minimum * x's scale * sum of x's quants. Q6_K's two sub-blocks
  // of 16 in a block of x are weighted by their integer scales before the scaling.
  BlockMatmul matmul_q8_0;
  BlockMatmul matmul_q4_0;
  BlockMatmul matmul_q4_1;
  BlockMatmul matmul_q5_0;
  BlockMatmul matmul_q5_1;
  BlockMatmul matmul_q4_k;
  BlockMatmul matmul_q5_k;
  BlockMatmul matmul_q6_k;

  // x(n) -> q(n), s(n/gs): scale = max|x| / 127 per group, q = round(x / scale) (runq.c).
  void (*quantize_q8)(int8_t* q, float* s, const float* x, int n, int gs);

  // out(n) = x * weight / sqrt(mean(x^2) + eps)
  void (*rmsnorm)(float* out, const float* x, const float* weight, int n, float eps);

  // x(n) = softmax(x), in place, max-subtracted.
  void (*softmax)(float* x, int n);

  // hb(n) = silu(hb) * hb2
  void (*swiglu)(float* hb, const float* hb2, int n);

  // Rotary embedding of one vector x(n) made of heads of head_size, rotating adjacent pairs
  // (x[i], x[i+1]) by pos * theta^(-(i % head_size) / head_size), as llama2.c and GGUF "llama".
  // The angles depend only on the position: cos_sin(2 * head_size), from rope_angles, holds the
  // cosine and sine of the pair that starts at place d of a head at [2d] and [2d + 1] (one call
  // per position serves the queries and keys of every layer).
  void (*rope)(float* x, int n, int head_size, const float* cos_sin);

  // sum(a * b), n floats.
  float (*dot)(const float* a, const float* b, int n);

  // y(n) += a * x(n)
  void (*axpy)(float* y, float a, const float* x, int n);
};

const Kernels& scalar_kernels();
// nullptr when the CPU (or the build) lacks AVX2 and FMA.
const Kernels* avx2_kernels();
// nullptr when the CPU lacks AVX-512 F/BW/VL/VNNI (the bitcode build, apps/llama, has the set
// too: docs/kernels.md).
const Kernels* avx512_kernels();
// The BF16 matmul on AVX-512 BF16 (vdpbf16ps) that the avx512 set takes; nullptr where the CPU
// or the build lacks it.
using HalfMatmul = void (*)(float* out, const float* x, const uint16_t* w, int n, int d);
HalfMatmul avx512_bf16_matmul();
// The fastest set this CPU runs; BAREFLOW_KERNELS=scalar|avx2|avx512 in the environment asks for
// one (a set the CPU lacks falls back to the next best, with a warning).
const Kernels& kernels();

// The set's matmul of a GGUF block format; nullptr for F32, F16, BF16 and llama2.c's Q8 groups.
BlockMatmul block_matmul(const Kernels& k, WeightType t);

// sum(x) of each block of 32 quants, for Q8Input (n a multiple of 32).
void q8_block_sums(int32_t* sum, const int8_t* q, int n);

// The rotary angles of a position for Kernels::rope: cos_sin(2 * head_size), at [2d] and
// [2d + 1] the cosine and sine of pos * theta^(-d / head_size) for every place d where a pair
// starts (even d; any d when head_size is odd, where pairs straddle heads). libm's
// powf/cosf/sinf, so every kernel set rotates by the same values.
void rope_angles(float* cos_sin, int head_size, int pos, float theta);

// IEEE half to float (GGUF F16 scales).
float fp16_to_fp32(uint16_t h);
uint16_t fp32_to_fp16(float f);
// bfloat16 (the top half of a float) to float, and float to bfloat16 rounded to nearest even
// (NaN stays NaN).
float bf16_to_fp32(uint16_t h);
uint16_t fp32_to_bf16(float f);

}  // namespace bf::llm
