// Translation of arithmetic: integer and float operations, compares, select. Vector
// arithmetic goes to translate_vector.cpp; compares fused into branches to translate_control.cpp.
#include "vm/translator.h"

namespace bf::vm {

using namespace llvm;

void Translator::emit_int_binop(unsigned opcode, uint32_t d, uint32_t a, uint32_t b, unsigned w) {
  Op op;
  auto pick = [&](Op o32, Op o64, Op oN) { return w == 32 ? o32 : w == 64 ? o64 : oN; };
  switch (opcode) {
    case Instruction::Add: op = pick(OP_ADD_32, OP_ADD_64, OP_ADD_N); break;
    case Instruction::Sub: op = pick(OP_SUB_32, OP_SUB_64, OP_SUB_N); break;
    case Instruction::Mul: op = pick(OP_MUL_32, OP_MUL_64, OP_MUL_N); break;
    case Instruction::And: op = OP_AND_64; break;
    case Instruction::Or: op = OP_OR_64; break;
    case Instruction::Xor: op = OP_XOR_64; break;
    case Instruction::Shl: op = pick(OP_SHL_32, OP_SHL_64, OP_SHL_N); break;
    case Instruction::LShr: op = OP_LSHR_64; break;
    case Instruction::AShr: op = pick(OP_ASHR_32, OP_ASHR_64, OP_ASHR_N); break;
    case Instruction::UDiv: op = OP_UDIV_64; break;
    case Instruction::SDiv: op = pick(OP_SDIV_32, OP_SDIV_64, OP_SDIV_N); break;
    case Instruction::URem: op = OP_UREM_64; break;
    case Instruction::SRem: op = pick(OP_SREM_32, OP_SREM_64, OP_SREM_N); break;
    default: unsupported("integer operation");
  }
  Inst& in = emit(op);
  in.d = d, in.a = a, in.b = b, in.c = w;
}

void Translator::emit_math(const MathFn* fn, bool two, Type* t, uint32_t d, uint32_t a, uint32_t b) {
  if (t->isX86_FP80Ty() && fn) {
    int k = find_ld_math(fn->name, two ? 2 : 1);
    if (k < 0) unsupported("long double math");
    emit_ext(two ? float_ops().ld_math2 : float_ops().ld_math1, d, a, b, k);
    return;
  }
  bool f32 = t->isFloatTy();
  if (!f32 && !t->isDoubleTy()) unsupported("math on this type");
  Inst& in = emit(two ? (f32 ? OP_MATH2_F32 : OP_MATH2_F64) : (f32 ? OP_MATH1_F32 : OP_MATH1_F64));
  in.ptr = f32 ? fn->f32 : fn->f64;
  in.d = d, in.a = a, in.b = b;
}

void Translator::translate_binop(const Instruction& I, uint32_t d) {
  Type* t = I.getType();
  const Value* x = I.getOperand(0);
  const Value* y = I.getOperand(1);
  if (auto* vt = dyn_cast<FixedVectorType>(t)) return translate_vector_binop(I, vt, d);
  if (t->isIntegerTy()) {
    unsigned w = t->getIntegerBitWidth();
    if (w > 64) {
      emit_ext(scalar_ops().wide_bin, d, val(x), val(y), w, 0, I.getOpcode());
      return;
    }
    // x + C and x - C take an immediate.
    if ((I.getOpcode() == Instruction::Add || I.getOpcode() == Instruction::Sub) &&
        isa<ConstantInt>(y) && (w == 32 || w == 64)) {
      int64_t c = cast<ConstantInt>(y)->getSExtValue();
      if (I.getOpcode() == Instruction::Sub) c = static_cast<int64_t>(0 - static_cast<uint64_t>(c));
      Inst& in = emit(w == 32 ? OP_ADDI_32 : OP_ADDI_64);
      in.d = d, in.a = val(x), in.imm = c;
      return;
    }
    emit_int_binop(I.getOpcode(), d, val(x), val(y), w);
    return;
  }
  if (other_float(t)) {
    emit_ext(float_ops().bin, d, val(x), val(y), num_code(t), 0, I.getOpcode());
    return;
  }
  bool f32 = t->isFloatTy();
  if (!f32 && !t->isDoubleTy()) unsupported("floating-point type");
  Op op;
  switch (I.getOpcode()) {
    case Instruction::FAdd: op = f32 ? OP_FADD_F32 : OP_FADD_F64; break;
    case Instruction::FSub: op = f32 ? OP_FSUB_F32 : OP_FSUB_F64; break;
    case Instruction::FMul: op = f32 ? OP_FMUL_F32 : OP_FMUL_F64; break;
    case Instruction::FDiv: op = f32 ? OP_FDIV_F32 : OP_FDIV_F64; break;
    case Instruction::FRem: op = f32 ? OP_FREM_F32 : OP_FREM_F64; break;
    default: unsupported("operation");
  }
  Inst& in = emit(op);
  in.d = d, in.a = val(x), in.b = val(y);
}

void Translator::translate_fneg(const Instruction& I, uint32_t d) {
  Type* t = I.getType();
  if (auto* vt = dyn_cast<FixedVectorType>(t)) {
    emit_vec(ext_ops().un[VU_FNEG][elem_kind(vt->getElementType())], d, val(I.getOperand(0)), 0,
             0, vt->getNumElements());
    return;
  }
  if (other_float(t)) {
    emit_ext(float_ops().neg, d, val(I.getOperand(0)), 0, num_code(t));
    return;
  }
  Inst& in = emit(t->isFloatTy() ? OP_FNEG_F32 : OP_FNEG_F64);
  in.d = d, in.a = val(I.getOperand(0));
}

void Translator::translate_icmp(const ICmpInst& c, uint32_t d) {
  Type* ot = c.getOperand(0)->getType();
  if (auto* vt = dyn_cast<FixedVectorType>(ot)) {
    emit_vec(ext_ops().icmp[elem_kind(vt->getElementType())], d, val(c.getOperand(0)),
             val(c.getOperand(1)), 0, vt->getNumElements(), c.getPredicate());
    return;
  }
  unsigned w = int_width(ot);
  if (w > 64) {
    emit_ext(scalar_ops().wide_icmp, d, val(c.getOperand(0)), val(c.getOperand(1)), w, 0, c.getPredicate());
    return;
  }
  if (fused_branch(c)) return;  // compared by the branch
  Inst& in = emit(icmp_op(c.getPredicate(), w, false));
  in.d = d, in.a = val(c.getOperand(0)), in.b = val(c.getOperand(1)), in.c = w;
}

void Translator::translate_fcmp(const FCmpInst& c, uint32_t d) {
  Type* ot = c.getOperand(0)->getType();
  if (auto* vt = dyn_cast<FixedVectorType>(ot)) {
    emit_vec(ext_ops().fcmp[elem_kind(vt->getElementType())], d, val(c.getOperand(0)),
             val(c.getOperand(1)), 0, vt->getNumElements(), c.getPredicate());
    return;
  }
  if (other_float(ot)) {
    emit_ext(float_ops().cmp, d, val(c.getOperand(0)), val(c.getOperand(1)), num_code(ot), 0, c.getPredicate());
    return;
  }
  if (!ot->isFloatTy() && !ot->isDoubleTy()) unsupported("floating-point type");
  Inst& in = emit(ot->isFloatTy() ? OP_FCMP_F32 : OP_FCMP_F64);
  in.d = d, in.a = val(c.getOperand(0)), in.b = val(c.getOperand(1)), in.c = c.getPredicate();
}

void Translator::translate_select(const SelectInst& s, uint32_t d) {
  Type* t = s.getType();
  if (s.getCondition()->getType()->isVectorTy()) {
    auto* vt = cast<FixedVectorType>(t);
    Inst& in = emit(OP_VEC);
    in.ptr = reinterpret_cast<const void*>(ext_ops().select[elem_kind(vt->getElementType())]);
    in.d = d, in.a = val(s.getTrueValue()), in.b = val(s.getFalseValue()),
    in.c = val(s.getCondition()), in.e = vt->getNumElements();
    return;
  }
  uint32_t bytes = slot_bytes(t);
  Inst& in = emit(bytes == 8 ? OP_SELECT8 : OP_SELECTN);
  in.d = d, in.a = val(s.getTrueValue()), in.b = val(s.getFalseValue()),
  in.c = val(s.getCondition()), in.e = bytes;
}

}  // namespace bf::vm
