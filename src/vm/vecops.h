// Vector and rare scalar operations, implemented out of line and called from the dispatch loop
// through Inst::ptr. Two builds of the same source: generic x86-64 and AVX2+FMA; ext_ops()
// picks one by the CPU. Element kinds follow the frame representation (i1 is one byte 0/1).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "vm/code.h"

namespace bf::vm {

enum ElemKind : uint8_t { EK_I8, EK_I16, EK_I32, EK_I64, EK_F32, EK_F64, EK_COUNT };

// Elementwise binary ops (inst: d = a OP b, e = element count).
enum VecBin : uint8_t {
  VB_ADD, VB_SUB, VB_MUL, VB_UDIV, VB_SDIV, VB_UREM, VB_SREM, VB_AND, VB_OR, VB_XOR, VB_SHL,
  VB_LSHR, VB_ASHR, VB_FADD, VB_FSUB, VB_FMUL, VB_FDIV, VB_FREM, VB_SMIN, VB_SMAX, VB_UMIN,
  VB_UMAX, VB_FMINNUM, VB_FMAXNUM, VB_FMINIMUM, VB_FMAXIMUM, VB_POW, VB_COPYSIGN, VB_SADD_SAT,
  VB_UADD_SAT, VB_SSUB_SAT, VB_USUB_SAT, VB_COUNT
};
// Elementwise unary ops (d = OP a).
enum VecUn : uint8_t {
  VU_FNEG, VU_SQRT, VU_FABS, VU_FLOOR, VU_CEIL, VU_TRUNC, VU_ROUND, VU_RINT, VU_EXP, VU_EXP2,
  VU_LOG, VU_LOG2, VU_LOG10, VU_SIN, VU_COS, VU_ABS, VU_CTPOP, VU_CTLZ, VU_CTTZ, VU_BSWAP,
  VU_ROUNDEVEN, VU_TANH, VU_COUNT
};
enum VecRed : uint8_t {
  VR_ADD, VR_MUL, VR_AND, VR_OR, VR_XOR, VR_SMIN, VR_SMAX, VR_UMIN, VR_UMAX, VR_FADD, VR_FMUL,
  VR_FMIN, VR_FMAX, VR_FADD_ORDERED, VR_FMUL_ORDERED, VR_COUNT
};
// Casts between element kinds: (from, to) with a signedness flag.
enum VecCast : uint8_t { VC_TRUNC, VC_ZEXT, VC_SEXT, VC_FPTRUNC, VC_FPEXT, VC_FPTOSI, VC_FPTOUI,
                         VC_SITOFP, VC_UITOFP, VC_COUNT };

struct ExtOps {
  ExtFn bin[VB_COUNT][EK_COUNT];
  ExtFn bin16[VB_COUNT][EK_COUNT], bin32[VB_COUNT][EK_COUNT];  // 16- and 32-byte vectors
  ExtFn un[VU_COUNT][EK_COUNT];
  ExtFn red[VR_COUNT][EK_COUNT];      // d = reduce(a) (FADD/FMUL: b = start value)
  ExtFn cast[VC_COUNT][EK_COUNT][EK_COUNT];
  ExtFn icmp[EK_COUNT];               // f = predicate (llvm::CmpInst), d bytes 0/1
  ExtFn fcmp[EK_COUNT];
  ExtFn select[EK_COUNT];             // d = c ? a : b per element (c = bool bytes)
  ExtFn fma[EK_COUNT];                // d = a*b+c (f = 1: fused)
  ExtFn fma16[EK_COUNT], fma32[EK_COUNT];
  ExtFn fma32_load;                   // 8 floats: d = fma(load(a + b * e + imm), c, f)
  ExtFn splat[EK_COUNT];              // d[i] = scalar a
  ExtFn pmaddwd, pmaddubsw;           // x86 avx2 integer dot products
  ExtFn psignb;                       // x86 psign.b: a negated, zeroed or kept by the sign of b
  ExtFn pack_bits;                    // bitcast from <e x i1>: d = e bool bytes as bits, c bytes
  ExtFn unpack_bits;                  // bitcast to <e x i1>: d = e bool bytes of a's bits
};

// Scalar helpers that the translator points Inst::ptr at.
struct ScalarOps {
  ExtFn smin, smax, umin, umax, abs, ctpop, ctlz, cttz, bswap, bitreverse, fshl, fshr;
  ExtFn sadd_ov, uadd_ov, ssub_ov, usub_ov, smul_ov, umul_ov;
  ExtFn sadd_sat, uadd_sat, ssub_sat, usub_sat;
  ExtFn load_relative;  // d = a + sext(*(i32*)(a + b))
  ExtFn is_fpclass;  // c = test mask, e = 1 for float, 0 for double
  // Integers of 65..128 bits, zero-extended in 16-byte slots. c = width; f = operation.
  ExtFn wide_bin;    // f = llvm::Instruction opcode
  ExtFn wide_icmp;   // f = llvm::CmpInst predicate; result is an 8-byte i1
  ExtFn wide_cast;   // e = source width, c = destination width, f = opcode (trunc/zext/sext)
  ExtFn wide_load;   // a = address slot, e = store bytes
};
const ScalarOps& scalar_ops();

// Floating-point types other than float and double (half, x86_fp80, fp128: floatops.cpp).
// Numeric type codes (c, e): an integer's width (1..512), or kFloatCode | the type's bits.
constexpr uint32_t kFloatCode = 0x10000;
struct FloatOps {
  ExtFn bin;       // d = a OP b: c = code, f = llvm::Instruction opcode
  ExtFn neg;       // d = -a: c = code
  ExtFn cmp;       // d = fcmp a, b: c = code, f = predicate
  ExtFn convert;   // d = a: c = destination code, e = source code, f = cast opcode
  ExtFn ld_math1;  // long double: d = fn(a), c = index (find_ld_math)
  ExtFn ld_math2;  // d = fn(a, b)
  ExtFn ld_fma;    // d = fmal(a, b, c slot)
  ExtFn ld_muladd; // d = a * b + c slot, rounded twice
};
const FloatOps& float_ops();
// Index of a long double math function by its double version's name, or -1.
int find_ld_math(std::string_view name, unsigned arity);

// libm functions that calls (and intrinsics) become direct math ops for, without libffi
// (MATH1_*, MATH2_*: ptr is f32 or f64).
struct MathFn {
  const char* name;  // libm name of the double version; the float one adds 'f'
  void* f64;
  void* f32;
};
// By the double version's name ("sqrt", "pow"; intrinsics' "minnum"...) and arity (1 or 2).
const MathFn* find_math(std::string_view name, unsigned arity);
// The name of a function an instruction's ptr points at ("sqrtf"), or "" (the dump).
std::string math_name(const void* fn);

}  // namespace bf::vm
