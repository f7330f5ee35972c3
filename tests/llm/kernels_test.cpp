// Kernel tests. The scalar set is checked against values worked out independently (in double
// precision or by hand); every other set is then checked against the scalar set on random data
// of odd sizes, within tolerances stated beside each check.
#include "llm/kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "llm/weight_types.h"
#include "kernel_cases.h"

namespace bf::llm {
namespace {

using namespace kernel_cases;

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
  std::vector<float> cs(2 * head_size);
  rope_angles(cs.data(), head_size, pos, theta);
  scalar_kernels().rope(y.data(), n, head_size, cs.data());
  for (int i = 0; i < n; i += 2) {
    const double a =
        pos * std::pow(static_cast<double>(theta), -(i % head_size) / double(head_size));
    EXPECT_NEAR(y[i], x[i] * std::cos(a) - x[i + 1] * std::sin(a), 1e-5) << i;
    EXPECT_NEAR(y[i + 1], x[i] * std::sin(a) + x[i + 1] * std::cos(a), 1e-5) << i;
  }
  auto z = x;
  rope_angles(cs.data(), head_size, 0, theta);
  scalar_kernels().rope(z.data(), n, head_size, cs.data());
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
  EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);      // tie, even stays
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

// ---- every kernel set against the scalar reference ----

std::vector<const Kernels*> simd_sets() {
  std::vector<const Kernels*> sets;
  if (const Kernels* k = avx2_kernels()) sets.push_back(k);
  if (const Kernels* k = avx512_kernels()) sets.push_back(k);
  return sets;
}

// The SimdKernels tests check every set this CPU runs; these say which ones were left out.
TEST(SimdKernels, Avx2SetPresent) {
  if (avx2_kernels() == nullptr) GTEST_SKIP() << "this CPU lacks AVX2 or FMA: the avx2 set is untested";
  EXPECT_STREQ(avx2_kernels()->name, "avx2");
}

TEST(SimdKernels, Avx512SetPresent) {
  if (avx512_kernels() == nullptr)
    GTEST_SKIP() << "this CPU lacks AVX-512 F/BW/VL/VNNI: the avx512 set is untested";
  EXPECT_STREQ(avx512_kernels()->name, "avx512");
}

// One case's agreement as a GoogleTest expectation; after a first failure the rest stay quiet.
auto expect_near(const Kernels& k) {
  return [&k](const char* what, int n, int d, int row, float got, float want, float tolerance) {
    if (::testing::Test::HasFailure()) return;
    EXPECT_NEAR(got, want, tolerance) << k.name << " " << what << " n=" << n << " d=" << d << " row " << row;
  };
}

TEST(SimdKernels, MatmulF32MatchesScalar) {
  for (const Kernels* k : simd_sets()) matmul_f32_cases(*k, expect_near(*k));
}

TEST(SimdKernels, DotAndAxpyMatchScalar) {
  for (const Kernels* k : simd_sets()) dot_axpy_cases(*k, expect_near(*k));
}

struct Q8Matrix {
  std::vector<int8_t> q;
  std::vector<float> s;
};

// Quantized with the reference quantizer, as the engine does it.
Q8Matrix quantize(const std::vector<float>& x, int gs) {
  Q8Matrix m{std::vector<int8_t>(x.size()), std::vector<float>(x.size() / gs)};
  scalar_kernels().quantize_q8(m.q.data(), m.s.data(), x.data(), static_cast<int>(x.size()), gs);
  return m;
}

TEST(SimdKernels, QuantizeQ8IsBitExact) {
  std::mt19937 rng(12);
  for (const Kernels* k : simd_sets()) {
    for (int gs : {4, 8, 16, 32, 64, 256}) {
      for (int groups : {1, 3, 7}) {
        const int n = gs * groups;
        auto x = random_floats(n, rng, 3.0f);
        for (int i = 0; i < gs; i++) x[i] = 0.0f;  // an all-zero group
        if (groups > 1) x[gs] = 1e30f;             // a group where all else rounds to 0
        std::vector<int8_t> q1(n), q2(n);
        std::vector<float> s1(groups), s2(groups);
        scalar_kernels().quantize_q8(q1.data(), s1.data(), x.data(), n, gs);
        k->quantize_q8(q2.data(), s2.data(), x.data(), n, gs);
        ASSERT_EQ(std::memcmp(s1.data(), s2.data(), groups * sizeof(float)), 0)
            << k->name << " gs=" << gs << " n=" << n;
        ASSERT_EQ(q1, q2) << k->name << " gs=" << gs << " n=" << n;
      }
    }
  }
}

TEST(SimdKernels, QuantizeQ8RoundsHalvesAwayFromZero) {
  // Group max 127 gives scale 1 exactly, so x / scale = x and the ties are real ties.
  std::vector<float> x = {127.0f, 0.5f, -0.5f, 1.5f, -2.5f, 2.5f, -126.5f, 3.49f};
  for (const Kernels* k : {&scalar_kernels(), avx2_kernels()}) {
    if (k == nullptr) continue;
    int8_t q[8];
    float s;
    k->quantize_q8(q, &s, x.data(), 8, 8);
    EXPECT_EQ(s, 1.0f) << k->name;
    const int8_t want[8] = {127, 1, -1, 2, -3, 3, -127, 3};
    for (int i = 0; i < 8; i++) EXPECT_EQ(q[i], want[i]) << k->name << " at " << i;
  }
}

TEST(SimdKernels, MatmulQ8MatchesScalar) {
  std::mt19937 rng(13);
  for (const Kernels* k : simd_sets()) {
    for (int gs : {4, 16, 32, 64, 128}) {
      for (int groups : {1, 3, 7}) {
        for (int d : kRows) {
          const int n = gs * groups;
          Q8Matrix w = quantize(random_floats(n * d, rng), gs);
          w.q[0] = w.q[n * d - 1] = -128;  // outside what quantize_q8 makes, valid in a file
          const Q8Matrix x = quantize(random_floats(n, rng), gs);
          std::vector<float> want(d), got(d);
          scalar_kernels().matmul_q8(want.data(), x.q.data(), x.s.data(), w.q.data(), w.s.data(), n,
                                     d, gs);
          k->matmul_q8(got.data(), x.q.data(), x.s.data(), w.q.data(), w.s.data(), n, d, gs);
          for (int i = 0; i < d; i++) {
            // Integer dots are exact; only the float sum over groups is reassociated.
            double abs_terms = 0;
            for (int j = 0; j < n; j++)
              abs_terms += std::fabs(static_cast<double>(w.q[i * n + j]) * x.q[j] *
                                     w.s[(i * n + j) / gs] * x.s[j / gs]);
            ASSERT_NEAR(got[i], want[i], sum_tolerance(abs_terms, groups + 8))
                << k->name << " gs=" << gs << " n=" << n << " d=" << d << " row " << i;
          }
        }
      }
    }
  }
}

TEST(SimdKernels, BlockFormatMatmulsMatchScalar) {
  for (const Kernels* k : simd_sets()) block_matmul_cases(*k, expect_near(*k));
}

TEST(SimdKernels, Avx512TakesTheBf16DotKernel) {
  if (avx512_kernels() == nullptr || avx512_bf16_matmul() == nullptr)
    GTEST_SKIP() << "this CPU lacks AVX-512 BF16: the vdpbf16ps matmul is untested";
  EXPECT_EQ(avx512_kernels()->matmul_bf16, avx512_bf16_matmul());
}

TEST(SimdKernels, HalfMatmulsMatchScalar) {
  for (const Kernels* k : simd_sets()) half_matmul_cases(*k, expect_near(*k));
}

TEST(SimdKernels, RmsnormMatchesScalar) {
  std::mt19937 rng(15);
  for (const Kernels* k : simd_sets()) {
    for (int n : kSizes) {
      auto x = random_floats(n, rng), w = random_floats(n, rng);
      std::vector<float> want(n), got(n);
      scalar_kernels().rmsnorm(want.data(), x.data(), w.data(), n, 1e-5f);
      k->rmsnorm(got.data(), x.data(), w.data(), n, 1e-5f);
      // The sum of squares is reassociated (all terms positive: relative error ~ eps sqrt(n));
      // the rest is the same arithmetic.
      for (int i = 0; i < n; i++)
        ASSERT_NEAR(got[i], want[i], 8 * kEps * std::sqrt(n + 1.0f) * std::fabs(want[i]) + 1e-30f)
            << k->name << " n=" << n << " at " << i;
    }
  }
}

TEST(SimdKernels, SoftmaxMatchesScalar) {
  std::mt19937 rng(16);
  for (const Kernels* k : simd_sets()) {
    for (float spread : {1.0f, 30.0f}) {  // 30: many lanes underflow to (almost) zero
      for (int n : kSizes) {
        auto x = random_floats(n, rng, spread);
        auto want = x, got = x;
        scalar_kernels().softmax(want.data(), n);
        k->softmax(got.data(), n);
        // The vector exp is within 2 ulp of expf (so 4 eps relative, with margin); the sum is
        // reassociated. Absolute 1e-37 covers lanes that underflow.
        for (int i = 0; i < n; i++)
          ASSERT_NEAR(got[i], want[i], (8 + 8 * std::sqrt(n + 1.0f)) * kEps * want[i] + 1e-37f)
              << k->name << " n=" << n << " spread=" << spread << " at " << i;
      }
    }
  }
}

TEST(SimdKernels, SwigluMatchesScalar) {
  std::mt19937 rng(17);
  for (const Kernels* k : simd_sets()) {
    for (float spread : {1.0f, 40.0f}) {  // 40: exp(-x) overflows and underflows
      for (int n : kSizes) {
        auto h = random_floats(n, rng, spread), g = random_floats(n, rng);
        auto want = h, got = h;
        scalar_kernels().swiglu(want.data(), g.data(), n);
        k->swiglu(got.data(), g.data(), n);
        // exp within 2 ulp, then a division and a product: 8 eps relative; absolute 1e-30
        // where silu(x) underflows for very negative x.
        for (int i = 0; i < n; i++)
          ASSERT_NEAR(got[i], want[i], 8 * kEps * std::fabs(want[i]) + 1e-30f)
              << k->name << " n=" << n << " x=" << h[i];
      }
    }
  }
}

TEST(SimdKernels, RopeIsBitExact) {
  std::mt19937 rng(18);
  for (const Kernels* k : simd_sets()) {
    for (int head_size : {2, 5, 6, 8, 48, 64, 128}) {  // odd: pairs straddle heads
      for (int heads : {1, 3, 12}) {
        for (int pos : {0, 1, 7, 255, 2047}) {
          const int n = head_size * heads;
          auto want = random_floats(n, rng);
          auto got = want;
          std::vector<float> cs(2 * head_size);
          rope_angles(cs.data(), head_size, pos, 10000.0f);
          scalar_kernels().rope(want.data(), n, head_size, cs.data());
          k->rope(got.data(), n, head_size, cs.data());
          ASSERT_EQ(std::memcmp(want.data(), got.data(), n * sizeof(float)), 0)
              << k->name << " head_size=" << head_size << " heads=" << heads << " pos=" << pos;
        }
      }
    }
  }
}

// BAREFLOW_KERNELS=scalar|avx2|avx512 chooses a set; a set the CPU lacks falls back to the next
// best (CTest runs this test with each value, and with none).
TEST(Dispatch, HonoursEnvironment) {
  const char* env = std::getenv("BAREFLOW_KERNELS");
  const std::string want = env ? env : "";
  const Kernels& k = kernels();
  const Kernels* best = avx512_kernels() ? avx512_kernels() : avx2_kernels() ? avx2_kernels() : &scalar_kernels();
  if (want == "scalar") {
    EXPECT_STREQ(k.name, "scalar");
  } else if (want == "avx2") {
    EXPECT_STREQ(k.name, avx2_kernels() ? "avx2" : "scalar");
  } else {
    EXPECT_STREQ(k.name, best->name);  // avx512, none, or an unknown name
  }
  EXPECT_EQ(&kernels(), &k);  // chosen once
}

}  // namespace
}  // namespace bf::llm
