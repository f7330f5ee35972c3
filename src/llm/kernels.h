// Numeric kernels of the engine. Every kernel has a scalar reference (kernels_scalar.cpp) and,
// where it pays, an AVX2/FMA version (kernels_avx2.cpp); kernels() picks one set at run time
// from CPU detection. tests/llm/kernels_test.cpp checks every set against the scalar one.
//
// Weight matrices are row-major (d rows of n columns), as in llama2.c: out(d) = W(d,n) @ x(n).
// Row ranges are handled by the caller (thread pool) by offsetting pointers, so a kernel
// always works on whole rows.
#pragma once

#include <cstdint>

namespace bf::llm {

// GGUF/ggml Q8_0 block: 32 int8 values sharing one fp16 scale (34 bytes, unaligned in files).
struct GgufQ8Block {
  uint16_t d;  // fp16 scale
  int8_t qs[32];
};
static_assert(sizeof(GgufQ8Block) == 34);
constexpr int kGgufQ8BlockSize = 32;

struct Kernels {
  const char* name;  // "scalar", "avx2"

  // out(d) = W(d,n) @ x(n), fp32.
  void (*matmul_f32)(float* out, const float* x, const float* w, int n, int d);

  // llama2.c version 2 (runq.c) Q8_0: W(d,n) as int8 wq plus one fp32 scale per group of gs
  // consecutive values (ws has d*n/gs entries); x quantized the same way by quantize_q8.
  // Per group: integer dot product, then * ws * xs, summed in fp32, as runq.c does. n % gs == 0.
  void (*matmul_q8)(float* out, const int8_t* xq, const float* xs, const int8_t* wq,
                    const float* ws, int n, int d, int gs);

  // GGUF Q8_0: W(d,n) as d*n/32 blocks; x quantized by quantize_q8 with gs = 32. n % 32 == 0.
  void (*matmul_q8_blocks)(float* out, const int8_t* xq, const float* xs, const GgufQ8Block* w,
                           int n, int d);

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
// The fastest set this CPU runs; BAREFLOW_KERNELS=scalar|avx2 in the environment overrides it.
const Kernels& kernels();

// The rotary angles of a position for Kernels::rope: cos_sin(2 * head_size), at [2d] and
// [2d + 1] the cosine and sine of pos * theta^(-d / head_size) for every place d where a pair
// starts (even d; any d when head_size is odd, where pairs straddle heads). libm's
// powf/cosf/sinf, so every kernel set rotates by the same values.
void rope_angles(float* cos_sin, int head_size, int pos, float theta);

// IEEE half to float (GGUF F16 scales).
float fp16_to_fp32(uint16_t h);
uint16_t fp32_to_fp16(float f);

}  // namespace bf::llm
