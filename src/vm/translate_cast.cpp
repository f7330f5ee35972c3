// Translation of casts between scalars (vector casts: translate_vector.cpp). Casts that leave
// a slot's bytes as they are usually take their source's slot instead (assign_aliases), and
// then emit nothing: the moves below are for the rest.
#include "vm/translator.h"

namespace bf::vm {

using namespace llvm;

void Translator::translate_cast(const Instruction& I, uint32_t d) {
  Type* t = I.getType();
  if (auto* vt = dyn_cast<FixedVectorType>(t)) return translate_vector_cast(I, vt, d);
  const Value* x = I.getOperand(0);
  Type* st = x->getType();
  uint32_t a = val(x);
  if (st->isVectorTy()) {  // a bitcast of a vector to a scalar
    auto* vs = cast<FixedVectorType>(st);
    if (vs->getElementType()->isIntegerTy(1)) return emit_lanes_to_bits(d, a, vs->getNumElements(), t);
    return emit_scalar_copy(d, a, DL_.getTypeStoreSize(t));
  }
  bool wide = (st->isIntegerTy() && st->getIntegerBitWidth() > 64) ||
              (t->isIntegerTy() && t->getIntegerBitWidth() > 64);
  unsigned opcode = I.getOpcode();
  bool numeric = opcode == Instruction::FPTrunc || opcode == Instruction::FPExt ||
                 opcode == Instruction::FPToSI || opcode == Instruction::FPToUI ||
                 opcode == Instruction::SIToFP || opcode == Instruction::UIToFP;
  if (numeric && (wide || other_float(st) || other_float(t))) {
    emit_ext(float_ops().convert, d, a, 0, num_code(t), num_code(st), opcode);
    return;
  }
  if (opcode == Instruction::BitCast && slot_bytes(t) != 8) {  // i128 <-> fp128, i80 <-> fp80
    emit_ext(scalar_ops().wide_cast, d, a, 0, unsigned(t->getPrimitiveSizeInBits()), unsigned(st->getPrimitiveSizeInBits()), Instruction::ZExt);
    return;
  }
  if (wide) {
    unsigned op = I.getOpcode();
    if (op != Instruction::Trunc && op != Instruction::ZExt && op != Instruction::SExt &&
        op != Instruction::BitCast && op != Instruction::Freeze)
      unsupported("conversion of an integer wider than 64 bits");
    emit_ext(scalar_ops().wide_cast, d, a, 0, t->getIntegerBitWidth(), st->getIntegerBitWidth(), op);
    return;
  }
  switch (I.getOpcode()) {
    case Instruction::Trunc: {
      Inst& in = emit(OP_TRUNC_N);
      in.d = d, in.a = a, in.c = t->getIntegerBitWidth();
      return;
    }
    case Instruction::ZExt: case Instruction::PtrToInt: case Instruction::IntToPtr:
    case Instruction::AddrSpaceCast:
      if (I.getOpcode() == Instruction::PtrToInt && t->getIntegerBitWidth() < 64) {
        Inst& in = emit(OP_TRUNC_N);
        in.d = d, in.a = a, in.c = t->getIntegerBitWidth();
        return;
      }
      emit_move(d, a, 8);
      return;
    case Instruction::BitCast: emit_move(d, a, 8); return;
    case Instruction::SExt: {
      Inst& in = emit(OP_SEXT_N);
      in.d = d, in.a = a, in.b = st->getIntegerBitWidth(), in.c = t->getIntegerBitWidth();
      return;
    }
    case Instruction::FPTrunc:
    case Instruction::FPExt: {
      if (!(st->isFloatTy() || st->isDoubleTy()) || !(t->isFloatTy() || t->isDoubleTy()))
        unsupported("floating-point type");
      Inst& in = emit(I.getOpcode() == Instruction::FPTrunc ? OP_FPTRUNC : OP_FPEXT);
      in.d = d, in.a = a;
      return;
    }
    case Instruction::FPToSI: case Instruction::FPToUI: {
      bool f32 = st->isFloatTy();
      if (!f32 && !st->isDoubleTy()) unsupported("floating-point type");
      bool s = I.getOpcode() == Instruction::FPToSI;
      Inst& in = emit(s ? (f32 ? OP_F32_TO_SI : OP_F64_TO_SI) : (f32 ? OP_F32_TO_UI : OP_F64_TO_UI));
      in.d = d, in.a = a, in.c = t->getIntegerBitWidth();
      return;
    }
    case Instruction::SIToFP: case Instruction::UIToFP: {
      bool f32 = t->isFloatTy();
      if (!f32 && !t->isDoubleTy()) unsupported("floating-point type");
      bool s = I.getOpcode() == Instruction::SIToFP;
      Inst& in = emit(s ? (f32 ? OP_SI_TO_F32 : OP_SI_TO_F64) : (f32 ? OP_UI_TO_F32 : OP_UI_TO_F64));
      in.d = d, in.a = a, in.c = st->getIntegerBitWidth();
      return;
    }
  }
  unsupported("cast");
}

}  // namespace bf::vm
