// Translation of memory access: loads, stores, GEPs, allocas, atomics. A GEP whose users all
// take the address themselves is not materialized (folds(), translate_fusion.cpp): its loads
// and stores compute base + index * scale + offset (*_OFF, *_IDX).
#include <llvm/IR/IntrinsicsX86.h>

#include <algorithm>

#include "vm/translator.h"

namespace bf::vm {

using namespace llvm;

uint32_t Translator::store_bytes(Type* t) {
  if (t->isIntegerTy() || t->isFloatTy() || t->isDoubleTy() || t->isPointerTy()) return (scalar_bits(t) + 7) / 8;
  return DL_.getTypeStoreSize(t);
}

void Translator::emit_load(uint32_t dst, uint32_t addr, Type* t) {
  if (t->isIntegerTy() || t->isFloatTy() || t->isDoubleTy() || t->isPointerTy()) {
    uint32_t bits = scalar_bits(t);
    uint32_t store = (bits + 7) / 8;
    if (bits > 64) {
      emit_ext(scalar_ops().wide_load, dst, addr, 0, bits, store);
      return;
    }
    Op op = store == 1 ? OP_LOAD8 : store == 2 ? OP_LOAD16 : store == 4 ? OP_LOAD32
            : store == 8 ? OP_LOAD64 : OP_LOADN_ZX;
    Inst& in = emit(op);
    in.d = dst, in.a = addr, in.c = store;
    if (t->isIntegerTy() && bits % 8 != 0 && bits != 1) {
      Inst& tr = emit(OP_TRUNC_N);
      tr.d = dst, tr.a = dst, tr.c = bits;
    }
    if (t->isIntegerTy(1)) {  // i1 in memory is a byte that may have other bits set
      Inst& tr = emit(OP_TRUNC_N);
      tr.d = dst, tr.a = dst, tr.c = 1;
    }
    return;
  }
  if (auto* vt = dyn_cast<FixedVectorType>(t); vt && vt->getElementType()->isIntegerTy(1)) {
    // In memory one bit a lane (an AVX-512 mask kept in a variable): the bits, then a byte a lane.
    uint32_t n = vt->getNumElements();
    if (n > 512) unsupported("load of an i1 vector of more than 512 lanes");
    uint32_t bits = new_slot(round_up((n + 7) / 8, 8));
    Inst& in = emit(OP_LOADN);
    in.d = bits, in.a = addr, in.c = (n + 7) / 8;
    emit_vec(ext_ops().bits_to_lanes, dst, bits, 0, 0, n);
    return;
  }
  uint32_t bytes = DL_.getTypeStoreSize(t);
  Inst& in = emit(bytes == 16 ? OP_LOADV16 : bytes == 32 ? OP_LOADV32 : OP_LOADN);
  in.d = dst, in.a = addr, in.c = bytes;
}

void Translator::emit_store(uint32_t addr, uint32_t src, Type* t) {
  if (auto* vt = dyn_cast<FixedVectorType>(t); vt && vt->getElementType()->isIntegerTy(1)) {
    uint32_t n = vt->getNumElements();
    if (n > 512) unsupported("store of an i1 vector of more than 512 lanes");
    uint32_t bytes = (n + 7) / 8, bits = new_slot(round_up(bytes, 8));
    emit_vec(ext_ops().lanes_to_bits, bits, src, 0, bytes, n);
    Inst& in = emit(OP_STOREN);
    in.a = addr, in.b = bits, in.c = bytes;
    return;
  }
  uint32_t store = store_bytes(t);
  bool scalar = t->isIntegerTy() || t->isFloatTy() || t->isDoubleTy() || t->isPointerTy();
  Op op = !scalar ? (store == 16 ? OP_STOREV16 : store == 32 ? OP_STOREV32 : OP_STOREN) : store == 1 ? OP_STORE8 : store == 2 ? OP_STORE16
          : store == 4 ? OP_STORE32 : store == 8 ? OP_STORE64 : OP_STOREN;
  Inst& in = emit(op);
  in.a = addr, in.b = src, in.c = store;
}

void Translator::translate_load(const LoadInst& l, uint32_t d) {
  Type* t = l.getType();
  if (l.isAtomic() && !t->isIntegerTy() && !t->isPointerTy() && !t->isFloatingPointTy())
    unsupported("atomic load of this type");
  if (load_fused_into(l)) return;  // the arithmetic that uses it loads the operand
  Address a;
  if (address_of(l.getPointerOperand(), a)) {
    uint32_t bytes = store_bytes(t);
    Op op = bytes == 4 ? (a.index ? OP_LOAD32_IDX : OP_LOAD32_OFF)
            : bytes == 8 ? (a.index ? OP_LOAD64_IDX : OP_LOAD64_OFF)
                         : (a.index ? OP_LOADV32_IDX : OP_LOADV32_OFF);
    Inst& in = emit(op);
    in.d = d, in.a = val(a.base), in.b = a.index ? val(a.index) : 0, in.e = a.scale;
    in.imm = static_cast<int64_t>(a.offset);
    return;
  }
  emit_load(d, val(l.getPointerOperand()), t);
}

void Translator::translate_store(const StoreInst& s) {
  Address a;
  if (address_of(s.getPointerOperand(), a)) {
    uint32_t bytes = store_bytes(s.getValueOperand()->getType());
    Op op = bytes == 4 ? (a.index ? OP_STORE32_IDX : OP_STORE32_OFF)
            : bytes == 8 ? (a.index ? OP_STORE64_IDX : OP_STORE64_OFF)
                         : (a.index ? OP_STOREV32_IDX : OP_STOREV32_OFF);
    Inst& in = emit(op);
    in.a = val(a.base), in.b = val(s.getValueOperand()), in.c = a.index ? val(a.index) : 0;
    in.e = a.scale, in.imm = static_cast<int64_t>(a.offset);
    return;
  }
  emit_store(val(s.getPointerOperand()), val(s.getValueOperand()), s.getValueOperand()->getType());
  if (s.isAtomic() && s.getOrdering() == AtomicOrdering::SequentiallyConsistent) emit(OP_FENCE);
}

void Translator::translate_gep(const GetElementPtrInst& g, uint32_t d) {
  if (g.getType()->isVectorTy()) return translate_vector_gep(g, d);
  if (folds(g)) return;  // the loads and stores that use it compute the address
  if (const GepInfo& gi = gep_info(g); gi.decomposed) {  // at most one 64-bit index: one instruction
    Inst& in = emit(gi.a.index ? OP_GEP_IDX64 : OP_GEP_CONST);
    in.d = d, in.a = val(gi.a.base), in.imm = static_cast<int64_t>(gi.a.offset);
    if (gi.a.index) in.b = val(gi.a.index), in.e = static_cast<uint32_t>(gi.a.scale);
    return;
  }
  uint32_t cur = val(g.getPointerOperand());
  uint64_t offset = 0;  // wraps like the address arithmetic it stands for
  bool emitted = false;
  for (gep_type_iterator it = gep_type_begin(g), end = gep_type_end(g); it != end; ++it) {
    const Value* idx = it.getOperand();
    if (StructType* st = it.getStructTypeOrNull()) {
      unsigned field = cast<ConstantInt>(idx)->getZExtValue();
      offset += DL_.getStructLayout(st)->getElementOffset(field);
      continue;
    }
    uint64_t scale = stride_(it);
    if (idx->getType()->getScalarSizeInBits() > 64) unsupported("index wider than 64 bits");
    if (auto* ci = dyn_cast<ConstantInt>(idx)) {
      offset += static_cast<uint64_t>(ci->getSExtValue()) * scale;
      continue;
    }
    unsigned w = idx->getType()->getIntegerBitWidth();
    Inst& in = emit(w == 64 ? OP_GEP_IDX64 : w == 32 ? OP_GEP_IDX32 : OP_GEP_IDXN);
    in.d = d, in.a = cur, in.b = val(idx), in.c = w, in.imm = static_cast<int64_t>(offset);
    in.e = static_cast<uint32_t>(scale);
    if (scale > UINT32_MAX) unsupported("index scale");
    cur = d, offset = 0, emitted = true;
  }
  if (offset != 0 || !emitted) {
    Inst& in = emit(OP_GEP_CONST);
    in.d = d, in.a = cur, in.imm = static_cast<int64_t>(offset);
  }
}

void Translator::translate_alloca(const AllocaInst& al, uint32_t d) {
  uint64_t elem = DL_.getTypeAllocSize(al.getAllocatedType());
  uint32_t align = std::max<uint32_t>(al.getAlign().value(), 16);
  Inst& in = emit(OP_ALLOCA);
  in.d = d, in.a = val(al.getArraySize()), in.c = align, in.imm = static_cast<int64_t>(elem);
}

void Translator::translate_atomic_rmw(const AtomicRMWInst& rmw, uint32_t d) {
  Type* t = rmw.getType();
  if (!t->isIntegerTy() && !t->isPointerTy()) unsupported("atomicrmw on this type");
  Inst& in = emit(OP_ATOMIC_RMW);
  in.d = d, in.a = val(rmw.getPointerOperand()), in.b = val(rmw.getValOperand()),
  in.c = DL_.getTypeStoreSize(t), in.e = rmw.getOperation();
  if (in.c != 1 && in.c != 2 && in.c != 4 && in.c != 8) unsupported("atomicrmw width");
}

void Translator::translate_cmpxchg(const AtomicCmpXchgInst& cx, uint32_t d) {
  Type* vt = cx.getCompareOperand()->getType();
  Inst& in = emit(OP_CMPXCHG);
  in.d = d, in.a = val(cx.getPointerOperand()), in.b = val(cx.getCompareOperand()),
  in.c = val(cx.getNewValOperand()), in.e = DL_.getTypeStoreSize(vt),
  in.f = DL_.getStructLayout(cast<StructType>(cx.getType()))->getElementOffset(1);
  if (in.e != 1 && in.e != 2 && in.e != 4 && in.e != 8) unsupported("cmpxchg width");
}


// A GEP whose result is a vector of pointers: one vector_gep term per variable index (the
// first from the base, the others adding to the result), constant offsets as one more term.
void Translator::translate_vector_gep(const GetElementPtrInst& g, uint32_t d) {
  const MemOps& M = mem_ops();
  uint32_t lanes = cast<FixedVectorType>(g.getType())->getNumElements();
  if (lanes * 8 > kMaxMaskedBytes) unsupported("vector of pointers wider than 64 lanes");
  uint32_t cur = val(g.getPointerOperand());
  bool scalar_base = !g.getPointerOperandType()->isVectorTy();
  auto term = [&](const Value* idx, uint64_t scale) {
    if (scale > UINT32_MAX) unsupported("index scale");
    unsigned w = idx->getType()->getScalarSizeInBits();
    bool scalar_index = !idx->getType()->isVectorTy();
    if (!scalar_index) elem_kind(idx->getType()->getScalarType());  // refuses odd widths
    uint32_t flags = (scalar_base ? kGepScalarBase : 0) | (scalar_index ? kGepScalarIndex : 0);
    emit_ext(M.vector_gep, d, cur, val(idx), static_cast<uint32_t>(scale), lanes | flags, w);
    cur = d, scalar_base = false;
  };
  uint64_t offset = 0;  // wraps like the address arithmetic it stands for
  bool emitted = false;
  for (gep_type_iterator it = gep_type_begin(g), end = gep_type_end(g); it != end; ++it) {
    const Value* idx = it.getOperand();
    const Constant* k = dyn_cast<Constant>(idx);
    if (k && k->getType()->isVectorTy()) k = k->getSplatValue();
    if (StructType* st = it.getStructTypeOrNull()) {
      offset += DL_.getStructLayout(st)->getElementOffset(cast<ConstantInt>(k)->getZExtValue());
      continue;
    }
    uint64_t scale = stride_(it);
    if (idx->getType()->getScalarSizeInBits() > 64) unsupported("index wider than 64 bits");
    if (auto* ci = dyn_cast_or_null<ConstantInt>(k)) {
      offset += static_cast<uint64_t>(ci->getSExtValue()) * scale;
      continue;
    }
    term(idx, scale);
    emitted = true;
  }
  if (offset != 0 || !emitted) term(ConstantInt::get(Type::getInt64Ty(g.getContext()), offset), 1);
}

// Masked and per-lane memory intrinsics, AVX's maskload/maskstore (memops.cpp); false if `id`
// is none of them.
bool Translator::translate_lane_memory(const CallBase& call, Intrinsic::ID id, uint32_t d) {
  const MemOps& M = mem_ops();
  auto arg = [&](unsigned i) { return val(call.getArgOperand(i)); };
  // Lanes and bytes a lane of the data vector (the result, or the stored operand).
  auto shape = [&](Type* t, uint32_t& lanes, uint32_t& bytes) {
    auto* vt = cast<FixedVectorType>(t);
    lanes = vt->getNumElements(), bytes = elem_bytes(elem_kind(vt->getElementType()));
    if (vt->getElementType()->isIntegerTy(1) || lanes * bytes > kMaxMaskedBytes)
      unsupported("masked operation on this vector type");
  };
  uint32_t lanes = 0, bytes = 0;
  switch (id) {
    case Intrinsic::masked_load: case Intrinsic::masked_gather:  // (ptr(s), align, mask, passthru)
      shape(call.getType(), lanes, bytes);
      emit_ext(id == Intrinsic::masked_load ? M.masked_load : M.gather, d, arg(0), arg(2), arg(3), lanes, bytes);
      return true;
    case Intrinsic::masked_store: case Intrinsic::masked_scatter:  // (value, ptr(s), align, mask)
      shape(call.getArgOperand(0)->getType(), lanes, bytes);
      emit_ext(id == Intrinsic::masked_store ? M.masked_store : M.scatter, 0, arg(0), arg(1), arg(3), lanes, bytes);
      return true;
    case Intrinsic::x86_avx_maskload_ps: case Intrinsic::x86_avx_maskload_ps_256:
    case Intrinsic::x86_avx_maskload_pd: case Intrinsic::x86_avx_maskload_pd_256:
    case Intrinsic::x86_avx2_maskload_d: case Intrinsic::x86_avx2_maskload_d_256:
    case Intrinsic::x86_avx2_maskload_q: case Intrinsic::x86_avx2_maskload_q_256:  // (ptr, mask)
      shape(call.getType(), lanes, bytes);
      emit_ext(M.x86_maskload, d, arg(0), arg(1), 0, lanes, bytes);
      return true;
    case Intrinsic::x86_avx_maskstore_ps: case Intrinsic::x86_avx_maskstore_ps_256:
    case Intrinsic::x86_avx_maskstore_pd: case Intrinsic::x86_avx_maskstore_pd_256:
    case Intrinsic::x86_avx2_maskstore_d: case Intrinsic::x86_avx2_maskstore_d_256:
    case Intrinsic::x86_avx2_maskstore_q: case Intrinsic::x86_avx2_maskstore_q_256:  // (ptr, mask, value)
      shape(call.getArgOperand(2)->getType(), lanes, bytes);
      emit_ext(M.x86_maskstore, 0, arg(0), arg(1), arg(2), lanes, bytes);
      return true;
    default: return false;
  }
}

}  // namespace bf::vm
