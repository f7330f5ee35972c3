// The GGUF weight types: each block layout read back from blocks built by hand (the layouts of
// docs/checkpoint-formats.md, value by value), the scalar matmuls against a dot product of the
// dequantized rows in double precision, and quantize -> dequantize round trips within the error
// each format allows.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "llm/kernels.h"
#include "llm/weight_types.h"

namespace bf::llm {
namespace {

constexpr uint16_t kOne = 0x3c00, kHalf = 0x3800;  // 1.0 and 0.5 as IEEE halves

std::vector<float> decoded(WeightType t, const void* blocks, int n) {
  std::vector<float> out(n);
  dequantize_row(t, blocks, out.data(), n);
  return out;
}

TEST(BlockLayouts, Q4_0LowNibblesFirst) {
  BlockQ4_0 b{};
  b.d = kHalf;
  b.qs[0] = 0xF0;  // value 0: 0, value 16: 15
  b.qs[3] = 0x29;  // value 3: 9, value 19: 2
  const auto v = decoded(WeightType::kQ4_0, &b, 32);
  EXPECT_EQ(v[0], -4.0f);
  EXPECT_EQ(v[16], 3.5f);
  EXPECT_EQ(v[3], 0.5f);
  EXPECT_EQ(v[19], -3.0f);
  EXPECT_EQ(v[1], -4.0f);
}

TEST(BlockLayouts, Q4_1AddsTheMinimum) {
  BlockQ4_1 b{};
  b.d = kHalf;
  b.m = 0xbc00;  // -1
  b.qs[5] = 0x3C;
  const auto v = decoded(WeightType::kQ4_1, &b, 32);
  EXPECT_EQ(v[5], 5.0f);    // 12 * 0.5 - 1
  EXPECT_EQ(v[21], 0.5f);   // 3 * 0.5 - 1
  EXPECT_EQ(v[0], -1.0f);
}

TEST(BlockLayouts, Q5_0FifthBitsAreLittleEndianBitJOfValueJ) {
  BlockQ5_0 b{};
  b.d = kHalf;
  b.qh[0] = 0x01;  // value 0
  b.qh[2] = 0x01;  // value 16
  b.qh[3] = 0x80;  // value 31
  b.qs[15] = 0x07; // value 15: 7, value 31: 0
  const auto v = decoded(WeightType::kQ5_0, &b, 32);
  EXPECT_EQ(v[0], 0.0f);    // (0 | 16) - 16
  EXPECT_EQ(v[16], 0.0f);
  EXPECT_EQ(v[31], 0.0f);
  EXPECT_EQ(v[15], -4.5f);  // (7 - 16) * 0.5
  EXPECT_EQ(v[1], -8.0f);
}

TEST(BlockLayouts, Q5_1) {
  BlockQ5_1 b{};
  b.d = kOne;
  b.m = kHalf;
  b.qh[1] = 0x02;  // value 9
  b.qs[9] = 0x31;  // value 9: 1, value 25: 3
  const auto v = decoded(WeightType::kQ5_1, &b, 32);
  EXPECT_EQ(v[9], 17.5f);
  EXPECT_EQ(v[25], 3.5f);
}

TEST(BlockLayouts, Q4_KSixBitScalesAndSubBlockOrder) {
  BlockQ4K b{};
  b.d = kOne;
  b.dmin = kOne;
  // Sub-block 5: scale 33 (0b10'0001), minimum 17 (0b01'0001): nibbles in byte 9, top bits in
  // bytes 1 and 5.
  b.scales[9] = 0x11;
  b.scales[1] = 0x80;
  b.scales[5] = 0x40;
  // Sub-block 2: scale 3, minimum 1 (bytes 2 and 6).
  b.scales[2] = 3;
  b.scales[6] = 1;
  std::memset(b.qs, 0x21, sizeof b.qs);  // low nibbles 1, high nibbles 2
  const auto v = decoded(WeightType::kQ4K, &b, 256);
  EXPECT_EQ(v[5 * 32 + 7], 49.0f);  // sub-block 5 = high nibbles of bytes 64..95: 33 * 2 - 17
  EXPECT_EQ(v[2 * 32 + 7], 2.0f);   // sub-block 2 = low nibbles of bytes 64..95: 3 * 1 - 1
  EXPECT_EQ(v[1 * 32], 0.0f);       // scale and minimum 0
  int sc, mn;
  unpack_k_scale(b.scales, 5, sc, mn);
  EXPECT_EQ(sc, 33);
  EXPECT_EQ(mn, 17);
  // pack_k_scales is the inverse.
  int scs[8], mns[8];
  for (int s = 0; s < 8; s++) unpack_k_scale(b.scales, s, scs[s], mns[s]);
  uint8_t packed[12];
  pack_k_scales(scs, mns, packed);
  EXPECT_EQ(std::memcmp(packed, b.scales, 12), 0);
}

TEST(BlockLayouts, Q5_KFifthBitOfSubBlockSIsBitS) {
  BlockQ5K b{};
  b.d = kOne;
  b.dmin = kOne;
  b.scales[9] = 0x11;
  b.scales[1] = 0x80;
  b.scales[5] = 0x40;
  std::memset(b.qs, 0x21, sizeof b.qs);
  b.qh[3] = 0x20;  // bit 5: value 3 of sub-block 5
  const auto v = decoded(WeightType::kQ5K, &b, 256);
  EXPECT_EQ(v[5 * 32 + 3], 577.0f);  // 33 * (2 + 16) - 17
  EXPECT_EQ(v[5 * 32 + 4], 49.0f);
}

TEST(BlockLayouts, Q6_KQuartersOfEachHalf) {
  BlockQ6K b{};
  b.d = kOne;
  b.scales[12] = -3;
  b.scales[0] = 2;
  // Value 194 = half 1, i = 2, third quarter: high nibble of ql[64 + 2], bits 4-5 of qh[32 + 2].
  b.ql[66] = 0x70;
  b.qh[34] = 0x20;
  // Value 33 = half 0, i = 1, second quarter: low nibble of ql[32 + 1], bits 2-3 of qh[1].
  b.ql[33] = 0x05;
  b.qh[1] = 0x0C;
  const auto v = decoded(WeightType::kQ6K, &b, 256);
  EXPECT_EQ(v[194], -21.0f);  // ((7 | 2 << 4) - 32) * -3
  EXPECT_EQ(v[195], 96.0f);   // (0 - 32) * -3
  EXPECT_EQ(v[33], 0.0f);     // scale of values 32..47 is scales[2] = 0
  EXPECT_EQ(v[1], -64.0f);    // (0 - 32) * 2
  b.scales[2] = 1;
  EXPECT_EQ(decoded(WeightType::kQ6K, &b, 256)[33], 21.0f);  // (5 | 3 << 4) - 32
}

TEST(BlockLayouts, BF16IsTheTopHalfOfAFloat) {
  EXPECT_EQ(bf16_to_fp32(0x3f80), 1.0f);
  EXPECT_EQ(fp32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(fp32_to_bf16(1.0f + 0x1p-8f), 0x3f80);      // tie: stays even
  EXPECT_EQ(fp32_to_bf16(1.0f + 0x1p-7f + 0x1p-8f), 0x3f82);  // tie: odd rounds up
  EXPECT_TRUE(std::isnan(bf16_to_fp32(fp32_to_bf16(NAN))));
}

// ---- round trips

std::vector<float> gaussian(int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

struct RoundTrip {
  std::vector<float> x, y;
  std::vector<uint8_t> blocks;
};

RoundTrip round_trip(WeightType t, std::vector<float> x) {
  RoundTrip r{std::move(x), {}, {}};
  const int n = int(r.x.size());
  r.blocks.resize(weight_bytes(t, uint64_t(n)));
  quantize_row(t, r.x.data(), r.blocks.data(), n);
  r.y = decoded(t, r.blocks.data(), n);
  return r;
}

double rms(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += double(x) * x;
  return std::sqrt(s / v.size());
}

double rms_error(const RoundTrip& r) {
  double s = 0;
  for (size_t i = 0; i < r.x.size(); i++) s += (double(r.x[i]) - r.y[i]) * (double(r.x[i]) - r.y[i]);
  return std::sqrt(s / r.x.size());
}

constexpr double kHalfUlp = 0x1p-11;  // relative rounding of a value stored as an IEEE half

// The 32-value formats round as ggml's reference: every value within half a step of the stored
// scale, but for the extreme of the other sign in Q4_0/Q5_0, which is clamped to a full step; plus
// what rounding the scale (and minimum) to a half moves the largest quant.
TEST(RoundTrip, ThirtyTwoValueFormatsWithinAStep) {
  const std::vector<float> x = gaussian(32 * 64, 1);
  for (WeightType t : {WeightType::kQ8_0, WeightType::kQ4_0, WeightType::kQ5_0, WeightType::kQ4_1,
                       WeightType::kQ5_1}) {
    const RoundTrip r = round_trip(t, x);
    for (int b = 0; b < 64; b++) {
      const float* xb = r.x.data() + 32 * b;
      float amax = 0, lo = xb[0], hi = xb[0];
      for (int j = 0; j < 32; j++) amax = std::fmax(amax, std::fabs(xb[j])), lo = std::fmin(lo, xb[j]), hi = std::fmax(hi, xb[j]);
      double bound;
      switch (t) {
        case WeightType::kQ8_0: bound = amax / 127.0 * 0.5 + amax * kHalfUlp; break;
        case WeightType::kQ4_0: bound = amax / 8.0 + amax * kHalfUlp; break;
        case WeightType::kQ5_0: bound = amax / 16.0 + amax * kHalfUlp; break;
        case WeightType::kQ4_1: bound = (hi - lo) / 15.0 * 0.5 + (std::fabs(lo) + hi - lo) * kHalfUlp; break;
        default: bound = (hi - lo) / 31.0 * 0.5 + (std::fabs(lo) + hi - lo) * kHalfUlp; break;
      }
      for (int j = 0; j < 32; j++)
        ASSERT_LE(std::fabs(r.y[32 * b + j] - xb[j]), bound * (1 + 1e-5))
            << weight_type_info(t).name << " block " << b << " value " << j;
    }
  }
}

// Round trips of normal data: the error of each format relative to the data (RMS), against the
// step a uniform quantizer of that many levels would have. A misread layout is off by the size of
// the values themselves.
TEST(RoundTrip, EveryFormatWithinItsResolution) {
  const std::vector<float> x = gaussian(256 * 48, 2);
  struct Limit {
    WeightType type;
    double rms;  // relative RMS error allowed
  };
  for (Limit l : {Limit{WeightType::kF32, 0.0}, Limit{WeightType::kF16, 3e-4},
                  Limit{WeightType::kBF16, 2.5e-3}, Limit{WeightType::kQ8_0, 0.006},
                  Limit{WeightType::kQ6K, 0.022}, Limit{WeightType::kQ5_0, 0.05},
                  Limit{WeightType::kQ5_1, 0.04}, Limit{WeightType::kQ5K, 0.04},
                  Limit{WeightType::kQ4_0, 0.11}, Limit{WeightType::kQ4_1, 0.09},
                  Limit{WeightType::kQ4K, 0.08}}) {
    const RoundTrip r = round_trip(l.type, x);
    const double rel = rms_error(r) / rms(r.x);
    EXPECT_LE(rel, l.rms) << weight_type_info(l.type).name;
    std::printf("%-5s relative RMS error %.5f\n", weight_type_info(l.type).name, rel);
  }
}

// The K-quants fit each sub-block's scale and minimum (which may leave an outlier outside the
// range), then round every value again against the scales as stored: each value decodes to the
// nearest value its sub-block can represent.
TEST(RoundTrip, KQuantsDecodeToTheNearestRepresentableValue) {
  std::vector<float> x = gaussian(256 * 16, 3);
  for (int i = 0; i < 256; i++) x[256 + i] = 0.5f + 0.01f * (i % 7);  // a super-block of positives
  for (int i = 0; i < 32; i++) x[512 + i] = 0.0f;                     // an all-zero sub-block
  for (WeightType t : {WeightType::kQ4K, WeightType::kQ5K, WeightType::kQ6K}) {
    const RoundTrip r = round_trip(t, x);
    for (int sb = 0; sb < 16; sb++) {
      const uint8_t* blk = r.blocks.data() + sb * weight_type_info(t).block_bytes;
      for (int j = 0; j < 256; j++) {
        // The grid step * q - offset, q in [lo, hi].
        double step, offset = 0;
        int lo = 0, hi = t == WeightType::kQ4K ? 15 : 31;
        if (t == WeightType::kQ6K) {
          auto& b = *reinterpret_cast<const BlockQ6K*>(blk);
          step = double(fp16_to_fp32(b.d)) * b.scales[j / 16];
          lo = -32;
        } else {
          int sc, mn;
          unpack_k_scale(blk + 4, j / 32, sc, mn);
          const uint16_t* h = reinterpret_cast<const uint16_t*>(blk);
          step = double(fp16_to_fp32(h[0])) * sc;
          offset = double(fp16_to_fp32(h[1])) * mn;
        }
        const double xi = r.x[256 * sb + j];
        double nearest = INFINITY;
        for (int q = lo; q <= hi; q++) nearest = std::fmin(nearest, std::fabs(step * q - offset - xi));
        ASSERT_LE(std::fabs(r.y[256 * sb + j] - xi), nearest + 1e-6 * (std::fabs(xi) + std::fabs(offset)))
            << weight_type_info(t).name << " super-block " << sb << " value " << j;
      }
    }
    for (int i = 0; i < 32; i++) EXPECT_EQ(r.y[512 + i], 0.0f) << weight_type_info(t).name;
  }
}

// ---- the scalar matmuls compute the dot product of the dequantized rows

TEST(ScalarBlockMatmul, IsTheDotProductOfTheDequantizedRows) {
  const int n = 512, d = 3;
  std::vector<float> xf = gaussian(n, 4);
  std::vector<int8_t> xq(n);
  std::vector<float> xs(n / 32);
  std::vector<int32_t> sums(n / 32);
  scalar_kernels().quantize_q8(xq.data(), xs.data(), xf.data(), n, 32);
  q8_block_sums(sums.data(), xq.data(), n);
  const Q8Input in{xq.data(), xs.data(), sums.data()};
  for (WeightType t : {WeightType::kQ8_0, WeightType::kQ4_0, WeightType::kQ4_1, WeightType::kQ5_0,
                       WeightType::kQ5_1, WeightType::kQ4K, WeightType::kQ5K, WeightType::kQ6K}) {
    const std::vector<float> wf = gaussian(n * d, 5);
    std::vector<uint8_t> w(weight_bytes(t, uint64_t(n) * d));
    quantize_row(t, wf.data(), w.data(), n * d);
    std::vector<float> out(d);
    block_matmul(scalar_kernels(), t)(out.data(), in, w.data(), n, d);
    for (int i = 0; i < d; i++) {
      const auto row = decoded(t, w.data() + weight_bytes(t, uint64_t(i) * n), n);
      double want = 0, terms = 0;
      for (int j = 0; j < n; j++) {
        want += double(row[j]) * xq[j] * xs[j / 32];
        terms += std::fabs(double(row[j]) * xq[j] * xs[j / 32]);
      }
      EXPECT_NEAR(out[i], want, 1e-5 * terms) << weight_type_info(t).name << " row " << i;
    }
  }
}

}  // namespace
}  // namespace bf::llm
