// Scalar integer intrinsics of any width up to 64 (c = width), integers wider than 64 bits,
// the math functions of MATH1_*/MATH2_*, and the choice of vector build.
#include <cmath>
#include <cstring>
#include <iterator>
#include <string>
#include <string_view>

#include <llvm/ADT/APInt.h>
#include <llvm/IR/InstrTypes.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/Instruction.h>

#include "vm/machine.h"
#include "vm/vecops.h"

namespace bf::vm {

ExtOps make_ext_ops_generic();
ExtOps make_ext_ops_avx2();

const ExtOps& ext_ops() {
  static const ExtOps ops = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
                                ? make_ext_ops_avx2()
                                : make_ext_ops_generic();
  return ops;
}

namespace {

typedef uint64_t __attribute__((may_alias)) u64a;
inline uint64_t& R(uint8_t* fp, uint32_t o) { return *reinterpret_cast<u64a*>(fp + o); }
inline uint64_t mask(uint64_t v, unsigned w) { return w >= 64 ? v : v & ((uint64_t(1) << w) - 1); }
inline int64_t sx(uint64_t v, unsigned w) { return w >= 64 ? int64_t(v) : int64_t(v << (64 - w)) >> (64 - w); }

void smin(uint8_t* fp, const Inst* in) {
  R(fp, in->d) = sx(R(fp, in->a), in->c) < sx(R(fp, in->b), in->c) ? R(fp, in->a) : R(fp, in->b);
}
void smax(uint8_t* fp, const Inst* in) {
  R(fp, in->d) = sx(R(fp, in->a), in->c) > sx(R(fp, in->b), in->c) ? R(fp, in->a) : R(fp, in->b);
}
void umin(uint8_t* fp, const Inst* in) {
  R(fp, in->d) = R(fp, in->a) < R(fp, in->b) ? R(fp, in->a) : R(fp, in->b);
}
void umax(uint8_t* fp, const Inst* in) {
  R(fp, in->d) = R(fp, in->a) > R(fp, in->b) ? R(fp, in->a) : R(fp, in->b);
}
void abs_(uint8_t* fp, const Inst* in) {
  int64_t v = sx(R(fp, in->a), in->c);
  R(fp, in->d) = mask(v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v), in->c);
}
void ctpop(uint8_t* fp, const Inst* in) { R(fp, in->d) = __builtin_popcountll(R(fp, in->a)); }
void ctlz(uint8_t* fp, const Inst* in) {
  uint64_t v = R(fp, in->a);
  R(fp, in->d) = v ? __builtin_clzll(v) - (64 - in->c) : in->c;
}
void cttz(uint8_t* fp, const Inst* in) {
  uint64_t v = R(fp, in->a);
  R(fp, in->d) = v ? __builtin_ctzll(v) : in->c;
}
void bswap(uint8_t* fp, const Inst* in) {
  R(fp, in->d) = __builtin_bswap64(R(fp, in->a)) >> (64 - in->c);
}
void bitreverse(uint8_t* fp, const Inst* in) {
  uint64_t v = R(fp, in->a), r = 0;
  for (unsigned i = 0; i < in->c; i++) r |= ((v >> i) & 1) << (in->c - 1 - i);
  R(fp, in->d) = r;
}
void fshl(uint8_t* fp, const Inst* in) {
  unsigned w = in->e;
  uint64_t a = R(fp, in->a), b = R(fp, in->b), s = R(fp, in->c) % w;
  R(fp, in->d) = s ? mask((a << s) | (b >> (w - s)), w) : a;
}
void fshr(uint8_t* fp, const Inst* in) {
  unsigned w = in->e;
  uint64_t a = R(fp, in->a), b = R(fp, in->b), s = R(fp, in->c) % w;
  R(fp, in->d) = s ? mask((a << (w - s)) | (b >> s), w) : b;
}

// with.overflow: writes {result, i1} in the struct layout (e = offset of the flag, f = bytes).
void put_ov(uint8_t* fp, const Inst* in, uint64_t v, bool ov) {
  memset(fp + in->d, 0, in->e + 1);
  memcpy(fp + in->d, &v, in->f);
  fp[in->d + in->e] = ov;
}
// i128 (what __builtin_*_overflow on __int128 gives): the same with 128-bit arithmetic.
using u128 = unsigned __int128;
using i128 = __int128;
u128 R128(uint8_t* fp, uint32_t o) {
  u128 v;
  memcpy(&v, fp + o, 16);
  return v;
}
void put_ov128(uint8_t* fp, const Inst* in, u128 v, bool ov) {
  memset(fp + in->d, 0, in->e + 1);
  memcpy(fp + in->d, &v, 16);
  fp[in->d + in->e] = ov;
}
template <typename T, bool (*Op)(T, T, T*)>
void ov128(uint8_t* fp, const Inst* in) {
  T r;
  bool ov = Op(T(R128(fp, in->a)), T(R128(fp, in->b)), &r);
  put_ov128(fp, in, u128(r), ov);
}
template <typename T> bool add128(T a, T b, T* r) { return __builtin_add_overflow(a, b, r); }
template <typename T> bool sub128(T a, T b, T* r) { return __builtin_sub_overflow(a, b, r); }
template <typename T> bool mul128(T a, T b, T* r) { return __builtin_mul_overflow(a, b, r); }

void sadd_ov(uint8_t* fp, const Inst* in) {
  unsigned w = in->c;
  if (w == 128) return ov128<i128, add128<i128>>(fp, in);
  int64_t a = sx(R(fp, in->a), w), b = sx(R(fp, in->b), w), r;
  bool ov = __builtin_add_overflow(a, b, &r) || sx(uint64_t(r), w) != r;
  put_ov(fp, in, mask(uint64_t(r), w), ov);
}
void ssub_ov(uint8_t* fp, const Inst* in) {
  unsigned w = in->c;
  if (w == 128) return ov128<i128, sub128<i128>>(fp, in);
  int64_t a = sx(R(fp, in->a), w), b = sx(R(fp, in->b), w), r;
  bool ov = __builtin_sub_overflow(a, b, &r) || sx(uint64_t(r), w) != r;
  put_ov(fp, in, mask(uint64_t(r), w), ov);
}
void smul_ov(uint8_t* fp, const Inst* in) {
  unsigned w = in->c;
  if (w == 128) return ov128<i128, mul128<i128>>(fp, in);
  int64_t a = sx(R(fp, in->a), w), b = sx(R(fp, in->b), w), r;
  bool ov = __builtin_mul_overflow(a, b, &r) || sx(uint64_t(r), w) != r;
  put_ov(fp, in, mask(uint64_t(r), w), ov);
}
void uadd_ov(uint8_t* fp, const Inst* in) {
  unsigned w = in->c;
  if (w == 128) return ov128<u128, add128<u128>>(fp, in);
  uint64_t a = R(fp, in->a), b = R(fp, in->b), r;
  bool ov = __builtin_add_overflow(a, b, &r) || mask(r, w) != r;
  put_ov(fp, in, mask(r, w), ov);
}
void usub_ov(uint8_t* fp, const Inst* in) {
  unsigned w = in->c;
  if (w == 128) return ov128<u128, sub128<u128>>(fp, in);
  uint64_t a = R(fp, in->a), b = R(fp, in->b);
  put_ov(fp, in, mask(a - b, w), a < b);
}
void umul_ov(uint8_t* fp, const Inst* in) {
  unsigned w = in->c;
  if (w == 128) return ov128<u128, mul128<u128>>(fp, in);
  uint64_t a = R(fp, in->a), b = R(fp, in->b), r;
  bool ov = __builtin_mul_overflow(a, b, &r) || mask(r, w) != r;
  put_ov(fp, in, mask(r, w), ov);
}
void sadd_sat(uint8_t* fp, const Inst* in) {
  unsigned w = in->c;
  int64_t a = sx(R(fp, in->a), w), b = sx(R(fp, in->b), w), r;
  int64_t hi = w >= 64 ? INT64_MAX : (int64_t(1) << (w - 1)) - 1, lo = -hi - 1;
  if (__builtin_add_overflow(a, b, &r)) r = a < 0 ? lo : hi;
  r = r < lo ? lo : r > hi ? hi : r;
  R(fp, in->d) = mask(uint64_t(r), w);
}
void ssub_sat(uint8_t* fp, const Inst* in) {
  unsigned w = in->c;
  int64_t a = sx(R(fp, in->a), w), b = sx(R(fp, in->b), w), r;
  int64_t hi = w >= 64 ? INT64_MAX : (int64_t(1) << (w - 1)) - 1, lo = -hi - 1;
  if (__builtin_sub_overflow(a, b, &r)) r = a < 0 ? lo : hi;
  r = r < lo ? lo : r > hi ? hi : r;
  R(fp, in->d) = mask(uint64_t(r), w);
}
void uadd_sat(uint8_t* fp, const Inst* in) {
  unsigned w = in->c;
  uint64_t a = R(fp, in->a), b = R(fp, in->b), r;
  uint64_t max = mask(~uint64_t(0), w);
  if (__builtin_add_overflow(a, b, &r) || r > max) r = max;
  R(fp, in->d) = r;
}
void usub_sat(uint8_t* fp, const Inst* in) {
  uint64_t a = R(fp, in->a), b = R(fp, in->b);
  R(fp, in->d) = a < b ? 0 : a - b;
}

void load_relative(uint8_t* fp, const Inst* in) {
  uint64_t base = R(fp, in->a);
  int32_t rel;
  memcpy(&rel, reinterpret_cast<const void*>(base + R(fp, in->b)), 4);
  R(fp, in->d) = base + int64_t(rel);
}

// llvm.is.fpclass by the bits (a float widened to double would turn its subnormals normal).
void is_fpclass(uint8_t* fp, const Inst* in) {
  uint64_t bits = 0;
  unsigned mant_bits = in->e ? 23 : 52, exp_bits = in->e ? 8 : 11;
  memcpy(&bits, fp + in->a, in->e ? 4 : 8);
  uint64_t mant = bits & ((uint64_t(1) << mant_bits) - 1);
  uint64_t exp = (bits >> mant_bits) & ((uint64_t(1) << exp_bits) - 1);
  bool neg = (bits >> (mant_bits + exp_bits)) & 1;
  unsigned bit;
  if (exp == (uint64_t(1) << exp_bits) - 1)
    bit = mant == 0 ? (neg ? 2 : 9) : (mant >> (mant_bits - 1)) & 1 ? 1 : 0;  // inf, qnan, snan
  else if (exp != 0)
    bit = neg ? 3 : 8;
  else
    bit = mant != 0 ? (neg ? 4 : 7) : (neg ? 5 : 6);
  R(fp, in->d) = (in->c >> bit) & 1;
}

// Wide integers: ceil(w/64) little-endian words in the slot, bits above w zero.
inline unsigned words(unsigned w) { return (w + 63) / 64; }
inline llvm::APInt getW(uint8_t* fp, uint32_t o, unsigned w) {
  uint64_t buf[8] = {};
  memcpy(buf, fp + o, words(w) * 8);
  return llvm::APInt(w, llvm::ArrayRef<uint64_t>(buf, words(w)));
}
inline void setW(uint8_t* fp, uint32_t o, const llvm::APInt& v) {
  memcpy(fp + o, v.getRawData(), words(v.getBitWidth()) * 8);
}

void wide_bin(uint8_t* fp, const Inst* in) {
  unsigned w = in->c;
  llvm::APInt a = getW(fp, in->a, w), b = getW(fp, in->b, w), r(w, 0);
  unsigned sh = static_cast<unsigned>(b.urem(w));
  bool zero = b.isZero();
  switch (in->f) {
    case llvm::Instruction::Add: r = a + b; break;
    case llvm::Instruction::Sub: r = a - b; break;
    case llvm::Instruction::Mul: r = a * b; break;
    case llvm::Instruction::And: r = a & b; break;
    case llvm::Instruction::Or: r = a | b; break;
    case llvm::Instruction::Xor: r = a ^ b; break;
    case llvm::Instruction::Shl: r = a.shl(sh); break;
    case llvm::Instruction::LShr: r = a.lshr(sh); break;
    case llvm::Instruction::AShr: r = a.ashr(sh); break;
    case llvm::Instruction::UDiv: r = zero ? r : a.udiv(b); break;
    case llvm::Instruction::URem: r = zero ? r : a.urem(b); break;
    case llvm::Instruction::SDiv: r = zero ? r : a.sdiv(b); break;
    case llvm::Instruction::SRem: r = zero ? r : a.srem(b); break;
  }
  setW(fp, in->d, r);
}
void wide_icmp(uint8_t* fp, const Inst* in) {
  unsigned w = in->c;
  llvm::APInt a = getW(fp, in->a, w), b = getW(fp, in->b, w);
  R(fp, in->d) = llvm::ICmpInst::compare(a, b, static_cast<llvm::CmpInst::Predicate>(in->f));
}
void wide_cast(uint8_t* fp, const Inst* in) {
  unsigned from = in->e, to = in->c;
  llvm::APInt v = getW(fp, in->a, from);
  llvm::APInt r = in->f == llvm::Instruction::SExt ? v.sextOrTrunc(to) : v.zextOrTrunc(to);
  if (to > 64)
    setW(fp, in->d, r);
  else
    R(fp, in->d) = r.getZExtValue();
}
void wide_load(uint8_t* fp, const Inst* in) {
  uint64_t buf[8] = {};
  memcpy(buf, reinterpret_cast<const void*>(R(fp, in->a)), in->e);
  setW(fp, in->d, llvm::APInt(in->c, llvm::ArrayRef<uint64_t>(buf, words(in->c))));
}

// Math functions as MATH1_*/MATH2_* call them: libm's, or wrappers over <cmath>'s overloads
// (whose addresses cannot be taken portably), and IEEE minimum/maximum, which libm lacks.
float f_sqrtf(float x) { return std::sqrt(x); }
double f_sqrt(double x) { return std::sqrt(x); }
float f_fabsf(float x) { return std::fabs(x); }
double f_fabs(double x) { return std::fabs(x); }
float f_floorf(float x) { return std::floor(x); }
double f_floor(double x) { return std::floor(x); }
float f_ceilf(float x) { return std::ceil(x); }
double f_ceil(double x) { return std::ceil(x); }
float f_truncf(float x) { return std::trunc(x); }
double f_trunc(double x) { return std::trunc(x); }
float f_roundf(float x) { return std::round(x); }
double f_round(double x) { return std::round(x); }
float f_rintf(float x) { return std::rint(x); }
double f_rint(double x) { return std::rint(x); }
float f_roundevenf(float x) { return std::nearbyint(x); }
double f_roundeven(double x) { return std::nearbyint(x); }
float f_minnumf(float a, float b) { return std::fmin(a, b); }
double f_minnum(double a, double b) { return std::fmin(a, b); }
float f_maxnumf(float a, float b) { return std::fmax(a, b); }
double f_maxnum(double a, double b) { return std::fmax(a, b); }
float f_minimumf(float a, float b) {
  if (a != a || b != b) return NAN;
  if (a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}
double f_minimum(double a, double b) {
  if (a != a || b != b) return NAN;
  if (a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}
float f_maximumf(float a, float b) {
  if (a != a || b != b) return NAN;
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}
double f_maximum(double a, double b) {
  if (a != a || b != b) return NAN;
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}
float f_copysignf(float a, float b) { return std::copysign(a, b); }
double f_copysign(double a, double b) { return std::copysign(a, b); }
float f_powf(float a, float b) { return std::pow(a, b); }
double f_pow(double a, double b) { return std::pow(a, b); }

// libm functions that calls (and intrinsics) become direct math ops for, without libffi.
const MathFn kMath1[] = {
    {"sqrt", (void*)f_sqrt, (void*)f_sqrtf},     {"fabs", (void*)f_fabs, (void*)f_fabsf},
    {"floor", (void*)f_floor, (void*)f_floorf},  {"ceil", (void*)f_ceil, (void*)f_ceilf},
    {"trunc", (void*)f_trunc, (void*)f_truncf},  {"round", (void*)f_round, (void*)f_roundf},
    {"rint", (void*)f_rint, (void*)f_rintf},     {"nearbyint", (void*)f_rint, (void*)f_rintf},
    {"exp", (void*)(double (*)(double))::exp, (void*)(float (*)(float))::expf},
    {"exp2", (void*)(double (*)(double))::exp2, (void*)(float (*)(float))::exp2f},
    {"log", (void*)(double (*)(double))::log, (void*)(float (*)(float))::logf},
    {"log2", (void*)(double (*)(double))::log2, (void*)(float (*)(float))::log2f},
    {"log10", (void*)(double (*)(double))::log10, (void*)(float (*)(float))::log10f},
    {"sin", (void*)(double (*)(double))::sin, (void*)(float (*)(float))::sinf},
    {"cos", (void*)(double (*)(double))::cos, (void*)(float (*)(float))::cosf},
    {"tanh", (void*)(double (*)(double))::tanh, (void*)(float (*)(float))::tanhf},
    {"roundeven", (void*)f_roundeven, (void*)f_roundevenf},
};
const MathFn kMath2[] = {
    {"pow", (void*)f_pow, (void*)f_powf},           {"fmin", (void*)f_minnum, (void*)f_minnumf},
    {"fmax", (void*)f_maxnum, (void*)f_maxnumf},    {"copysign", (void*)f_copysign, (void*)f_copysignf},
    {"minnum", (void*)f_minnum, (void*)f_minnumf},  {"maxnum", (void*)f_maxnum, (void*)f_maxnumf},
    {"minimum", (void*)f_minimum, (void*)f_minimumf}, {"maximum", (void*)f_maximum, (void*)f_maximumf},
};

}  // namespace

const MathFn* find_math(std::string_view name, unsigned arity) {
  auto find = [&](const auto& table) -> const MathFn* {
    for (const MathFn& m : table)
      if (name == m.name) return &m;
    return nullptr;
  };
  return arity == 1 ? find(kMath1) : arity == 2 ? find(kMath2) : nullptr;
}

std::string math_name(const void* fn) {
  for (const MathFn& m : kMath1) {
    if (m.f64 == fn) return m.name;
    if (m.f32 == fn) return std::string(m.name) + "f";
  }
  for (const MathFn& m : kMath2) {
    if (m.f64 == fn) return m.name;
    if (m.f32 == fn) return std::string(m.name) + "f";
  }
  return {};
}

const ScalarOps& scalar_ops() {
  static const ScalarOps ops = {smin,    smax,    umin,    umax,     abs_,     ctpop,    ctlz,
                                cttz,    bswap,   bitreverse, fshl,  fshr,     sadd_ov,  uadd_ov,
                                ssub_ov, usub_ov, smul_ov, umul_ov,  sadd_sat, uadd_sat, ssub_sat,
                                usub_sat, load_relative, is_fpclass, wide_bin, wide_icmp, wide_cast, wide_load};
  return ops;
}

}  // namespace bf::vm
