// Random cases and tolerances for checking a kernel set against the scalar one, shared by
// the native tests (kernels_test.cpp) and the bitcode check that runs the sets under BareFlow's
// tiers (kernels_bitcode_check.cpp). Header-only, without GoogleTest.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "llm/kernels.h"
#include "llm/weight_types.h"

namespace bf::llm::kernel_cases {

inline std::vector<float> random_floats(int n, std::mt19937& rng, float scale = 1.0f) {
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

constexpr float kEps = 1.1920929e-7f;  // FLT_EPSILON

// Sums in another order than the reference differ by rounding: for a sum of n terms we allow
// 8 * eps * sqrt(n) * sum|terms| (the random-walk bound of rounding errors, with margin).
inline float sum_tolerance(double abs_terms, int n) {
  return static_cast<float>(8.0 * kEps * std::sqrt(static_cast<double>(n) + 1) * abs_terms) +
         1e-30f;
}

// A half-width matmul's tolerance beyond the sum's: the BF16 kernel on AVX-512 BF16 rounds x to
// bfloat16 (to nearest: 2^-8 of |x| at most), so up to 2^-8 of sum |w x| more.
inline float half_matmul_tolerance(const Kernels& k, WeightType t, double abs_terms, int n) {
  const bool rounds_x = t == WeightType::kBF16 && avx512_bf16_matmul() && k.matmul_bf16 == avx512_bf16_matmul();
  return sum_tolerance(abs_terms, n) + (rounds_x ? static_cast<float>(abs_terms * 0x1p-8) : 0.0f);
}

inline constexpr int kSizes[] = {1, 3, 7, 8, 15, 16, 17, 33, 65, 172, 1000};
inline constexpr int kRows[] = {1, 3, 4, 5, 67};

// ---- GGUF formats: random blocks (every bit pattern of the quants, scales of realistic size).

inline constexpr WeightType kBlockTypes[] = {WeightType::kQ8_0, WeightType::kQ4_0, WeightType::kQ4_1,
                                             WeightType::kQ5_0, WeightType::kQ5_1, WeightType::kQ4K,
                                             WeightType::kQ5K,  WeightType::kQ6K};

// d rows of n values of type t: random bytes, then the half-precision scales and minimums made
// finite and of the size a quantizer gives.
inline std::vector<uint8_t> random_blocks(WeightType t, int n, int d, std::mt19937& rng) {
  const WeightTypeInfo& info = weight_type_info(t);
  std::vector<uint8_t> bytes(weight_bytes(t, uint64_t(n) * d));
  std::uniform_int_distribution<int> byte(0, 255);
  for (uint8_t& b : bytes) b = uint8_t(byte(rng));
  std::uniform_real_distribution<float> scale(1e-4f, 2e-2f);
  auto half = [&](uint8_t* p) {
    const uint16_t h = fp32_to_fp16(scale(rng) * (byte(rng) < 128 ? -1.0f : 1.0f));
    std::memcpy(p, &h, 2);
  };
  for (size_t at = 0; at < bytes.size(); at += info.block_bytes) {
    uint8_t* blk = bytes.data() + at;
    if (t == WeightType::kQ6K) {
      half(blk + offsetof(BlockQ6K, d));
    } else {
      half(blk);  // d
      if (t == WeightType::kQ4_1 || t == WeightType::kQ5_1 || t == WeightType::kQ4K ||
          t == WeightType::kQ5K)
        half(blk + 2);  // m, dmin
    }
  }
  return bytes;
}

// Sum over a row of |every term the kernels round|: the scaled quants' products with x, and the
// minimums' products with x, each counted in full.
inline double abs_terms(WeightType t, const uint8_t* row, const std::vector<int8_t>& xq,
                 const std::vector<float>& xs, int n) {
  double total = 0;
  auto add = [&](int j, double w_scaled, double offset) {
    const double x = double(xq[j]) * xs[j / 32];
    total += std::fabs(w_scaled * x) + std::fabs(offset * x);
  };
  const int blocks = n / weight_type_info(t).block_values;
  for (int b = 0; b < blocks; b++) {
    const uint8_t* p = row + size_t(b) * weight_type_info(t).block_bytes;
    const int base = b * weight_type_info(t).block_values;
    int8_t sq[256];
    uint8_t uq[256];
    int sc[8], mn[8];
    switch (t) {
      case WeightType::kQ8_0: {
        auto& blk = *reinterpret_cast<const BlockQ8_0*>(p);
        for (int j = 0; j < 32; j++) add(base + j, fp16_to_fp32(blk.d) * blk.qs[j], 0);
        break;
      }
      case WeightType::kQ4_0:
      case WeightType::kQ5_0: {
        const uint16_t d16 = reinterpret_cast<const uint16_t*>(p)[0];
        if (t == WeightType::kQ4_0) unpack_q4_0(*reinterpret_cast<const BlockQ4_0*>(p), sq);
        else unpack_q5_0(*reinterpret_cast<const BlockQ5_0*>(p), sq);
        for (int j = 0; j < 32; j++) add(base + j, fp16_to_fp32(d16) * sq[j], 0);
        break;
      }
      case WeightType::kQ4_1:
      case WeightType::kQ5_1: {
        const uint16_t* h = reinterpret_cast<const uint16_t*>(p);
        if (t == WeightType::kQ4_1) unpack_q4_1(*reinterpret_cast<const BlockQ4_1*>(p), uq);
        else unpack_q5_1(*reinterpret_cast<const BlockQ5_1*>(p), uq);
        for (int j = 0; j < 32; j++) add(base + j, fp16_to_fp32(h[0]) * uq[j], fp16_to_fp32(h[1]));
        break;
      }
      case WeightType::kQ4K:
      case WeightType::kQ5K: {
        const uint16_t* h = reinterpret_cast<const uint16_t*>(p);
        if (t == WeightType::kQ4K) unpack_q4_k(*reinterpret_cast<const BlockQ4K*>(p), uq, sc, mn);
        else unpack_q5_k(*reinterpret_cast<const BlockQ5K*>(p), uq, sc, mn);
        for (int j = 0; j < 256; j++)
          add(base + j, fp16_to_fp32(h[0]) * sc[j / 32] * uq[j], fp16_to_fp32(h[1]) * mn[j / 32]);
        break;
      }
      default: {
        auto& blk = *reinterpret_cast<const BlockQ6K*>(p);
        unpack_q6_k(blk, sq);
        for (int j = 0; j < 256; j++) add(base + j, fp16_to_fp32(blk.d) * blk.scales[j / 16] * sq[j], 0);
      }
    }
  }
  return total;
}

struct BlockCase {
  std::vector<int8_t> xq;
  std::vector<float> xs;
  std::vector<int32_t> sums;
  Q8Input input() const { return {xq.data(), xs.data(), sums.data()}; }
};

inline BlockCase quantized_input(int n, std::mt19937& rng) {
  BlockCase c{std::vector<int8_t>(n), std::vector<float>(n / 32), std::vector<int32_t>(n / 32)};
  auto x = random_floats(n, rng);
  scalar_kernels().quantize_q8(c.xq.data(), c.xs.data(), x.data(), n, 32);
  c.xq[0] = 127;  // the extremes a quantized x holds
  if (n > 1) c.xq[n - 1] = -127;
  q8_block_sums(c.sums.data(), c.xq.data(), n);
  return c;
}

// ---- The matmul cases: each calls check(what, n, d, row, got, want, tolerance) for every row
// of every case, got from set k, want from the scalar set.

template <class Check>
void matmul_f32_cases(const Kernels& k, Check check) {
  std::mt19937 rng(10);
  for (int n : kSizes) {
    for (int d : kRows) {
      auto w = random_floats(n * d, rng), x = random_floats(n, rng);
      std::vector<float> want(d), got(d);
      scalar_kernels().matmul_f32(want.data(), x.data(), w.data(), n, d);
      k.matmul_f32(got.data(), x.data(), w.data(), n, d);
      for (int i = 0; i < d; i++) {
        double terms = 0;
        for (int j = 0; j < n; j++) terms += std::fabs(w[i * n + j] * x[j]);
        check("matmul_f32", n, d, i, got[i], want[i], sum_tolerance(terms, n));
      }
    }
  }
}

template <class Check>
void half_matmul_cases(const Kernels& k, Check check) {
  std::mt19937 rng(19);
  for (WeightType t : {WeightType::kF16, WeightType::kBF16}) {
    const bool f16 = t == WeightType::kF16;
    for (int n : kSizes) {
      for (int d : kRows) {
        auto wf = random_floats(n * d, rng), x = random_floats(n, rng);
        std::vector<uint16_t> w(n * d);
        quantize_row(t, wf.data(), w.data(), n * d);
        std::vector<float> want(d), got(d), row(n);
        (f16 ? scalar_kernels().matmul_f16 : scalar_kernels().matmul_bf16)(want.data(), x.data(), w.data(), n, d);
        (f16 ? k.matmul_f16 : k.matmul_bf16)(got.data(), x.data(), w.data(), n, d);
        for (int i = 0; i < d; i++) {
          dequantize_row(t, w.data() + i * n, row.data(), n);
          double terms = 0;
          for (int j = 0; j < n; j++) terms += std::fabs(row[j] * x[j]);
          check(weight_type_info(t).name, n, d, i, got[i], want[i], half_matmul_tolerance(k, t, terms, n));
        }
      }
    }
  }
}

template <class Check>
void dot_axpy_cases(const Kernels& k, Check check) {
  std::mt19937 rng(11);
  for (int n : kSizes) {
    auto a = random_floats(n, rng), b = random_floats(n, rng);
    double terms = 0;
    for (int j = 0; j < n; j++) terms += std::fabs(a[j] * b[j]);
    check("dot", n, 1, 0, k.dot(a.data(), b.data(), n), scalar_kernels().dot(a.data(), b.data(), n),
          sum_tolerance(terms, n));
    auto y1 = b, y2 = b;  // axpy: one fused rounding instead of two, per element
    scalar_kernels().axpy(y1.data(), 0.37f, a.data(), n);
    k.axpy(y2.data(), 0.37f, a.data(), n);
    for (int j = 0; j < n; j++)
      check("axpy", n, 1, j, y2[j], y1[j], 2 * kEps * (std::fabs(b[j]) + std::fabs(0.37f * a[j])));
  }
}

// Integer dots are exact; the float sums over blocks (and sub-blocks) are reassociated.
template <class Check>
void block_matmul_cases(const Kernels& k, Check check) {
  std::mt19937 rng(14);
  for (WeightType t : kBlockTypes) {
    const int block = weight_type_info(t).block_values;
    for (int nb : {1, 2, 3, 7, 11}) {
      for (int d : kRows) {
        const int n = nb * block;
        const std::vector<uint8_t> w = random_blocks(t, n, d, rng);
        const BlockCase x = quantized_input(n, rng);
        std::vector<float> want(d), got(d);
        block_matmul(scalar_kernels(), t)(want.data(), x.input(), w.data(), n, d);
        block_matmul(k, t)(got.data(), x.input(), w.data(), n, d);
        for (int i = 0; i < d; i++) {
          const double terms = abs_terms(t, w.data() + weight_bytes(t, uint64_t(i) * n), x.xq, x.xs, n);
          check(weight_type_info(t).name, n, d, i, got[i], want[i], sum_tolerance(terms, n / 16 + 8));
        }
      }
    }
  }
}

}  // namespace bf::llm::kernel_cases
