// Scalar reference kernels: plain loops, summed in llama2.c's order (run.c / runq.c), so the
// engine can be checked token for token against llama2.c and every SIMD set against these.
#include <cmath>

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

void matmul_q8_blocks(float* out, const int8_t* xq, const float* xs, const GgufQ8Block* w, int n,
                      int d) {
  const int nb = n / kGgufQ8BlockSize;
  for (int i = 0; i < d; i++) {
    const GgufQ8Block* row = w + static_cast<size_t>(i) * nb;
    float val = 0.0f;
    for (int b = 0; b < nb; b++) {
      const int8_t* xb = xq + b * kGgufQ8BlockSize;
      int32_t ival = 0;
      for (int k = 0; k < kGgufQ8BlockSize; k++)
        ival += static_cast<int32_t>(xb[k]) * static_cast<int32_t>(row[b].qs[k]);
      val += static_cast<float>(ival) * fp16_to_fp32(row[b].d) * xs[b];
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
  static const Kernels k = {"scalar",    matmul_f32, matmul_q8, matmul_q8_blocks,
                            quantize_q8, rmsnorm,    softmax,   swiglu,
                            rope,        dot,        axpy};
  return k;
}

}  // namespace bf::llm
