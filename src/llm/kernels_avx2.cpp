// AVX2/FMA kernels, chosen at run time when the CPU has both: the fp32 kernels and the Q8 ones
// (the other GGUF formats are in kernels_avx2_blocks.cpp). Written with clang vector extensions,
// which lower to generic LLVM IR (vector loads, fma, shuffles), so BareFlow's interpreter can run
// this file too. The int8 dot products use three x86-specific intrinsics (psignb, pmaddubsw,
// pmaddwd), worth up to 1.3x over generic widening (docs/kernels.md keeps the list).
//
// Agreement with the scalar set (tests/llm/kernels_test.cpp): sums are reassociated across SIMD
// lanes, so results differ by rounding only; quantize_q8 and rope are bit-exact.
#include <cmath>
#include <cstring>

#include "llm/kernels.h"
#include "llm/simd_avx2.h"

namespace bf::llm {

#if defined(__AVX2__) && defined(__FMA__)

namespace {

using namespace avx2;

inline float hmax(f32x8 v) {
  const f32x4 lo = __builtin_shufflevector(v, v, 0, 1, 2, 3);
  const f32x4 hi = __builtin_shufflevector(v, v, 4, 5, 6, 7);
  f32x4 m4 = __builtin_elementwise_max(lo, hi);
  f32x4 m4_swapped = __builtin_shufflevector(m4, m4, 2, 3, 0, 1);
  f32x4 m2 = __builtin_elementwise_max(m4, m4_swapped);
  return m2[0] > m2[1] ? m2[0] : m2[1];
}

// e^x for 8 lanes: Cody-Waite range reduction to r in [-ln2/2, ln2/2] and a degree-6 polynomial
// (Cephes expf coefficients), within 2 ulp of expf over the clamped range. Inputs are clamped
// to [-87.3, 88.37] so 2^n stays a normal float: e^x underflows to ~1e-38 rather than 0.
inline f32x8 exp8(f32x8 x) {
  x = __builtin_elementwise_min(x, splat8(88.3762626647949f));
  x = __builtin_elementwise_max(x, splat8(-87.3365447504019f));
  const f32x8 n = __builtin_elementwise_floor(fma8(x, splat8(1.44269504088896341f), splat8(0.5f)));
  f32x8 r = fma8(n, splat8(-0.693359375f), x);
  r = fma8(n, splat8(2.12194440e-4f), r);
  f32x8 p = splat8(1.9875691500e-4f);
  p = fma8(p, r, splat8(1.3981999507e-3f));
  p = fma8(p, r, splat8(8.3334519073e-3f));
  p = fma8(p, r, splat8(4.1665795894e-2f));
  p = fma8(p, r, splat8(1.6666665459e-1f));
  p = fma8(p, r, splat8(5.0000001201e-1f));
  p = fma8(p, r * r, r) + splat8(1.0f);
  const i32x8 bits = (__builtin_convertvector(n, i32x8) + 127) << 23;
  f32x8 scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// kStream: `a` is a weight row read once, prefetched a cache line per step.
template <bool kStream>
inline float dot_of(const float* a, const float* b, int n) {
  f32x8 acc0 = 0, acc1 = 0;
  int j = 0;
  for (; j + 16 <= n; j += 16) {
    if constexpr (kStream) prefetch_ahead(a + j);
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

float dot(const float* a, const float* b, int n) { return dot_of<false>(a, b, n); }

// Memory-bound for model shapes. One row at a time: a single sequential stream is what the
// hardware prefetcher follows best (measured: interleaving 4 rows to share loads of x reads at
// ~12 GB/s where one row at a time reaches ~27 GB/s, the machine's read bandwidth).
void matmul_f32(float* out, const float* x, const float* w, int n, int d) {
  for (int i = 0; i < d; i++) out[i] = dot_of<true>(w + static_cast<size_t>(i) * n, x, n);
}

// ---- llama2.c version 2 and GGUF Q8_0 (dot32 in simd_avx2.h).

// One row at a time (see matmul_f32). Two groups are in flight so that the int -> float -> fma
// tail of one group overlaps the integer work of the other; a group's int32 sum stays spread
// over 8 lanes until the end of the row. kGs > 0 fixes the group size at compile time (the
// inner loop then unrolls away); kGs == 0 reads it from gs.
template <int kGs>
inline float dot_q8_row(const int8_t* xq, const float* xs, const int8_t* w, const float* ws, int n,
                        int gs_arg) {
  const int gs = kGs > 0 ? kGs : gs_arg;
  const int groups = n / gs;
  f32x8 acc0 = 0, acc1 = 0;
  int g = 0;
  for (; g + 2 <= groups; g += 2) {
    const int8_t* x0 = xq + g * gs;
    const int8_t* w0 = w + g * gs;
    i32x8 i0 = 0, i1 = 0;
    for (int off = 0; off < 2 * gs; off += 64) prefetch_ahead(w0, off);
    for (int k = 0; k < gs; k += 32) {
      i0 += dot32(load32(x0 + k), w0 + k);
      i1 += dot32(load32(x0 + gs + k), w0 + gs + k);
    }
    acc0 = fma8(__builtin_convertvector(i0, f32x8), splat8(ws[g] * xs[g]), acc0);
    acc1 = fma8(__builtin_convertvector(i1, f32x8), splat8(ws[g + 1] * xs[g + 1]), acc1);
  }
  if (g < groups) {
    i32x8 i0 = 0;
    for (int k = 0; k < gs; k += 32) i0 += dot32(load32(xq + g * gs + k), w + g * gs + k);
    acc0 = fma8(__builtin_convertvector(i0, f32x8), splat8(ws[g] * xs[g]), acc0);
  }
  return hsum(acc0 + acc1);
}

template <int kGs>
void matmul_q8_rows(float* out, const int8_t* xq, const float* xs, const int8_t* wq,
                    const float* ws, int n, int d, int gs) {
  const int groups = n / gs;
  for (int i = 0; i < d; i++)
    out[i] = dot_q8_row<kGs>(xq, xs, wq + static_cast<size_t>(i) * n,
                             ws + static_cast<size_t>(i) * groups, n, gs);
}

void matmul_q8(float* out, const int8_t* xq, const float* xs, const int8_t* wq, const float* ws,
               int n, int d, int gs) {
  switch (gs) {  // the group sizes llama2.c's export picks (64, halved until it divides dim)
    case 32:
      return matmul_q8_rows<32>(out, xq, xs, wq, ws, n, d, gs);
    case 64:
      return matmul_q8_rows<64>(out, xq, xs, wq, ws, n, d, gs);
    case 128:
      return matmul_q8_rows<128>(out, xq, xs, wq, ws, n, d, gs);
  }
  if (gs % 32 == 0) return matmul_q8_rows<0>(out, xq, xs, wq, ws, n, d, gs);
  scalar_kernels().matmul_q8(out, xq, xs, wq, ws, n, d, gs);  // small groups: tiny models
}

void matmul_q8_0(float* out, const Q8Input& x, const void* w, int n, int d) {
  const int nb = n / kBlockValues;
  const int8_t* xq = x.q;
  const float* xs = x.s;
  for (int i = 0; i < d; i++) {
    const BlockQ8_0* row = static_cast<const BlockQ8_0*>(w) + static_cast<size_t>(i) * nb;
    f32x8 acc0 = 0, acc1 = 0;
    int b = 0;
    for (; b + 2 <= nb; b += 2) {
      prefetch_ahead(row + b);
      const i32x8 i0 = dot32(load32(xq + b * 32), row[b].qs);
      const i32x8 i1 = dot32(load32(xq + b * 32 + 32), row[b + 1].qs);
      acc0 = fma8(to_f32(i0), splat8(half_to_float(row[b].d) * xs[b]), acc0);
      acc1 = fma8(to_f32(i1), splat8(half_to_float(row[b + 1].d) * xs[b + 1]), acc1);
    }
    if (b < nb) {
      const i32x8 i0 = dot32(load32(xq + b * 32), row[b].qs);
      acc0 = fma8(to_f32(i0), splat8(half_to_float(row[b].d) * xs[b]), acc0);
    }
    out[i] = hsum(acc0 + acc1);
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
    f32x8 m = 0;
    for (int i = 0; i < gs; i += 8)
      m = __builtin_elementwise_max(m, __builtin_elementwise_abs(load8(xg + i)));
    const float scale = hmax(m) / 127.0f;
    s[g] = scale;
    int8_t* qg = q + g * gs;
    if (scale == 0.0f) {
      std::memset(qg, 0, gs);
      continue;
    }
    const f32x8 sv = splat8(scale);
    for (int i = 0; i < gs; i += 8) {
      const i32x8 qi =
          __builtin_convertvector(__builtin_elementwise_round(load8(xg + i) / sv), i32x8);
      const i8x8 qb = __builtin_convertvector(qi, i8x8);
      std::memcpy(qg + i, &qb, sizeof qb);
    }
  }
}

void rmsnorm(float* out, const float* x, const float* weight, int n, float eps) {
  f32x8 acc = 0;
  int j = 0;
  for (; j + 8 <= n; j += 8) {
    const f32x8 v = load8(x + j);
    acc = fma8(v, v, acc);
  }
  float ss = hsum(acc);
  for (int k = j; k < n; k++) ss += x[k] * x[k];
  ss /= static_cast<float>(n);
  ss += eps;
  ss = 1.0f / std::sqrt(ss);
  const f32x8 sv = splat8(ss);
  for (j = 0; j + 8 <= n; j += 8) store8(out + j, load8(weight + j) * (sv * load8(x + j)));
  for (; j < n; j++) out[j] = weight[j] * (ss * x[j]);
}

void softmax(float* x, int n) {
  f32x8 m = splat8(x[0]);
  int i = 0;
  for (; i + 8 <= n; i += 8) m = __builtin_elementwise_max(m, load8(x + i));
  float max_val = hmax(m);
  for (; i < n; i++)
    if (x[i] > max_val) max_val = x[i];
  const f32x8 mv = splat8(max_val);
  f32x8 sum = 0;
  for (i = 0; i + 8 <= n; i += 8) {
    const f32x8 e = exp8(load8(x + i) - mv);
    store8(x + i, e);
    sum += e;
  }
  float total = hsum(sum);
  for (; i < n; i++) {
    x[i] = std::exp(x[i] - max_val);
    total += x[i];
  }
  const f32x8 tv = splat8(total);
  for (i = 0; i + 8 <= n; i += 8) store8(x + i, load8(x + i) / tv);
  for (; i < n; i++) x[i] /= total;
}

void swiglu(float* hb, const float* hb2, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const f32x8 v = load8(hb + i);
    store8(hb + i, v / (splat8(1.0f) + exp8(-v)) * load8(hb2 + i));
  }
  for (; i < n; i++) {
    float val = hb[i];
    val *= 1.0f / (1.0f + std::exp(-val));
    hb[i] = val * hb2[i];
  }
}

// The rotation itself is a few multiplies a pair once the angles are known (rope_angles): the
// scalar loop, which is also bit-exact by definition.
void rope(float* x, int n, int head_size, const float* cos_sin) {
  scalar_kernels().rope(x, n, head_size, cos_sin);
}

void axpy(float* y, float a, const float* x, int n) {
  const f32x8 av = splat8(a);
  int i = 0;
  for (; i + 8 <= n; i += 8) store8(y + i, fma8(av, load8(x + i), load8(y + i)));
  for (; i < n; i++) y[i] += a * x[i];
}

}  // namespace

const Kernels* avx2_kernels() {
  static const Kernels k = {
      "avx2",      matmul_f32,  matmul_q8,        avx2::matmul_f16, avx2::matmul_bf16,
      matmul_q8_0, avx2::matmul_q4_0, avx2::matmul_q4_1, avx2::matmul_q5_0, avx2::matmul_q5_1,
      avx2::matmul_q4_k, avx2::matmul_q5_k, avx2::matmul_q6_k, quantize_q8, rmsnorm,
      softmax,     swiglu,      rope,             dot,              axpy,
  };
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? &k : nullptr;
}

#else  // built without -mavx2 -mfma

const Kernels* avx2_kernels() { return nullptr; }

#endif

}  // namespace bf::llm
