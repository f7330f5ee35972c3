// Out-of-line kernels for the floating-point types the dispatch loop does not handle itself:
// x86_fp80 (long double) by the host's own x87 arithmetic, so that results are the native
// build's bit for bit, fp128 through llvm::APFloat (correctly rounded, as libgcc's soft-float),
// and conversions between any of them, float, double and integers of any width.
// Slots: x86_fp80 and fp128 take 16 bytes (fp80 in the low 10); see translator.h num_code.
#include <llvm/ADT/APFloat.h>
#include <llvm/ADT/APSInt.h>
#include <llvm/IR/InstrTypes.h>
#include <llvm/IR/Instruction.h>

#include <cmath>
#include <cstring>

#include "vm/machine.h"
#include "vm/vecops.h"

namespace bf::vm {

namespace {

using llvm::APFloat;
using llvm::APInt;

const llvm::fltSemantics& semantics(uint32_t code) {
  switch (code & ~kFloatCode) {
    case 16: return APFloat::IEEEhalf();
    case 32: return APFloat::IEEEsingle();
    case 64: return APFloat::IEEEdouble();
    case 80: return APFloat::x87DoubleExtended();
    default: return APFloat::IEEEquad();
  }
}
unsigned float_bits(uint32_t code) { return code & ~kFloatCode; }
unsigned words_of(unsigned bits) { return (bits + 63) / 64; }

APInt read_bits(const uint8_t* p, unsigned bits) {
  uint64_t buf[8] = {};
  memcpy(buf, p, (bits + 7) / 8);
  return APInt(bits, llvm::ArrayRef<uint64_t>(buf, words_of(bits)));
}
// Writes v to a slot: its words, zero above its width (an 8-byte slot for up to 64 bits).
void write_bits(uint8_t* p, const APInt& v) {
  unsigned w = words_of(v.getBitWidth());
  memcpy(p, v.getRawData(), w * 8);
}
APFloat read_float(const uint8_t* p, uint32_t code) {
  return APFloat(semantics(code), read_bits(p, float_bits(code)));
}
void write_float(uint8_t* p, const APFloat& f) {
  APInt bits = f.bitcastToAPInt();
  if (bits.getBitWidth() == 80) bits = bits.zext(128);  // the slot's padding zeroed
  write_bits(p, bits);
}

long double ld(const uint8_t* fp, uint32_t slot) {
  long double v = 0;
  memcpy(&v, fp + slot, 10);
  return v;
}
void set_ld(uint8_t* fp, uint32_t slot, long double v) {
  memset(fp + slot, 0, 16);
  memcpy(fp + slot, &v, 10);
}

// d = a OP b: c = type code, f = llvm::Instruction opcode.
void float_bin(uint8_t* fp, const Inst* in) {
  if (in->c == (kFloatCode | 80)) {
    long double a = ld(fp, in->a), b = ld(fp, in->b), r;
    switch (in->f) {
      case llvm::Instruction::FAdd: r = a + b; break;
      case llvm::Instruction::FSub: r = a - b; break;
      case llvm::Instruction::FMul: r = a * b; break;
      case llvm::Instruction::FDiv: r = a / b; break;
      default: r = fmodl(a, b); break;
    }
    return set_ld(fp, in->d, r);
  }
  APFloat a = read_float(fp + in->a, in->c), b = read_float(fp + in->b, in->c);
  auto rm = llvm::RoundingMode::NearestTiesToEven;
  switch (in->f) {
    case llvm::Instruction::FAdd: a.add(b, rm); break;
    case llvm::Instruction::FSub: a.subtract(b, rm); break;
    case llvm::Instruction::FMul: a.multiply(b, rm); break;
    case llvm::Instruction::FDiv: a.divide(b, rm); break;
    default: a.mod(b); break;
  }
  write_float(fp + in->d, a);
}

void float_neg(uint8_t* fp, const Inst* in) {
  unsigned bits = float_bits(in->c);
  memmove(fp + in->d, fp + in->a, 16);
  fp[in->d + (bits - 1) / 8] ^= 0x80;
}

// d = fcmp pred a, b: c = type code, f = predicate.
void float_cmp(uint8_t* fp, const Inst* in) {
  APFloat a = read_float(fp + in->a, in->c), b = read_float(fp + in->b, in->c);
  APFloat::cmpResult r = a.compare(b);
  unsigned bit = r == APFloat::cmpUnordered ? 8 : r == APFloat::cmpLessThan ? 4 : r == APFloat::cmpEqual ? 1 : 2;
  // llvm::FCmpInst predicates are a bit set: 1 equal, 2 greater, 4 less, 8 unordered.
  uint64_t v = (in->f & bit) != 0;
  memcpy(fp + in->d, &v, 8);
}

// d = convert(a): c = destination code, e = source code, f = opcode (signedness of integers).
void num_convert(uint8_t* fp, const Inst* in) {
  uint32_t to = in->c, from = in->e;
  unsigned op = in->f;
  auto rm = llvm::RoundingMode::NearestTiesToEven;
  if (!(from & kFloatCode)) {  // integer to float
    APInt v = read_bits(fp + in->a, from);
    APFloat r(semantics(to));
    r.convertFromAPInt(v, op == llvm::Instruction::SIToFP, rm);
    return write_float(fp + in->d, r);
  }
  APFloat v = read_float(fp + in->a, from);
  if (to & kFloatCode) {  // float to float
    bool loses;
    v.convert(semantics(to), rm, &loses);
    return write_float(fp + in->d, v);
  }
  llvm::APSInt r(to, op == llvm::Instruction::FPToUI);  // float to integer (out of range: poison)
  bool exact;
  v.convertToInteger(r, llvm::RoundingMode::TowardZero, &exact);
  uint8_t zero[64] = {};
  memcpy(fp + in->d, zero, words_of(to) * 8);
  write_bits(fp + in->d, r);
}

// Math on long double: c = index into kLdMath1 / kLdMath2.
using Ld1 = long double (*)(long double);
using Ld2 = long double (*)(long double, long double);
long double ld_fabs(long double x) { return fabsl(x); }
long double ld_sqrt(long double x) { return sqrtl(x); }
long double ld_floor(long double x) { return floorl(x); }
long double ld_ceil(long double x) { return ceill(x); }
long double ld_trunc(long double x) { return truncl(x); }
long double ld_round(long double x) { return roundl(x); }
long double ld_rint(long double x) { return rintl(x); }
long double ld_exp(long double x) { return expl(x); }
long double ld_exp2(long double x) { return exp2l(x); }
long double ld_log(long double x) { return logl(x); }
long double ld_log2(long double x) { return log2l(x); }
long double ld_log10(long double x) { return log10l(x); }
long double ld_sin(long double x) { return sinl(x); }
long double ld_cos(long double x) { return cosl(x); }
long double ld_roundeven(long double x) { return roundevenl(x); }
long double ld_pow(long double x, long double y) { return powl(x, y); }
long double ld_copysign(long double x, long double y) { return copysignl(x, y); }
long double ld_minnum(long double x, long double y) { return fminl(x, y); }
long double ld_maxnum(long double x, long double y) { return fmaxl(x, y); }
const struct {
  const char* name;
  Ld1 fn;
} kLdMath1[] = {{"fabs", ld_fabs},   {"sqrt", ld_sqrt}, {"floor", ld_floor}, {"ceil", ld_ceil},
                {"trunc", ld_trunc}, {"round", ld_round}, {"rint", ld_rint}, {"nearbyint", ld_rint},
                {"exp", ld_exp},     {"exp2", ld_exp2}, {"log", ld_log},     {"log2", ld_log2},
                {"log10", ld_log10}, {"sin", ld_sin},   {"cos", ld_cos},     {"roundeven", ld_roundeven}};
const struct {
  const char* name;
  Ld2 fn;
} kLdMath2[] = {{"pow", ld_pow}, {"copysign", ld_copysign}, {"minnum", ld_minnum}, {"maxnum", ld_maxnum}};

void ld_math1(uint8_t* fp, const Inst* in) { set_ld(fp, in->d, kLdMath1[in->c].fn(ld(fp, in->a))); }
void ld_math2(uint8_t* fp, const Inst* in) { set_ld(fp, in->d, kLdMath2[in->c].fn(ld(fp, in->a), ld(fp, in->b))); }
void ld_fma3(uint8_t* fp, const Inst* in) {
  set_ld(fp, in->d, fmal(ld(fp, in->a), ld(fp, in->b), ld(fp, in->c)));
}
void ld_muladd(uint8_t* fp, const Inst* in) {  // llvm.fmuladd without fusion: x87 has no fma
  set_ld(fp, in->d, ld(fp, in->a) * ld(fp, in->b) + ld(fp, in->c));
}

}  // namespace

int find_ld_math(std::string_view name, unsigned arity) {
  if (arity == 1) {
    for (size_t i = 0; i < std::size(kLdMath1); i++)
      if (name == kLdMath1[i].name) return static_cast<int>(i);
  } else if (arity == 2) {
    for (size_t i = 0; i < std::size(kLdMath2); i++)
      if (name == kLdMath2[i].name) return static_cast<int>(i);
  }
  return -1;
}

const FloatOps& float_ops() {
  static const FloatOps ops = {float_bin, float_neg, float_cmp, num_convert, ld_math1, ld_math2, ld_fma3, ld_muladd};
  return ops;
}

}  // namespace bf::vm
