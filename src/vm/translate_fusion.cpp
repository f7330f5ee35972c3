// Fusion and slot sharing: which instructions are not emitted because another takes their
// work (a compare into its branch, a GEP into its loads and stores, a load into an 8-float
// fma, an insertelement into its splat), where such fused instructions read their operands
// (read_points), which loop-carried values share their phi's slot (coalesce_loop_values), and
// which values are another value's bytes and take its slot (assign_aliases).
#include <llvm/IR/CFG.h>
#include <llvm/IR/IntrinsicInst.h>

#include "vm/translator.h"

namespace bf::vm {

using namespace llvm;

namespace {

// Loads and stores that take their address as base + index * scale + offset themselves.
bool fusable_access(const Instruction* user, const Value* ptr, const DataLayout& dl) {
  Type* t;
  if (auto* l = dyn_cast<LoadInst>(user)) {
    if (l->isAtomic() || l->getPointerOperand() != ptr) return false;
    t = l->getType();
  } else if (auto* st = dyn_cast<StoreInst>(user)) {
    if (st->isAtomic() || st->getPointerOperand() != ptr || st->getValueOperand() == ptr) return false;
    t = st->getValueOperand()->getType();
  } else {
    return false;
  }
  bool scalar4 = t->isIntegerTy(32) || t->isFloatTy();
  bool scalar8 = t->isIntegerTy(64) || t->isDoubleTy() || t->isPointerTy();
  bool vec32 = t->isVectorTy() && !cast<VectorType>(t)->getElementType()->isIntegerTy(1) &&
               dl.getTypeStoreSize(t) == 32;
  return scalar4 || scalar8 || vec32;
}

// The operand of a cast whose result has the operand's slot bytes exactly (integers and
// pointers sit zero-extended in 8-byte slots, floats in the low bytes), or null.
const Value* same_bytes_cast(const Instruction& I) {
  Type* t = I.getType();
  if (t->isVectorTy() || I.getNumOperands() != 1) return nullptr;
  const Value* x = I.getOperand(0);
  Type* st = x->getType();
  auto narrow_int = [](Type* ty) { return ty->isIntegerTy() && ty->getIntegerBitWidth() <= 64; };
  switch (I.getOpcode()) {
    case Instruction::ZExt: return narrow_int(t) && narrow_int(st) ? x : nullptr;
    case Instruction::IntToPtr: return narrow_int(st) ? x : nullptr;
    case Instruction::PtrToInt: return t->isIntegerTy(64) ? x : nullptr;
    case Instruction::AddrSpaceCast: return x;
    case Instruction::BitCast: case Instruction::Freeze:
      return (narrow_int(t) || t->isPointerTy() || t->isFloatTy() || t->isDoubleTy()) && !st->isVectorTy() ? x : nullptr;
    default: return nullptr;
  }
}

// Instructions whose code reads every operand before it writes the result, so that the
// result may share a slot with an operand.
bool reads_before_write(const Instruction& I) {
  Type* t = I.getType();
  if (t->isIntegerTy() && t->getIntegerBitWidth() > 64) return false;
  if (isa<BinaryOperator>(I) || I.getOpcode() == Instruction::FNeg) return true;
  if (auto* call = dyn_cast<IntrinsicInst>(&I))
    return call->getIntrinsicID() == Intrinsic::fma || call->getIntrinsicID() == Intrinsic::fmuladd;
  return false;
}

// A GEP as base + index * scale + offset (Address), when it has at most one variable index
// and that index is 64 bits wide. Not inlined: gep_info is cheaper with the call (callgrind).
[[gnu::noinline]] bool decompose_gep(const GetElementPtrInst& g, const DataLayout& dl, StrideCache& stride,
                                     Address& out) {
  if (g.getType()->isVectorTy()) return false;
  out = Address{g.getPointerOperand(), nullptr, 0, 0};
  for (gep_type_iterator it = gep_type_begin(g), end = gep_type_end(g); it != end; ++it) {
    const Value* idx = it.getOperand();
    if (StructType* st = it.getStructTypeOrNull()) {
      out.offset += dl.getStructLayout(st)->getElementOffset(cast<ConstantInt>(idx)->getZExtValue());
      continue;
    }
    if (idx->getType()->getScalarSizeInBits() > 64) return false;
    uint64_t scale = stride(it);
    if (auto* ci = dyn_cast<ConstantInt>(idx)) {
      out.offset += static_cast<uint64_t>(ci->getSExtValue()) * scale;
      continue;
    }
    if (out.index || !idx->getType()->isIntegerTy(64) || scale > UINT32_MAX) return false;
    out.index = idx, out.scale = scale;
  }
  return true;
}

}  // namespace

// The lane every defined lane of a shuffle reads (a splat), or -1.
int splat_lane(const ShuffleVectorInst& sv) {
  int lane = -1;
  for (int m : sv.getShuffleMask()) {
    if (m < 0) continue;
    if (lane >= 0 && m != lane) return -1;
    lane = m;
  }
  return lane;
}

// The scalar a splat broadcasts when its lane comes from an insertelement at a constant index.
const Value* splat_scalar(const ShuffleVectorInst& sv) {
  int lane = splat_lane(sv);
  auto* st = cast<FixedVectorType>(sv.getOperand(0)->getType());
  if (lane < 0 || uint32_t(lane) >= st->getNumElements()) return nullptr;
  auto* ie = dyn_cast<InsertElementInst>(sv.getOperand(0));
  if (!ie) return nullptr;
  auto* ci = dyn_cast<ConstantInt>(ie->getOperand(2));
  if (!ci || ci->getZExtValue() != uint64_t(lane)) return nullptr;
  return ie->getOperand(1);
}

// A shuffle whose defined lanes are consecutive lanes of one source, starting at lane 0:
// source operand, byte offset in it, lanes up to the last defined one.
bool slice_of(const ShuffleVectorInst& sv, int& src, uint32_t& from, uint32_t& k) {
  auto* st = cast<FixedVectorType>(sv.getOperand(0)->getType());
  auto* vt = cast<FixedVectorType>(sv.getType());
  uint32_t n = vt->getNumElements(), nin = st->getNumElements();
  uint32_t eb = elem_bytes(elem_kind(vt->getElementType()));
  ArrayRef<int> mask = sv.getShuffleMask();
  src = -1, k = 0;
  int64_t start = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (mask[i] < 0) continue;
    int which = uint32_t(mask[i]) >= nin;
    int64_t s0 = int64_t(mask[i]) - which * int64_t(nin) - i;
    if (src < 0) src = which, start = s0;
    if (which != src || s0 != start) return false;
    k = i + 1;
  }
  if (src < 0 || start < 0 || start + k > nin) return false;
  from = uint32_t(start) * eb;
  return true;
}

