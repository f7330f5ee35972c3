// Translation of vector operations. 4- and 8-lane float + - * / run in the dispatch loop
// (VF*_F32X4/X8); everything else calls an out-of-line kernel (vecops.h, OP_VEC). Lanes
// and shuffles: a constant lane is a move; a splat of a scalar just inserted is one SPLAT; a
// slice of consecutive lanes is the source's bytes themselves (assign_aliases) or one move.
#include "vm/translator.h"

namespace bf::vm {

using namespace llvm;

void Translator::translate_vector_binop(const Instruction& I, FixedVectorType* vt, uint32_t d) {
  static const std::pair<unsigned, VecBin> map[] = {
      {Instruction::Add, VB_ADD},   {Instruction::Sub, VB_SUB},   {Instruction::Mul, VB_MUL},
      {Instruction::And, VB_AND},   {Instruction::Or, VB_OR},     {Instruction::Xor, VB_XOR},
      {Instruction::Shl, VB_SHL},   {Instruction::LShr, VB_LSHR}, {Instruction::AShr, VB_ASHR},
      {Instruction::UDiv, VB_UDIV}, {Instruction::SDiv, VB_SDIV}, {Instruction::URem, VB_UREM},
      {Instruction::SRem, VB_SREM}, {Instruction::FAdd, VB_FADD}, {Instruction::FSub, VB_FSUB},
      {Instruction::FMul, VB_FMUL}, {Instruction::FDiv, VB_FDIV}, {Instruction::FRem, VB_FREM}};
  const Value* x = I.getOperand(0);
  const Value* y = I.getOperand(1);
  VecBin op = VB_COUNT;
  for (auto& [o, v] : map)
    if (o == I.getOpcode()) op = v;
  if (vt->getElementType()->isIntegerTy(1) && op != VB_AND && op != VB_OR && op != VB_XOR)
    unsupported("arithmetic on i1 vectors");
  ElemKind k = elem_kind(vt->getElementType());
  uint32_t bytes = vt->getNumElements() * elem_bytes(k);
  const ExtOps& X = ext_ops();
  // Float vectors of 4 or 8 lanes: +, -, *, / in the dispatch loop itself (SSE halves).
  if (k == EK_F32 && (bytes == 16 || bytes == 32) && op >= VB_FADD && op <= VB_FDIV) {
    static const Op ops16[] = {OP_VFADD_F32X4, OP_VFSUB_F32X4, OP_VFMUL_F32X4, OP_VFDIV_F32X4};
    static const Op ops32[] = {OP_VFADD_F32X8, OP_VFSUB_F32X8, OP_VFMUL_F32X8, OP_VFDIV_F32X8};
    Inst& in = emit((bytes == 16 ? ops16 : ops32)[op - VB_FADD]);
    in.d = d, in.a = val(x), in.b = val(y);
    return;
  }
  ExtFn fn = bytes == 32 ? X.bin32[op][k] : bytes == 16 ? X.bin16[op][k] : X.bin[op][k];
  emit_vec(fn, d, val(x), val(y), 0, vt->getNumElements());
}

void Translator::translate_vector_cast(const Instruction& I, FixedVectorType* vt, uint32_t d) {
  const Value* x = I.getOperand(0);
  auto* vs = dyn_cast<FixedVectorType>(x->getType());
  uint32_t a = val(x);
  if (I.getOpcode() == Instruction::BitCast) {
    bool to_lanes = vt->getElementType()->isIntegerTy(1);
    bool from_lanes = vs && vs->getElementType()->isIntegerTy(1);
    if (to_lanes && from_lanes) {
      emit_move(d, a, slot_bytes(vt));
    } else if (to_lanes) {  // bits (an integer's, another vector's) to a byte a lane: AVX-512 masks
      if (vt->getNumElements() > 512) unsupported("bitcast to an i1 vector of more than 512 lanes");
      emit_vec(ext_ops().bits_to_lanes, d, a, 0, 0, vt->getNumElements());
    } else if (from_lanes) {
      emit_lanes_to_bits(d, a, vs->getNumElements(), vt);
    } else {
      emit_move(d, a, slot_bytes(vt));  // same bytes; slot sizes agree up to padding
    }  // same bytes; slot sizes agree up to padding
    return;
  }
  if (!vs) unsupported("cast");
  static const std::pair<unsigned, VecCast> map[] = {
      {Instruction::Trunc, VC_TRUNC},     {Instruction::ZExt, VC_ZEXT},
      {Instruction::SExt, VC_SEXT},       {Instruction::FPTrunc, VC_FPTRUNC},
      {Instruction::FPExt, VC_FPEXT},     {Instruction::FPToSI, VC_FPTOSI},
      {Instruction::FPToUI, VC_FPTOUI},   {Instruction::SIToFP, VC_SITOFP},
      {Instruction::UIToFP, VC_UITOFP},   {Instruction::PtrToInt, VC_ZEXT},
      {Instruction::IntToPtr, VC_ZEXT}};
  VecCast op = VC_COUNT;
  for (auto& [o, v] : map)
    if (o == I.getOpcode()) op = v;
  ElemKind from = elem_kind(vs->getElementType()), to = elem_kind(vt->getElementType());
  uint32_t flags = (vs->getElementType()->isIntegerTy(1) ? 1 : 0) |
                   (vt->getElementType()->isIntegerTy(1) ? 2 : 0);
  emit_vec(ext_ops().cast[op][from][to], d, a, 0, flags, vt->getNumElements());
}

void Translator::emit_lanes_to_bits(uint32_t d, uint32_t a, uint32_t lanes, Type* t) {
  if (lanes > 512) unsupported("bitcast of an i1 vector of more than 512 lanes");
  // The whole slot is written: an integer's is zero-extended past its bits.
  emit_vec(ext_ops().lanes_to_bits, d, a, 0, std::min<uint32_t>(slot_bytes(t), 64), lanes);
}

void Translator::translate_extract_element(const ExtractElementInst& ee, uint32_t d) {
  auto* vt = cast<FixedVectorType>(ee.getVectorOperand()->getType());
  uint32_t eb = elem_bytes(elem_kind(vt->getElementType()));
  if (auto* ci = dyn_cast<ConstantInt>(ee.getIndexOperand())) {
    return emit_scalar_copy(d, val(ee.getVectorOperand()) + ci->getZExtValue() % vt->getNumElements() * eb, eb);
  }
  Inst& in = emit(OP_EXTRACTELT);
  in.d = d, in.a = val(ee.getVectorOperand()), in.b = val(ee.getIndexOperand()), in.c = eb,
  in.e = vt->getNumElements();
}

void Translator::translate_insert_element(const InsertElementInst& ie, uint32_t d) {
  auto* vt = cast<FixedVectorType>(ie.getType());
  uint32_t eb = elem_bytes(elem_kind(vt->getElementType()));
  if (folded_into_splat(ie)) return;  // the shuffle reads the scalar itself
  emit_move(d, val(ie.getOperand(0)), slot_bytes(vt));
  if (auto* ci = dyn_cast<ConstantInt>(ie.getOperand(2))) {  // constant lane: a plain move
    if (ci->getZExtValue() < vt->getNumElements()) {
      Inst& in = emit(OP_MOVN);
      in.d = d + ci->getZExtValue() * eb, in.a = val(ie.getOperand(1)), in.c = eb;
    }
    return;
  }
  Inst& in = emit(OP_INSERTELT);
  in.d = d, in.a = val(ie.getOperand(1)), in.b = val(ie.getOperand(2)), in.c = eb,
  in.e = vt->getNumElements();
}

void Translator::translate_shuffle(const ShuffleVectorInst& sv, uint32_t d) {
  auto* vt = cast<FixedVectorType>(sv.getType());
  auto* st = cast<FixedVectorType>(sv.getOperand(0)->getType());
  uint32_t eb = elem_bytes(elem_kind(vt->getElementType()));
  uint32_t n = vt->getNumElements(), nin = st->getNumElements();
  if (aliases_.count(&sv)) return;  // a slice naming its source's bytes (assign_aliases)
  // Broadcast of one lane (splat): straight from the scalar when an insertelement made it.
  if (const Value* scalar = splat_scalar(sv)) {
    Inst& in = emit(OP_SPLAT);
    in.d = d, in.a = val(scalar), in.c = eb, in.e = n;
    return;
  }
  int lane = splat_lane(sv);
  if (lane >= 0) {
    uint32_t src = uint32_t(lane) < nin ? val(sv.getOperand(0)) + lane * eb
                                        : val(sv.getOperand(1)) + (lane - nin) * eb;
    Inst& in = emit(OP_SPLAT);
    in.d = d, in.a = src, in.c = eb, in.e = n;
    return;
  }
  // Consecutive lanes of one source (a vector half, lanes shifted down over poison) that are
  // not an alias: a move.
  int src;
  uint32_t from, k;
  if (slice_of(sv, src, from, k)) {
    uint32_t bytes = round_up(k * eb, 8);  // lanes past k are poison: copy whole words
    if (from + bytes > round_up(nin * eb, 8)) bytes = k * eb;
    emit_move(d, val(sv.getOperand(src)) + from, bytes);
    return;
  }
  uint32_t at = code_->aux.size();
  for (int v : sv.getShuffleMask()) code_->aux.push_back(v);
  Inst& in = emit(OP_SHUFFLE);
  in.d = d, in.a = val(sv.getOperand(0)), in.b = val(sv.getOperand(1)), in.c = eb,
  in.e = n, in.f = nin;
  in.imm = at;  // patched to a pointer once aux stops growing (finish)
}

}  // namespace bf::vm
