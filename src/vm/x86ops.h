// x86 SIMD intrinsics that clang leaves in the IR (llvm.x86.*), run in tier 0 by the host's own
// instruction: the kernels of x86ops_sse.cpp (built for SSE4.2) and x86ops_avx.cpp (AVX2, FMA,
// F16C), by target attributes. A program built with these intrinsics needs that CPU natively too; the translator
// (translate_x86.cpp) refuses them by name on a host without it.
//
// A kernel reads the intrinsic's non-immediate operands from slots a, b, c and f, in order,
// and writes slot d (integers zero-extended to 8 bytes); e holds the immediate (the last
// operand when it is an immarg). Kernels that need the immediate at compile time come as a
// table indexed by it.
#pragma once

#include <cstdint>
#include <cstring>

#include "vm/code.h"

namespace bf::vm {

struct X86Kernel {
  const char* name;     // the intrinsic's name after "llvm.x86."
  ExtFn fn;             // null when the kernel is chosen by the immediate
  const ExtFn* by_imm;  // imm_count kernels; the immediate is taken modulo imm_count
  uint16_t imm_count;
};

extern const X86Kernel kX86SseKernels[];  // needs SSE4.2 and POPCNT
extern const unsigned kX86SseKernelCount;
extern const X86Kernel kX86AvxKernels[];  // needs AVX2, FMA and F16C
extern const unsigned kX86AvxKernelCount;

}  // namespace bf::vm

// Helpers for the kernel files only, which include <immintrin.h>, <array>, <type_traits> and
// <utility> first. Internal linkage on purpose: each file is built for its own instruction set,
// and an inline function shared between them could run the other's code.
#ifdef BF_X86_KERNELS

namespace bf::vm {
namespace {

using I128 = __m128i;
using F128 = __m128;
using D128 = __m128d;

template <class T>
T ld(const uint8_t* fp, uint32_t off) {
  T v;
  memcpy(&v, fp + off, sizeof v);
  return v;
}
template <class T>
void st(uint8_t* fp, uint32_t off, T v) {
  memcpy(fp + off, &v, sizeof v);
}
void st_int(uint8_t* fp, uint32_t off, uint64_t v) { memcpy(fp + off, &v, 8); }

// Kernel tables by immediate: K<I>::run for I in [0, N).
template <template <int> class K, size_t... I>
constexpr std::array<ExtFn, sizeof...(I)> imm_table(std::index_sequence<I...>) {
  return {&K<int(I)>::run...};
}

// Gathers (llvm.x86.avx2.gather.*): a = source, b = base, c = indices, f = mask, e = scale;
// a lane is loaded where its mask element's sign bit is set. Lanes past the index vector's are 0.
template <class E, class I, int RESULT_LANES, int INDEX_LANES>
void gather(uint8_t* fp, const Inst* in) {
  using M = std::conditional_t<sizeof(E) == 4, int32_t, int64_t>;  // the mask's elements
  E src[RESULT_LANES], r[RESULT_LANES] = {};
  M mask[RESULT_LANES];
  I idx[INDEX_LANES];
  memcpy(src, fp + in->a, sizeof src);
  memcpy(idx, fp + in->c, sizeof idx);
  memcpy(mask, fp + in->f, sizeof mask);
  const uint8_t* base = ld<const uint8_t*>(fp, in->b);
  constexpr int n = RESULT_LANES < INDEX_LANES ? RESULT_LANES : INDEX_LANES;
  for (int i = 0; i < n; i++)
    if (mask[i] < 0) memcpy(&r[i], base + int64_t(idx[i]) * int64_t(in->e), sizeof(E));
    else r[i] = src[i];
  memcpy(fp + in->d, r, sizeof r);
}

}  // namespace
}  // namespace bf::vm

// One kernel per intrinsic: K1 d = EXPR(a), K2 d = EXPR(a, b), K3 d = EXPR(a, b, c) with the
// operands' vector types; KI1/KI2 an integer result.
#define BF_K1(name, R, A, expr) \
  void name(uint8_t* fp, const Inst* in) { A a = ld<A>(fp, in->a); st<R>(fp, in->d, expr); }
#define BF_K2(name, R, A, B, expr)                                  \
  void name(uint8_t* fp, const Inst* in) {                          \
    A a = ld<A>(fp, in->a);                                         \
    B b = ld<B>(fp, in->b);                                         \
    st<R>(fp, in->d, expr);                                         \
  }
#define BF_K3(name, R, A, B, C, expr)                               \
  void name(uint8_t* fp, const Inst* in) {                          \
    A a = ld<A>(fp, in->a);                                         \
    B b = ld<B>(fp, in->b);                                         \
    C c = ld<C>(fp, in->c);                                         \
    st<R>(fp, in->d, expr);                                         \
  }
#define BF_KI1(name, A, expr) \
  void name(uint8_t* fp, const Inst* in) { A a = ld<A>(fp, in->a); st_int(fp, in->d, uint64_t(expr)); }
#define BF_KI2(name, A, B, expr)                                    \
  void name(uint8_t* fp, const Inst* in) {                          \
    A a = ld<A>(fp, in->a);                                         \
    B b = ld<B>(fp, in->b);                                         \
    st_int(fp, in->d, uint64_t(expr));                              \
  }
// A kernel that needs its immediate I at compile time: a struct template with run().
#define BF_KIMM(name, body)                                         \
  template <int I>                                                  \
  struct name {                                                     \
    static void run(uint8_t* fp, const Inst* in) { body; }          \
  };
#define BF_IMM_TABLE(name, n) \
  constexpr auto name##_table = imm_table<name>(std::make_index_sequence<n>())
#endif