// An insertelement whose only use is a splat of the lane it writes is not emitted.
const ShuffleVectorInst* folded_into_splat(const InsertElementInst& ie) {
  if (!ie.hasOneUse()) return nullptr;
  auto* sv = dyn_cast<ShuffleVectorInst>(*ie.user_begin());
  if (!sv || sv->getParent() != ie.getParent() || sv->getOperand(0) != &ie || sv->getOperand(1) == &ie ||
      !splat_scalar(*sv))
    return nullptr;
  return sv;
}

// A compare that feeds only the branch right after it is fused into the branch.
bool fusable_compare(const BranchInst& br) {
  auto* cmp = dyn_cast<ICmpInst>(br.getCondition());
  if (!cmp || !cmp->hasOneUse() || cmp->getParent() != br.getParent()) return false;
  Type* t = cmp->getOperand(0)->getType();
  if (!t->isIntegerTy() && !t->isPointerTy()) return false;
  if (t->isIntegerTy() && t->getIntegerBitWidth() > 64) return false;
  return icmp_op(cmp->getPredicate(), int_width(t), true) != OP_COUNT;
}

// The branch an icmp fuses into (its only use, in the same block), or null.
const BranchInst* fused_branch(const ICmpInst& c) {
  if (!c.hasOneUse()) return nullptr;
  auto* br = dyn_cast<BranchInst>(*c.user_begin());
  if (!br || !br->isConditional() || br->getCondition() != &c || !fusable_compare(*br)) return nullptr;
  return br;
}

Translator::GepInfo& Translator::gep_info(const GetElementPtrInst& g) {
  auto [it, inserted] = geps_.try_emplace(&g);
  if (inserted) it->second.decomposed = decompose_gep(g, DL_, stride_, it->second.a);
  return it->second;
}

