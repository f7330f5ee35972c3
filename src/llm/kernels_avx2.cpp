// AVX2/FMA kernels, chosen at run time when the CPU has both. Written with clang vector
// extensions, which lower to generic LLVM IR (vector loads, fma, shuffles), so BareFlow's
// interpreter can run this file too; the only x86-specific intrinsic is pmaddwd (llvm.x86.avx2.
// pmadd.wd), which the int8 dot products need (docs/kernels.md keeps the list).
//
// Agreement with the scalar set (tests/llm/kernels_test.cpp): sums are reassociated across SIMD
// lanes, so results differ by rounding only; quantize_q8 and rope are bit-exact.
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "llm/kernels.h"

namespace bf::llm {

#if defined(__AVX2__) && defined(__FMA__)

namespace {

typedef float f8 __attribute__((ext_vector_type(8)));
typedef float f4 __attribute__((ext_vector_type(4)));
typedef int32_t i8v __attribute__((ext_vector_type(8)));  // 8 x int32
typedef int16_t s16v __attribute__((ext_vector_type(16)));
typedef int8_t b16v __attribute__((ext_vector_type(16)));
typedef int8_t b8v __attribute__((ext_vector_type(8)));

// Unaligned loads and stores (memcpy lowers to a plain vector load/store with align 1).
inline f8 load8(const float* p) {
  f8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store8(float* p, f8 v) { std::memcpy(p, &v, sizeof v); }
inline f8 splat8(float x) { return f8(x); }
inline f8 fma8(f8 a, f8 b, f8 c) { return __builtin_elementwise_fma(a, b, c); }

inline float hsum(f8 v) {
  const f4 lo = __builtin_shufflevector(v, v, 0, 1, 2, 3);
  const f4 hi = __builtin_shufflevector(v, v, 4, 5, 6, 7);
  const f4 s4 = lo + hi;
  const f4 s2 = s4 + __builtin_shufflevector(s4, s4, 2, 3, 0, 1);
  return s2[0] + s2[1];
}

inline float hmax(f8 v) {
  const f4 lo = __builtin_shufflevector(v, v, 0, 1, 2, 3);
  const f4 hi = __builtin_shufflevector(v, v, 4, 5, 6, 7);
  f4 m4 = __builtin_elementwise_max(lo, hi);
  f4 m4_swapped = __builtin_shufflevector(m4, m4, 2, 3, 0, 1);
  f4 m2 = __builtin_elementwise_max(m4, m4_swapped);
  return m2[0] > m2[1] ? m2[0] : m2[1];
}

// e^x for 8 lanes: Cody-Waite range reduction to r in [-ln2/2, ln2/2] and a degree-6 polynomial
// (Cephes expf coefficients), within 2 ulp of expf over the clamped range. Inputs are clamped
// to [-87.3, 88.37] so 2^n stays a normal float: e^x underflows to ~1e-38 rather than 0.
inline f8 exp8(f8 x) {
  x = __builtin_elementwise_min(x, splat8(88.3762626647949f));
  x = __builtin_elementwise_max(x, splat8(-87.3365447504019f));
  const f8 n = __builtin_elementwise_floor(fma8(x, splat8(1.44269504088896341f), splat8(0.5f)));
  f8 r = fma8(n, splat8(-0.693359375f), x);
  r = fma8(n, splat8(2.12194440e-4f), r);
  f8 p = splat8(1.9875691500e-4f);
  p = fma8(p, r, splat8(1.3981999507e-3f));
  p = fma8(p, r, splat8(8.3334519073e-3f));
  p = fma8(p, r, splat8(4.1665795894e-2f));
  p = fma8(p, r, splat8(1.6666665459e-1f));
  p = fma8(p, r, splat8(5.0000001201e-1f));
  p = fma8(p, r * r, r) + splat8(1.0f);
  const i8v bits = (__builtin_convertvector(n, i8v) + 127) << 23;
  f8 scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// ---- fp32 matmul: memory-bound for model shapes, so 4 rows share each load of x and each
// row keeps two accumulators (8 FMA chains hide the FMA latency).

inline void matmul_rows4(float* out, const float* x, const float* w, int n) {
  const float* w0 = w;
  const float* w1 = w + n;
  const float* w2 = w + 2 * static_cast<size_t>(n);
  const float* w3 = w + 3 * static_cast<size_t>(n);
  f8 a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  int j = 0;
  for (; j + 16 <= n; j += 16) {
    const f8 x0 = load8(x + j);
    const f8 x1 = load8(x + j + 8);
    a0 = fma8(load8(w0 + j), x0, a0);
    b0 = fma8(load8(w0 + j + 8), x1, b0);
    a1 = fma8(load8(w1 + j), x0, a1);
    b1 = fma8(load8(w1 + j + 8), x1, b1);
    a2 = fma8(load8(w2 + j), x0, a2);
    b2 = fma8(load8(w2 + j + 8), x1, b2);
    a3 = fma8(load8(w3 + j), x0, a3);
    b3 = fma8(load8(w3 + j + 8), x1, b3);
  }
  if (j + 8 <= n) {
    const f8 x0 = load8(x + j);
    a0 = fma8(load8(w0 + j), x0, a0);
    a1 = fma8(load8(w1 + j), x0, a1);
    a2 = fma8(load8(w2 + j), x0, a2);
    a3 = fma8(load8(w3 + j), x0, a3);
    j += 8;
  }
  float s0 = hsum(a0 + b0), s1 = hsum(a1 + b1), s2 = hsum(a2 + b2), s3 = hsum(a3 + b3);
  for (; j < n; j++) {
    s0 += w0[j] * x[j];
    s1 += w1[j] * x[j];
    s2 += w2[j] * x[j];
    s3 += w3[j] * x[j];
  }
  out[0] = s0;
  out[1] = s1;
  out[2] = s2;
  out[3] = s3;
}

float dot(const float* a, const float* b, int n) {
  f8 acc0 = 0, acc1 = 0;
  int j = 0;
  for (; j + 16 <= n; j += 16) {
    acc0 = fma8(load8(a + j), load8(b + j), acc0);
    acc1 = fma8(load8(a + j + 8), load8(b + j + 8), acc1);
  }
  if (j + 8 <= n) {
    acc0 = fma8(load8(a + j), load8(b + j), acc0);
    j += 8;
  }
  float s = hsum(acc0 + acc1);
  for (; j < n; j++) s += a[j] * b[j];
  return s;
}

void matmul_f32(float* out, const float* x, const float* w, int n, int d) {
  int i = 0;
  for (; i + 4 <= d; i += 4) matmul_rows4(out + i, x, w + static_cast<size_t>(i) * n, n);
  for (; i < d; i++) out[i] = dot(w + static_cast<size_t>(i) * n, x, n);
}

// ---- int8 dot products. 16 int8 values are widened to int16 (a generic sign extension) and
// pmaddwd multiplies and adds adjacent pairs into 8 int32 lanes; |q| <= 127 keeps it exact.

inline s16v widen16(const int8_t* p) {
  b16v v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_convertvector(v, s16v);
}

inline i8v madd16(s16v a, s16v b) {
  return reinterpret_cast<i8v>(_mm256_madd_epi16(reinterpret_cast<__m256i>(a),
                                                 reinterpret_cast<__m256i>(b)));
}

// Rows [0, 4) of a Q8 matrix (group size gs, a multiple of 16): the int32 sum of a group stays
// spread over 8 lanes, is converted to float and scaled by ws * xs in the lanes.
inline void matmul_q8_rows4(float* out, const int8_t* xq, const float* xs, const int8_t* wq,
                            const float* ws, int n, int gs) {
  const int groups = n / gs;
  const int8_t* w[4] = {wq, wq + n, wq + 2 * static_cast<size_t>(n), wq + 3 * static_cast<size_t>(n)};
  const float* s[4] = {ws, ws + groups, ws + 2 * groups, ws + 3 * groups};
  f8 acc[4] = {0, 0, 0, 0};
  for (int g = 0; g < groups; g++) {
    i8v isum[4] = {0, 0, 0, 0};
    const int base = g * gs;
    for (int k = base; k < base + gs; k += 16) {
      const s16v xv = widen16(xq + k);
      for (int r = 0; r < 4; r++) isum[r] += madd16(xv, widen16(w[r] + k));
    }
    for (int r = 0; r < 4; r++)
      acc[r] = fma8(__builtin_convertvector(isum[r], f8), splat8(s[r][g] * xs[g]), acc[r]);
  }
  for (int r = 0; r < 4; r++) out[r] = hsum(acc[r]);
}

inline float dot_q8_row(const int8_t* xq, const float* xs, const int8_t* wq, const float* ws,
                        int n, int gs) {
  const int groups = n / gs;
  f8 acc = 0;
  for (int g = 0; g < groups; g++) {
    i8v isum = 0;
    for (int k = g * gs; k < (g + 1) * gs; k += 16) isum += madd16(widen16(xq + k), widen16(wq + k));
    acc = fma8(__builtin_convertvector(isum, f8), splat8(ws[g] * xs[g]), acc);
  }
  return hsum(acc);
}

void matmul_q8(float* out, const int8_t* xq, const float* xs, const int8_t* wq, const float* ws,
               int n, int d, int gs) {
  if (gs % 16 != 0) {  // small groups (tiny models): the reference loop
    scalar_kernels().matmul_q8(out, xq, xs, wq, ws, n, d, gs);
    return;
  }
  const int groups = n / gs;
  int i = 0;
  for (; i + 4 <= d; i += 4)
    matmul_q8_rows4(out + i, xq, xs, wq + static_cast<size_t>(i) * n,
                    ws + static_cast<size_t>(i) * groups, n, gs);
  for (; i < d; i++)
    out[i] = dot_q8_row(xq, xs, wq + static_cast<size_t>(i) * n,
                        ws + static_cast<size_t>(i) * groups, n, gs);
}

inline float half_to_float(uint16_t h) {
  _Float16 f;
  std::memcpy(&f, &h, sizeof f);
  return static_cast<float>(f);
}

void matmul_q8_blocks(float* out, const int8_t* xq, const float* xs, const GgufQ8Block* w, int n,
                      int d) {
  const int nb = n / kGgufQ8BlockSize;
  int i = 0;
  for (; i + 2 <= d; i += 2) {
    const GgufQ8Block* r0 = w + static_cast<size_t>(i) * nb;
    const GgufQ8Block* r1 = r0 + nb;
    f8 acc0 = 0, acc1 = 0;
    for (int b = 0; b < nb; b++) {
      const s16v x0 = widen16(xq + b * 32);
      const s16v x1 = widen16(xq + b * 32 + 16);
      const i8v s0 = madd16(x0, widen16(r0[b].qs)) + madd16(x1, widen16(r0[b].qs + 16));
      const i8v s1 = madd16(x0, widen16(r1[b].qs)) + madd16(x1, widen16(r1[b].qs + 16));
      acc0 = fma8(__builtin_convertvector(s0, f8), splat8(half_to_float(r0[b].d) * xs[b]), acc0);
      acc1 = fma8(__builtin_convertvector(s1, f8), splat8(half_to_float(r1[b].d) * xs[b]), acc1);
    }
    out[i] = hsum(acc0);
    out[i + 1] = hsum(acc1);
  }
  for (; i < d; i++) {
    const GgufQ8Block* r0 = w + static_cast<size_t>(i) * nb;
    f8 acc0 = 0;
    for (int b = 0; b < nb; b++) {
      const i8v s0 = madd16(widen16(xq + b * 32), widen16(r0[b].qs)) +
                     madd16(widen16(xq + b * 32 + 16), widen16(r0[b].qs + 16));
      acc0 = fma8(__builtin_convertvector(s0, f8), splat8(half_to_float(r0[b].d) * xs[b]), acc0);
    }
    out[i] = hsum(acc0);
  }
}

// Bit-exact with the scalar version: max is exact, the division is IEEE, and
// __builtin_elementwise_round rounds halves away from zero as roundf does.
void quantize_q8(int8_t* q, float* s, const float* x, int n, int gs) {
  if (gs % 8 != 0) {
    scalar_kernels().quantize_q8(q, s, x, n, gs);
    return;
  }
  for (int g = 0; g * gs < n; g++) {
    const float* xg = x + g * gs;
    f8 m = 0;
    for (int i = 0; i < gs; i += 8) m = __builtin_elementwise_max(m, __builtin_elementwise_abs(load8(xg + i)));
    const float scale = hmax(m) / 127.0f;
    s[g] = scale;
    int8_t* qg = q + g * gs;
    if (scale == 0.0f) {
      std::memset(qg, 0, gs);
      continue;
    }
    const f8 sv = splat8(scale);
    for (int i = 0; i < gs; i += 8) {
      const i8v qi = __builtin_convertvector(__builtin_elementwise_round(load8(xg + i) / sv), i8v);
      const b8v qb = __builtin_convertvector(qi, b8v);
      std::memcpy(qg + i, &qb, sizeof qb);
    }
  }
}

void rmsnorm(float* out, const float* x, const float* weight, int n, float eps) {
  f8 acc = 0;
  int j = 0;
  for (; j + 8 <= n; j += 8) {
    const f8 v = load8(x + j);
    acc = fma8(v, v, acc);
  }
  float ss = hsum(acc);
  for (int k = j; k < n; k++) ss += x[k] * x[k];
  ss /= static_cast<float>(n);
  ss += eps;
  ss = 1.0f / std::sqrt(ss);
  const f8 sv = splat8(ss);
  for (j = 0; j + 8 <= n; j += 8) store8(out + j, load8(weight + j) * (sv * load8(x + j)));
  for (; j < n; j++) out[j] = weight[j] * (ss * x[j]);
}

void softmax(float* x, int n) {
  f8 m = splat8(x[0]);
  int i = 0;
  for (; i + 8 <= n; i += 8) m = __builtin_elementwise_max(m, load8(x + i));
  float max_val = hmax(m);
  for (; i < n; i++)
    if (x[i] > max_val) max_val = x[i];
  const f8 mv = splat8(max_val);
  f8 sum = 0;
  for (i = 0; i + 8 <= n; i += 8) {
    const f8 e = exp8(load8(x + i) - mv);
    store8(x + i, e);
    sum += e;
  }
  float total = hsum(sum);
  for (; i < n; i++) {
    x[i] = std::exp(x[i] - max_val);
    total += x[i];
  }
  const f8 tv = splat8(total);
  for (i = 0; i + 8 <= n; i += 8) store8(x + i, load8(x + i) / tv);
  for (; i < n; i++) x[i] /= total;
}

void swiglu(float* hb, const float* hb2, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const f8 v = load8(hb + i);
    store8(hb + i, v / (splat8(1.0f) + exp8(-v)) * load8(hb2 + i));
  }
  for (; i < n; i++) {
    float val = hb[i];
    val *= 1.0f / (1.0f + std::exp(-val));
    hb[i] = val * hb2[i];
  }
}

// The angle of a pair depends only on its place in the head, so the (libm) sines and cosines of
// one head serve every head: the same values as the scalar loop, head_size/2 calls per vector.
void rope(float* x, int n, int head_size, int pos, float theta) {
#pragma clang fp contract(off)  // no fused multiply-adds: stay bit-exact with the scalar loop
  if (head_size > 1024 || head_size % 2 != 0) {
    scalar_kernels().rope(x, n, head_size, pos, theta);
    return;
  }
  float fcr[512], fci[512];
  for (int i = 0; i < head_size; i += 2) {
    const float freq = 1.0f / std::pow(theta, static_cast<float>(i) / head_size);
    const float val = static_cast<float>(pos) * freq;
    fcr[i / 2] = std::cos(val);
    fci[i / 2] = std::sin(val);
  }
  for (int h = 0; h < n; h += head_size) {
    const int end = n - h < head_size ? n : h + head_size;
    for (int i = h; i + 1 < end; i += 2) {
      const float c = fcr[(i - h) / 2], s = fci[(i - h) / 2];
      const float v0 = x[i];
      const float v1 = x[i + 1];
      x[i] = v0 * c - v1 * s;
      x[i + 1] = v0 * s + v1 * c;
    }
  }
}

void axpy(float* y, float a, const float* x, int n) {
  const f8 av = splat8(a);
  int i = 0;
  for (; i + 8 <= n; i += 8) store8(y + i, fma8(av, load8(x + i), load8(y + i)));
  for (; i < n; i++) y[i] += a * x[i];
}

}  // namespace

const Kernels* avx2_kernels() {
  static const Kernels k = {"avx2",  matmul_f32, matmul_q8, matmul_q8_blocks, quantize_q8,
                            rmsnorm, softmax,    swiglu,    rope,             dot,
                            axpy};
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? &k : nullptr;
}

#else  // built without -mavx2 -mfma

const Kernels* avx2_kernels() { return nullptr; }

#endif

}  // namespace bf::llm
