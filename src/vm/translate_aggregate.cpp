// Translation of aggregates (structs and arrays held in a slot, in the data layout's form):
// extractvalue and insertvalue are moves at the member's byte offset.
#include "vm/translator.h"

namespace bf::vm {

using namespace llvm;

namespace {

// Byte offset of the member that `indices` name in an aggregate of type t, and its type.
uint64_t member_offset(const DataLayout& dl, Type* t, ArrayRef<unsigned> indices, Type*& member) {
  uint64_t off = 0;
  member = t;
  for (unsigned idx : indices) {
    if (auto* st = dyn_cast<StructType>(member)) {
      off += dl.getStructLayout(st)->getElementOffset(idx);
      member = st->getElementType(idx);
    } else {
      member = member->getArrayElementType();
      off += idx * dl.getTypeAllocSize(member);
    }
  }
  return off;
}

}  // namespace

void Translator::translate_extract_value(const ExtractValueInst& ev, uint32_t d) {
  Type* t = ev.getType();
  Type* member;
  uint64_t off = member_offset(DL_, ev.getAggregateOperand()->getType(), ev.getIndices(), member);
  uint32_t src = val(ev.getAggregateOperand()) + off;
  if (t->isStructTy() || t->isArrayTy() || t->isVectorTy()) {
    emit_move(d, src, slot_bytes(t));
  } else {
    emit_scalar_copy(d, src, DL_.getTypeStoreSize(t));
  }
}

void Translator::translate_insert_value(const InsertValueInst& iv, uint32_t d) {
  Type* t = iv.getType();
  Type* cur;
  uint64_t off = member_offset(DL_, t, iv.getIndices(), cur);
  emit_move(d, val(iv.getAggregateOperand()), slot_bytes(t));
  Inst& in = emit(OP_MOVN);
  in.d = d + off, in.a = val(iv.getInsertedValueOperand()),
  in.c = cur->isStructTy() || cur->isArrayTy() ? DL_.getTypeAllocSize(cur) : DL_.getTypeStoreSize(cur);
}

}  // namespace bf::vm