// A GEP is not materialized when every user takes the address itself: loads and stores of
// the fused kinds in the same block, and constant-offset GEPs on top of it that fold too; or
// ignores it (a prefetch).
bool Translator::folds(const GetElementPtrInst& g) {
  GepInfo* gi = &gep_info(g);
  if (gi->folds >= 0) return gi->folds;
  size_t known = geps_.size();
  bool ok = gi->decomposed && !g.use_empty();
  for (const User* u : g.users()) {
    if (!ok) break;
    auto* ui = dyn_cast<Instruction>(u);
    if (!ui || ui->getParent() != g.getParent()) {
      ok = false;
    } else if (auto* g2 = dyn_cast<GetElementPtrInst>(ui)) {  // a constant offset on top
      const GepInfo& g2i = gep_info(*g2);  // before folds(*g2), which may grow the map
      ok = g2->getPointerOperand() == &g && g2i.decomposed && !g2i.a.index && folds(*g2);
    } else if (auto* pf = dyn_cast<IntrinsicInst>(ui); pf && pf->getIntrinsicID() == Intrinsic::prefetch) {
      ok = true;  // tier 0 drops prefetches: their addresses need no computing
    } else {
      ok = fusable_access(ui, &g, DL_);
    }
  }
  if (geps_.size() != known) gi = &geps_.find(&g)->second;  // the recursion grew the map
  gi->folds = ok;
  return ok;
}

// The address operand of a load or store as base + index * scale + offset, through GEPs that
// are not materialized; false when the pointer is simply a slot.
bool Translator::address_of(const Value* ptr, Address& a) {
  auto* g = dyn_cast<GetElementPtrInst>(ptr);
  if (!g || !folds(*g)) return false;
  a = gep_info(*g).a;
  // Outer GEPs of a folded chain add constant offsets only (folds() checks), so the chain has
  // at most one variable index, its root's.
  while (auto* inner = dyn_cast<GetElementPtrInst>(a.base)) {
    if (!folds(*inner)) break;
    const Address& b = gep_info(*inner).a;
    a.base = b.base, a.index = b.index, a.scale = b.scale, a.offset += b.offset;
  }
  return true;
}

// Load and arithmetic fused: a <8 x float> fma (the kernels' dot products) takes one
// multiplicand straight from memory. The load must be the operand's only use, in the same
// block, with nothing between the two that may write memory. Returns the operand (0 or 1).
int Translator::fused_load_operand(const CallBase& fma) {
  auto* vt = dyn_cast<FixedVectorType>(fma.getType());
  if (!vt || !vt->getElementType()->isFloatTy() || vt->getNumElements() != 8) return -1;
  auto* callee = fma.getCalledFunction();
  if (!callee || !(callee->getIntrinsicID() == Intrinsic::fma ||
                   (callee->getIntrinsicID() == Intrinsic::fmuladd && fma_target_)))
    return -1;
  for (int op = 0; op < 2; op++) {
    auto* l = dyn_cast<LoadInst>(fma.getArgOperand(op));
    if (!l || !l->isSimple() || !l->hasOneUse() || l->getParent() != fma.getParent() ||
        l->getType() != vt || (op == 1 && fma.getArgOperand(0) == l))
      continue;
    bool writes = false;
    for (const Instruction* i = l->getNextNode(); i != &fma && !writes; i = i->getNextNode())
      writes = i->mayWriteToMemory();
    if (!writes) return op;
  }
  return -1;
}

const Instruction* Translator::load_fused_into(const LoadInst& l) {
  if (!l.hasOneUse()) return nullptr;
  auto* call = dyn_cast<CallBase>(*l.user_begin());
  if (!call || !isa<IntrinsicInst>(call)) return nullptr;
  int op = fused_load_operand(*call);
  return op >= 0 && call->getArgOperand(op) == &l ? call : nullptr;
}

