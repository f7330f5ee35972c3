// A kernel set against the scalar one, as a program: compiled to bitcode and linked with the
// engine's (tests/llm/CMakeLists.txt), it checks the kernels as BareFlow's tiers run them, the
// x86 intrinsics that tier 0 implements included (the native tests, kernels_test.cpp, check
// the machine code clang made). The cases and tolerances are kernels_test.cpp's (kernel_cases.h).
// The digest of every result lets kernels_bitcode_test.py require the tiers' results to be the
// native build's bit for bit.
//
// usage: kernels_bitcode_check SET (avx2 | avx512). Exit 0: every case agrees; 1: some did not
// (each printed); 77: this CPU lacks the set (CTest's SKIP_RETURN_CODE).
#include <cstdio>
#include <cstring>

#include "kernel_cases.h"

namespace bf::llm {
namespace {

using namespace kernel_cases;

struct Tally {
  int cases = 0, failed = 0;
  uint64_t digest = 14695981039346656037ull;  // FNV-1a over every result's bits
  // Reports the first disagreements of a check, not thousands of them.
  void check(bool ok, const char* what, int n, int d, int row, float got, float want, float tol) {
    uint32_t bits;
    std::memcpy(&bits, &got, 4);
    digest = (digest ^ bits) * 1099511628211ull;
    cases++;
    if (ok) return;
    if (++failed <= 20)
      std::printf("FAIL %s n=%d d=%d row %d: %.9g, scalar %.9g, tolerance %.3g\n", what, n, d, row, got, want, tol);
  }
};

void check_f32(const Kernels& k, Tally& t) {
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
        const float tol = sum_tolerance(terms, n);
        t.check(std::fabs(got[i] - want[i]) <= tol, "matmul_f32", n, d, i, got[i], want[i], tol);
      }
      double terms = 0;
      for (int j = 0; j < n; j++) terms += std::fabs(w[j] * x[j]);
      const float got_dot = k.dot(w.data(), x.data(), n), want_dot = scalar_kernels().dot(w.data(), x.data(), n);
      t.check(std::fabs(got_dot - want_dot) <= sum_tolerance(terms, n), "dot", n, 1, 0, got_dot, want_dot,
              sum_tolerance(terms, n));
      auto y1 = x, y2 = x;  // axpy: one fused rounding instead of two, per element
      scalar_kernels().axpy(y1.data(), 0.37f, w.data(), n);
      k.axpy(y2.data(), 0.37f, w.data(), n);
      for (int j = 0; j < n; j++) {
        const float tol = 2 * kEps * (std::fabs(x[j]) + std::fabs(0.37f * w[j]));
        t.check(std::fabs(y2[j] - y1[j]) <= tol, "axpy", n, 1, j, y2[j], y1[j], tol);
      }
    }
  }
}

void check_halves(const Kernels& k, Tally& t) {
  std::mt19937 rng(19);
  for (WeightType type : {WeightType::kF16, WeightType::kBF16}) {
    const bool f16 = type == WeightType::kF16;
    for (int n : kSizes) {
      for (int d : kRows) {
        auto wf = random_floats(n * d, rng), x = random_floats(n, rng);
        std::vector<uint16_t> w(n * d);
        quantize_row(type, wf.data(), w.data(), n * d);
        std::vector<float> want(d), got(d), row(n);
        (f16 ? scalar_kernels().matmul_f16 : scalar_kernels().matmul_bf16)(want.data(), x.data(), w.data(), n, d);
        (f16 ? k.matmul_f16 : k.matmul_bf16)(got.data(), x.data(), w.data(), n, d);
        for (int i = 0; i < d; i++) {
          dequantize_row(type, w.data() + i * n, row.data(), n);
          double terms = 0;
          for (int j = 0; j < n; j++) terms += std::fabs(row[j] * x[j]);
          const float tol = half_matmul_tolerance(k, type, terms, n);
          t.check(std::fabs(got[i] - want[i]) <= tol, f16 ? "matmul_f16" : "matmul_bf16", n, d, i, got[i], want[i], tol);
        }
      }
    }
  }
}

void check_blocks(const Kernels& k, Tally& t) {
  std::mt19937 rng(14);
  for (WeightType type : kBlockTypes) {
    const int block = weight_type_info(type).block_values;
    for (int nb : {1, 2, 3, 7, 11}) {
      for (int d : kRows) {
        const int n = nb * block;
        const std::vector<uint8_t> w = random_blocks(type, n, d, rng);
        const BlockCase x = quantized_input(n, rng);
        std::vector<float> want(d), got(d);
        block_matmul(scalar_kernels(), type)(want.data(), x.input(), w.data(), n, d);
        block_matmul(k, type)(got.data(), x.input(), w.data(), n, d);
        for (int i = 0; i < d; i++) {
          const double terms = abs_terms(type, w.data() + weight_bytes(type, uint64_t(i) * n), x.xq, x.xs, n);
          const float tol = sum_tolerance(terms, n / 16 + 8);
          t.check(std::fabs(got[i] - want[i]) <= tol, weight_type_info(type).name, n, d, i, got[i], want[i], tol);
        }
      }
    }
  }
}

}  // namespace
}  // namespace bf::llm

int main(int argc, char** argv) {
  using namespace bf::llm;
  if (argc != 2 || (std::strcmp(argv[1], "avx2") != 0 && std::strcmp(argv[1], "avx512") != 0)) {
    std::fprintf(stderr, "usage: kernels_bitcode_check avx2|avx512\n");
    return 2;
  }
  const Kernels* k = std::strcmp(argv[1], "avx2") == 0 ? avx2_kernels() : avx512_kernels();
  if (k == nullptr) {
    std::printf("skipped: this CPU lacks the %s set\n", argv[1]);
    return 77;
  }
  Tally t;
  check_f32(*k, t);
  check_halves(*k, t);
  check_blocks(*k, t);
  std::printf("%s against scalar: %d cases, %d disagree; results digest %016llx\n", k->name, t.cases, t.failed,
              static_cast<unsigned long long>(t.digest));
  return t.failed == 0 ? 0 : 1;
}
