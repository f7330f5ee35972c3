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
  void check(const char* what, int n, int d, int row, float got, float want, float tol) {
    const bool ok = std::fabs(got - want) <= tol;
    uint32_t bits;
    std::memcpy(&bits, &got, 4);
    digest = (digest ^ bits) * 1099511628211ull;
    cases++;
    if (ok) return;
    if (++failed <= 20)
      std::printf("FAIL %s n=%d d=%d row %d: %.9g, scalar %.9g, tolerance %.3g\n", what, n, d, row, got, want, tol);
  }
};

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
  auto check = [&t](const char* what, int n, int d, int row, float got, float want, float tol) {
    t.check(what, n, d, row, got, want, tol);
  };
  matmul_f32_cases(*k, check);
  dot_axpy_cases(*k, check);
  half_matmul_cases(*k, check);
  block_matmul_cases(*k, check);
  std::printf("%s against scalar: %d cases, %d disagree; results digest %016llx\n", k->name, t.cases, t.failed,
              static_cast<unsigned long long>(t.digest));
  return t.failed == 0 ? 0 : 1;
}
