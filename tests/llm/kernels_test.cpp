// Kernel tests. The scalar set is checked against values worked out independently (in double
// precision or by hand); every other set is then checked against the scalar set on random data
// of odd sizes, within tolerances stated beside each check.
#include "llm/kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace bf::llm {
namespace {

std::vector<float> random_floats(int n, std::mt19937& rng, float scale = 1.0f) {
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// ---- scalar reference against independent computations ----

TEST(ScalarKernels, MatmulSmallIntegers) {
  // W(2,3) = [[1 2 3] [4 5 6]], x = [1 -1 2]: exact in fp32.
  const float w[] = {1, 2, 3, 4, 5, 6};
  const float x[] = {1, -1, 2};
  float out[2];
  scalar_kernels().matmul_f32(out, x, w, 3, 2);
  EXPECT_EQ(out[0], 5.0f);
  EXPECT_EQ(out[1], 11.0f);
}

TEST(ScalarKernels, QuantizeQ8FollowsRunq) {
  // Group max 2.54 -> scale 0.02; 1.0 / 0.02 = 50; -0.03 / 0.02 = -1.5 rounds away from 0.
  const float x[] = {2.54f, 1.0f, -0.03f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  int8_t q[8];
  float s[2];
  scalar_kernels().quantize_q8(q, s, x, 8, 4);
  EXPECT_FLOAT_EQ(s[0], 2.54f / 127.0f);
  EXPECT_EQ(q[0], 127);
  EXPECT_EQ(q[1], static_cast<int8_t>(std::roundf(1.0f / (2.54f / 127.0f))));
  EXPECT_EQ(q[2], static_cast<int8_t>(std::roundf(-0.03f / (2.54f / 127.0f))));
  EXPECT_EQ(q[3], 0);
  // An all-zero group: scale 0 and zeros, not NaN garbage.
  EXPECT_EQ(s[1], 0.0f);
  for (int i = 4; i < 8; i++) EXPECT_EQ(q[i], 0);
}

TEST(ScalarKernels, MatmulQ8IsGroupwiseIntegerDot) {
  std::mt19937 rng(1);
  const int n = 12, d = 3, gs = 4;
  std::vector<int8_t> wq(n * d), xq(n);
  std::vector<float> ws(n * d / gs), xs(n / gs);
  std::uniform_int_distribution<int> q(-127, 127);
  std::uniform_real_distribution<float> sc(0.001f, 0.1f);
  for (auto& v : wq) v = static_cast<int8_t>(q(rng));
  for (auto& v : xq) v = static_cast<int8_t>(q(rng));
  for (auto& v : ws) v = sc(rng);
  for (auto& v : xs) v = sc(rng);
  float out[d];
  scalar_kernels().matmul_q8(out, xq.data(), xs.data(), wq.data(), ws.data(), n, d, gs);
  for (int i = 0; i < d; i++) {
    double want = 0;
    for (int j = 0; j < n; j++)
      want += static_cast<double>(wq[i * n + j]) * xq[j] * ws[(i * n + j) / gs] * xs[j / gs];
    EXPECT_NEAR(out[i], want, 1e-5 * (1 + std::fabs(want))) << "row " << i;
  }
}

TEST(ScalarKernels, RmsnormSoftmaxSwigluMatchDouble) {
  std::mt19937 rng(2);
  const int n = 67;
  auto x = random_floats(n, rng), w = random_floats(n, rng), g = random_floats(n, rng);
  std::vector<float> out(n);
  scalar_kernels().rmsnorm(out.data(), x.data(), w.data(), n, 1e-5f);
  double ss = 0;
  for (float v : x) ss += static_cast<double>(v) * v;
  const double inv = 1.0 / std::sqrt(ss / n + 1e-5);
  for (int i = 0; i < n; i++) EXPECT_NEAR(out[i], w[i] * x[i] * inv, 1e-5);

  std::vector<float> sm = x;
  scalar_kernels().softmax(sm.data(), n);
  double z = 0;
  for (float v : x) z += std::exp(static_cast<double>(v));
  for (int i = 0; i < n; i++) EXPECT_NEAR(sm[i], std::exp(static_cast<double>(x[i])) / z, 1e-6);

  std::vector<float> h = x;
  scalar_kernels().swiglu(h.data(), g.data(), n);
  for (int i = 0; i < n; i++) {
    const double v = x[i];
    EXPECT_NEAR(h[i], v / (1 + std::exp(-v)) * g[i], 1e-5);
  }
}

TEST(ScalarKernels, RopeRotatesPairs) {
  // Pair i of a head turns by pos * theta^(-i/head_size); position 0 is the identity.
  const int head_size = 8, n = 16, pos = 3;
  const float theta = 10000.0f;
  std::mt19937 rng(3);
  auto x = random_floats(n, rng);
  auto y = x;
  scalar_kernels().rope(y.data(), n, head_size, pos, theta);
  for (int i = 0; i < n; i += 2) {
    const double a = pos * std::pow(static_cast<double>(theta), -(i % head_size) / double(head_size));
    EXPECT_NEAR(y[i], x[i] * std::cos(a) - x[i + 1] * std::sin(a), 1e-5) << i;
    EXPECT_NEAR(y[i + 1], x[i] * std::sin(a) + x[i + 1] * std::cos(a), 1e-5) << i;
  }
  auto z = x;
  scalar_kernels().rope(z.data(), n, head_size, 0, theta);
  EXPECT_EQ(z, x);
}

TEST(ScalarKernels, DotAndAxpy) {
  const float a[] = {1, 2, 3}, b[] = {4, -5, 6};
  EXPECT_EQ(scalar_kernels().dot(a, b, 3), 12.0f);
  float y[] = {1, 1, 1};
  scalar_kernels().axpy(y, 2.0f, a, 3);
  EXPECT_EQ(y[0], 3.0f);
  EXPECT_EQ(y[2], 7.0f);
}

// ---- fp16 ----

TEST(Fp16, KnownValues) {
  EXPECT_EQ(fp16_to_fp32(0x3c00), 1.0f);
  EXPECT_EQ(fp16_to_fp32(0xc000), -2.0f);
  EXPECT_EQ(fp16_to_fp32(0x7bff), 65504.0f);
  EXPECT_EQ(fp16_to_fp32(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(fp16_to_fp32(0x0400), std::ldexp(1.0f, -14));  // smallest normal
  EXPECT_TRUE(std::isinf(fp16_to_fp32(0x7c00)));
  EXPECT_TRUE(std::isnan(fp16_to_fp32(0x7e00)));
  EXPECT_TRUE(std::signbit(fp16_to_fp32(0x8000)));
  EXPECT_EQ(fp32_to_fp16(1.0f), 0x3c00);
  EXPECT_EQ(fp32_to_fp16(65504.0f), 0x7bff);
  EXPECT_EQ(fp32_to_fp16(65519.0f), 0x7bff);  // below the halfway point to 65536
  EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7c00);  // ties to even: overflows to inf
  EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie, even stays
  EXPECT_EQ(fp32_to_fp16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);  // tie, odd rounds up
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -25)), 0x0000);  // tie at the smallest subnormal
  EXPECT_EQ(fp32_to_fp16(std::ldexp(3.0f, -25)), 0x0002);
  EXPECT_EQ(fp32_to_fp16(-0.0f), 0x8000);
  EXPECT_EQ(fp32_to_fp16(INFINITY), 0x7c00);
  EXPECT_EQ(fp32_to_fp16(NAN) & 0x7c00, 0x7c00);
  EXPECT_NE(fp32_to_fp16(NAN) & 0x03ff, 0);
}

TEST(Fp16, EveryHalfRoundTrips) {
  for (uint32_t h = 0; h < 0x10000; h++) {
    if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0) continue;  // NaN payloads need not survive
    ASSERT_EQ(fp32_to_fp16(fp16_to_fp32(static_cast<uint16_t>(h))), h) << std::hex << h;
  }
}

}  // namespace
}  // namespace bf::llm