// Where an instruction's operands are read: fused instructions read them at the
// instruction(s) they are fused into.
void Translator::read_points(const Instruction* I, SmallVectorImpl<const Instruction*>& out) {
  if (auto* g = dyn_cast<GetElementPtrInst>(I); g && folds(*g)) {
    for (const User* u : g->users()) read_points(cast<Instruction>(u), out);
    return;
  }
  if (auto* l = dyn_cast<LoadInst>(I))
    if (const Instruction* user = load_fused_into(*l)) return read_points(user, out);
  if (auto* c = dyn_cast<ICmpInst>(I))
    if (const BranchInst* br = fused_branch(*c)) return out.push_back(br);
  if (auto* ie = dyn_cast<InsertElementInst>(I))
    if (const ShuffleVectorInst* sv = folded_into_splat(*ie)) return out.push_back(sv);
  out.push_back(I);
}

const Instruction* Translator::emitted_at(const Instruction* I) {
  SmallVector<const Instruction*, 4> points;
  read_points(I, points);
  return points.size() == 1 ? points[0] : nullptr;
}

// Single-block loops: a value carried to the next iteration through a phi shares the phi's
// slot when nothing reads the phi after that value is computed, so the back-edge moves
// nothing. Returns value -> phi.
DenseMap<const Instruction*, const PHINode*> Translator::coalesce_loop_values() {
  DenseMap<const Instruction*, const PHINode*> out;
  for (const BasicBlock& bb : F_) {
    if (!is_contained(successors(&bb), &bb)) continue;
    for (const PHINode& phi : bb.phis()) {
      auto* v = dyn_cast<Instruction>(phi.getIncomingValueForBlock(&bb));
      if (!v || v->getParent() != &bb || isa<PHINode>(v) || out.count(v) || isa<GetElementPtrInst>(v) || emitted_at(v) != v ||
          !reads_before_write(*v) || v->getType() != phi.getType())
        continue;
      bool ok = true;
      for (const User* u : phi.users()) {
        auto* ui = dyn_cast<Instruction>(u);
        if (!ui || isa<PHINode>(ui)) {
          ok = false;
          break;
        }
        SmallVector<const Instruction*, 4> points;
        read_points(ui, points);
        for (const Instruction* at : points)
          if (at->getParent() != &bb || (at != v && !at->comesBefore(v))) ok = false;
        if (!ok) break;
      }
      if (ok) out[v] = &phi;
    }
  }
  return out;
}

// Values that are another value's bytes take its slot instead of a move (aliases), when
// the source's slot holds nothing else while the alias is live: not a phi (edge moves and
// a coalesced value overwrite its slot), not a fused value (its slot is never written).
// - slices of a vector: lanes past the slice are poison, so reading past the source's
//   bytes is harmless;
// - casts that leave a slot's bytes as they are (zext, inttoptr, ptrtoint to 64 bits,
//   bitcast of scalars, freeze): integers sit zero-extended in their slots.
// Blocks go in reverse post-order, so that a source that is itself an alias has its slot.
void Translator::assign_aliases() {
  SmallVector<std::pair<uint32_t, const Instruction*>, 8> aliased;  // value_slots index
  std::vector<uint32_t> first_value(blocks_.size());  // value_slots index of each block's first
  for (uint32_t b = 0, at = F_.arg_size(); b < blocks_.size(); b++) first_value[b] = at, at += blocks_[b]->size();
  for (uint32_t b : rpo_order_) {
    uint32_t index = first_value[b];
    for (const Instruction& I : *blocks_[b]) {
      uint32_t at = index++;
      const Value* v = nullptr;
      uint32_t from = 0;
      if (auto* sv = dyn_cast<ShuffleVectorInst>(&I)) {
        int src;
        uint32_t k;
        if (!slice_of(*sv, src, from, k)) continue;
        v = sv->getOperand(src);
      } else if (const Value* x = same_bytes_cast(I)) {
        v = x;
      } else {
        continue;
      }
      auto* vi = dyn_cast<Instruction>(v);
      if (isa<PHINode>(v) || (vi && emitted_at(vi) != vi) ||
          (!vi && !isa<Argument>(v) && !isa<Constant>(v)))
        continue;
      current_ = &I;
      slots_[&I] = val(v) + from;
      if (isa<ShuffleVectorInst>(I)) aliases_.insert(cast<ShuffleVectorInst>(&I));
      aliased.push_back({at, &I});
    }
  }
  for (auto [index, inst] : aliased) code_->value_slots[index] = slots_.lookup(inst);
}

}  // namespace bf::vm
