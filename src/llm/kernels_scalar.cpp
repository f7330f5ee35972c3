// Scalar reference kernels: plain loops, summed in llama2.c's order (run.c / runq.c), so the
// engine can be checked token for token against llama2.c and every SIMD set against these.
#include <cmath>
#include <cstring>

#include "llm/kernels.h"

namespace bf::llm {
namespace {

void matmul_f32(float* out, const float* x, const float* w, int n, int d) {
  for (int i = 0; i < d; i++) {
    const float* row = w + static_cast<size_t>(i) * n;
    float val = 0.0f;
    for (int j = 0; j < n; j++) val += row[j] * x[j];
    out[i] = val;
  }
}

void matmul_q8(float* out, const int8_t* xq, const float* xs, const int8_t* wq, const float* ws,
               int n, int d, int gs) {
  for (int i = 0; i < d; i++) {
    const size_t in = static_cast<size_t>(i) * n;
    float val = 0.0f;
    for (int j = 0; j + gs <= n; j += gs) {
      int32_t ival = 0;
      for (int k = 0; k < gs; k++)
        ival += static_cast<int32_t>(xq[j + k]) * static_cast<int32_t>(wq[in + j + k]);
      val += static_cast<float>(ival) * ws[(in + j) / gs] * xs[j / gs];
    }
    out[i] = val;
  }
}

// ---- F16, BF16: widened to fp32, summed in order as matmul_f32 does.

template <float (*kWiden)(uint16_t)>
void matmul_halves(float* out, const float* x, const uint16_t* w, int n, int d) {
  for (int i = 0; i < d; i++) {
    const uint16_t* row = w + static_cast<size_t>(i) * n;
    float val = 0.0f;
    for (int j = 0; j < n; j++) val += kWiden(row[j]) * x[j];
    out[i] = val;
  }
}

// ---- GGUF block formats. Each decodes a row's blocks to integers (block_formats.h) and adds, per
// block of 32 values of x, (integer dot product) * (weight scale * x scale), minus or plus the
// minimum's share, in the order of the blocks.

template <class T>
int dot_block(const T* w, const int8_t* x, int len) {
  int32_t sum = 0;
  for (int k = 0; k < len; k++) sum += static_cast<int32_t>(w[k]) * static_cast<int32_t>(x[k]);
  return sum;
}

template <class Block>
const Block* row_of(const void* w, int i, int n, int values_per_block) {
  return static_cast<const Block*>(w) + static_cast<size_t>(i) * (n / values_per_block);
}

void unpack_q8_0(const BlockQ8_0& b, int8_t* q) { std::memcpy(q, b.qs, sizeof b.qs); }

// The 32-value formats: x = d * q (Q8_0, Q4_0, Q5_0, the zero point taken off by the unpacking),
// or x = d * q + m (Q4_1, Q5_1), whose minimum meets x's block sum.
template <class Block, class Quant, void (*kUnpack)(const Block&, Quant*)>
void matmul_blocks32(float* out, const Q8Input& x, const void* w, int n, int d) {
  const int nb = n / kBlockValues;
  Quant q[kBlockValues];
  for (int i = 0; i < d; i++) {
    const Block* row = row_of<Block>(w, i, n, kBlockValues);
    float val = 0.0f;
    for (int b = 0; b < nb; b++) {
      kUnpack(row[b], q);
      const int isum = dot_block(q, x.q + b * kBlockValues, kBlockValues);
      if constexpr (requires { row[b].m; })
        val += static_cast<float>(isum) * (fp16_to_fp32(row[b].d) * x.s[b]) +
               fp16_to_fp32(row[b].m) * (x.s[b] * static_cast<float>(x.sum[b]));
      else
        val += static_cast<float>(isum) * (fp16_to_fp32(row[b].d) * x.s[b]);
    }
    out[i] = val;
  }
}

// Q4_K and Q5_K: sub-block s of super-block B meets block 8B + s of x.
template <class Block, void (*kUnpack)(const Block&, uint8_t*, int*, int*)>
void matmul_k_offset(float* out, const Q8Input& x, const void* w, int n, int d) {
  const int nsb = n / kSuperBlockValues;
  uint8_t q[kSuperBlockValues];
  int sc[8], mn[8];
  for (int i = 0; i < d; i++) {
    const Block* row = row_of<Block>(w, i, n, kSuperBlockValues);
    float val = 0.0f;
    for (int sb = 0; sb < nsb; sb++) {
      kUnpack(row[sb], q, sc, mn);
      const float dd = fp16_to_fp32(row[sb].d), dmin = fp16_to_fp32(row[sb].dmin);
      for (int s = 0; s < 8; s++) {
        const int b = 8 * sb + s;
        const int isum = dot_block(q + 32 * s, x.q + b * kBlockValues, kBlockValues);
        val += static_cast<float>(isum) * (dd * static_cast<float>(sc[s]) * x.s[b]) -
               dmin * static_cast<float>(mn[s]) * (x.s[b] * static_cast<float>(x.sum[b]));
      }
    }
    out[i] = val;
  }
}

void matmul_q6_k(float* out, const Q8Input& x, const void* w, int n, int d) {
  const int nsb = n / kSuperBlockValues;
  int8_t q[kSuperBlockValues];
  for (int i = 0; i < d; i++) {
    const BlockQ6K* row = row_of<BlockQ6K>(w, i, n, kSuperBlockValues);
    float val = 0.0f;
    for (int sb = 0; sb < nsb; sb++) {
      unpack_q6_k(row[sb], q);
      const float dd = fp16_to_fp32(row[sb].d);
      for (int t = 0; t < 8; t++) {
        const int b = 8 * sb + t;
        const int8_t* xb = x.q + b * kBlockValues;
        const int isum = row[sb].scales[2 * t] * dot_block(q + 32 * t, xb, 16) +
                         row[sb].scales[2 * t + 1] * dot_block(q + 32 * t + 16, xb + 16, 16);
        val += static_cast<float>(isum) * (dd * x.s[b]);
      }
    }
    out[i] = val;
  }
}

void quantize_q8(int8_t* q, float* s, const float* x, int n, int gs) {
  for (int g = 0; g * gs < n; g++) {
    const float* xg = x + g * gs;
    float wmax = 0.0f;
    for (int i = 0; i < gs; i++) {
      const float a = std::fabs(xg[i]);
      if (a > wmax) wmax = a;
    }
    const float scale = wmax / 127.0f;
    s[g] = scale;
    // An all-zero group has scale 0; its values quantize to 0 (x / 0 would be NaN).
    for (int i = 0; i < gs; i++)
      q[g * gs + i] = scale == 0.0f ? 0 : static_cast<int8_t>(std::roundf(xg[i] / scale));
  }
}

void rmsnorm(float* out, const float* x, const float* weight, int n, float eps) {
  float ss = 0.0f;
  for (int j = 0; j < n; j++) ss += x[j] * x[j];
  ss /= static_cast<float>(n);
  ss += eps;
  ss = 1.0f / std::sqrt(ss);
  for (int j = 0; j < n; j++) out[j] = weight[j] * (ss * x[j]);
}

void softmax(float* x, int n) {
  float max_val = x[0];
  for (int i = 1; i < n; i++)
    if (x[i] > max_val) max_val = x[i];
  float sum = 0.0f;
  for (int i = 0; i < n; i++) {
    x[i] = std::exp(x[i] - max_val);
    sum += x[i];
  }
  for (int i = 0; i < n; i++) x[i] /= sum;
}

void swiglu(float* hb, const float* hb2, int n) {
  for (int i = 0; i < n; i++) {
    float val = hb[i];
    val *= 1.0f / (1.0f + std::exp(-val));
    hb[i] = val * hb2[i];
  }
}

void rope(float* x, int n, int head_size, const float* cos_sin) {
  for (int i = 0; i + 1 < n; i += 2) {
    const int head_dim = i % head_size;
    const float fcr = cos_sin[2 * head_dim];
    const float fci = cos_sin[2 * head_dim + 1];
    const float v0 = x[i];
    const float v1 = x[i + 1];
    x[i] = v0 * fcr - v1 * fci;
    x[i + 1] = v0 * fci + v1 * fcr;
  }
}

float dot(const float* a, const float* b, int n) {
  float sum = 0.0f;
  for (int i = 0; i < n; i++) sum += a[i] * b[i];
  return sum;
}

void axpy(float* y, float a, const float* x, int n) {
  for (int i = 0; i < n; i++) y[i] += a * x[i];
}

}  // namespace

const Kernels& scalar_kernels() {
  static const Kernels k = {
      "scalar",
      matmul_f32,
      matmul_q8,
      matmul_halves<fp16_to_fp32>,
      matmul_halves<bf16_to_fp32>,
      matmul_blocks32<BlockQ8_0, int8_t, unpack_q8_0>,
      matmul_blocks32<BlockQ4_0, int8_t, unpack_q4_0>,
      matmul_blocks32<BlockQ4_1, uint8_t, unpack_q4_1>,
      matmul_blocks32<BlockQ5_0, int8_t, unpack_q5_0>,
      matmul_blocks32<BlockQ5_1, uint8_t, unpack_q5_1>,
      matmul_k_offset<BlockQ4K, unpack_q4_k>,
      matmul_k_offset<BlockQ5K, unpack_q5_k>,
      matmul_q6_k,
      quantize_q8,
      rmsnorm,
      softmax,
      swiglu,
      rope,
      dot,
      axpy,
  };
  return k;
}

}  // namespace bf::llm
