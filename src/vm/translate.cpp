// The translator's driver: containers sized from a first count, the frame laid out (frame.h),
// every instruction handed to its family (translator.h lists the files), jumps resolved.
#include <llvm/Support/Error.h>
#include <llvm/IR/Operator.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <cstring>

#include "vm/translator.h"

namespace bf::vm {

using namespace llvm;

std::string text_of(const Value* v) {
  std::string s;
  raw_string_ostream os(s);
  v->print(os);
  size_t start = s.find_first_not_of(' ');
  return start == std::string::npos ? s : s.substr(start);
}

uint32_t Translator::slot_bytes_other(Type* t) {
  if (t->isIntegerTy()) {
    unsigned w = t->getIntegerBitWidth();
    if (w > 512) unsupported("integer type wider than 512 bits");
    return w > 64 ? (w + 63) / 64 * 8 : 8;
  }
  if (t->isFloatTy() || t->isDoubleTy() || t->isPointerTy() || t->isHalfTy()) return 8;
  if (t->isX86_FP80Ty() || t->isFP128Ty()) return 16;
  if (auto* vt = dyn_cast<FixedVectorType>(t)) {
    // Lanes of half and bfloat are held (loaded, stored, moved, bitcast, given to x86
    // intrinsics such as vdpbf16ps) but not computed on: arithmetic on them is refused.
    Type* et = vt->getElementType();
    uint32_t eb = et->isHalfTy() || et->isBFloatTy() ? 2 : elem_bytes(elem_kind(et));
    return round_up(vt->getNumElements() * eb, 8);
  }
  if (t->isStructTy() || t->isArrayTy()) return round_up(DL_.getTypeAllocSize(t), 8);
  if (t->isVoidTy()) return 0;
  std::string s;
  raw_string_ostream os(s);
  t->print(os);
  unsupported("type " + s);
}

uint32_t Translator::val_other(const Value* v) {
  if (isa<MetadataAsValue>(v)) return 0;
  unsupported("operand " + text_of(v));
}

void Translator::write_frame_constant(const Constant* c, uint8_t* dst) {
  // The common scalars directly (the pool is zeroed, and slots hold integers zero-extended).
  if (auto* ci = dyn_cast<ConstantInt>(c); ci && ci->getType()->isIntegerTy() && ci->getBitWidth() <= 64) {
    uint64_t v = ci->getZExtValue();
    memcpy(dst, &v, 8);
    return;
  }
  if (auto* gv = dyn_cast<GlobalValue>(c); gv && !isa<GlobalAlias>(gv)) {
    if (void* p = m_.address_of(gv)) {
      memcpy(dst, &p, 8);
      return;
    }
  }
  Type* t = c->getType();
  if (auto* vt = dyn_cast<FixedVectorType>(t)) {
    ElemKind k = elem_kind(vt->getElementType());
    uint32_t eb = elem_bytes(k);
    for (unsigned i = 0; i < vt->getNumElements(); i++) {
      Constant* e = c->getAggregateElement(i);
      if (!e) unsupported("vector constant " + text_of(c));
      uint8_t tmp[8] = {};
      write_frame_constant(e, tmp);
      memcpy(dst + i * eb, tmp, eb);
    }
    return;
  }
  std::string error;
  if (!m_.store_constant(c, dst, error)) unsupported(error);
}

uint32_t Translator::new_const_slot(const Constant* c) {
  uint32_t bytes = slot_bytes(c->getType());
  uint32_t off = new_slot(bytes);
  uint32_t rel = off - kConstBase;
  if (pool_.size() < rel + bytes) pool_.resize(std::max<size_t>(rel + bytes, 2 * pool_.size()), 0);
  pool_end_ = std::max(pool_end_, rel + bytes);
  if (!isa<ConstantData>(c) && c->isThreadDependent()) add_thread_local_constant(c, off);
  else write_frame_constant(c, pool_.data() + rel);
  const_slots_[c] = off;
  return off;
}

// A thread-local global, or a constant offset from one, as a pointer: the pool leaves it zero
// and every entry writes the running thread's address (write_thread_locals).
void Translator::add_thread_local_constant(const Constant* c, uint32_t slot) {
  APInt offset(64, 0);
  const Value* base = c->getType()->isPointerTy()
                          ? c->stripAndAccumulateConstantOffsets(DL_, offset, /*AllowNonInbounds=*/true)
                          : nullptr;
  auto* g = dyn_cast_or_null<GlobalVariable>(base);
  void* control = g ? m_.thread_locals.lookup(g) : nullptr;
  if (!control) unsupported("constant over a thread-local global: " + text_of(c));
  code_->thread_locals.push_back({slot, control, offset.getZExtValue()});
}

void Translator::translate_inst(const Instruction& I, uint32_t d) {
  current_ = &I;
  switch (I.getOpcode()) {
    case Instruction::Add: case Instruction::Sub: case Instruction::Mul: case Instruction::And:
    case Instruction::Or: case Instruction::Xor: case Instruction::Shl: case Instruction::LShr:
    case Instruction::AShr: case Instruction::UDiv: case Instruction::SDiv: case Instruction::URem:
    case Instruction::SRem: case Instruction::FAdd: case Instruction::FSub: case Instruction::FMul:
    case Instruction::FDiv: case Instruction::FRem:
      return translate_binop(I, d);
    case Instruction::FNeg: return translate_fneg(I, d);
    case Instruction::ICmp: return translate_icmp(cast<ICmpInst>(I), d);
    case Instruction::FCmp: return translate_fcmp(cast<FCmpInst>(I), d);
    case Instruction::Trunc: case Instruction::ZExt: case Instruction::SExt:
    case Instruction::FPTrunc: case Instruction::FPExt: case Instruction::FPToSI:
    case Instruction::FPToUI: case Instruction::SIToFP: case Instruction::UIToFP:
    case Instruction::PtrToInt: case Instruction::IntToPtr: case Instruction::BitCast:
    case Instruction::AddrSpaceCast:
      return translate_cast(I, d);
    case Instruction::Select: return translate_select(cast<SelectInst>(I), d);
    case Instruction::Load: return translate_load(cast<LoadInst>(I), d);
    case Instruction::Store: return translate_store(cast<StoreInst>(I));
    case Instruction::GetElementPtr: return translate_gep(cast<GetElementPtrInst>(I), d);
    case Instruction::Alloca: return translate_alloca(cast<AllocaInst>(I), d);
    case Instruction::PHI: return;  // lowered to moves on the edges
    case Instruction::Br: return translate_br(cast<BranchInst>(I));
    case Instruction::Switch: return translate_switch(cast<SwitchInst>(I));
    case Instruction::IndirectBr: return translate_indirectbr(cast<IndirectBrInst>(I));
    case Instruction::Ret: return translate_ret(cast<ReturnInst>(I));
    case Instruction::Unreachable: emit(OP_UNREACHABLE); return;
    case Instruction::Call: return translate_call(cast<CallBase>(I), d);
    case Instruction::Invoke: return translate_invoke(cast<InvokeInst>(I), d);
    case Instruction::LandingPad: return;  // written by the invokes that unwind to it
    case Instruction::Resume: {
      Inst& in = emit(OP_RESUME);
      in.a = val(I.getOperand(0));
      return;
    }
    case Instruction::ExtractValue: return translate_extract_value(cast<ExtractValueInst>(I), d);
    case Instruction::InsertValue: return translate_insert_value(cast<InsertValueInst>(I), d);
    case Instruction::ExtractElement: return translate_extract_element(cast<ExtractElementInst>(I), d);
    case Instruction::InsertElement: return translate_insert_element(cast<InsertElementInst>(I), d);
    case Instruction::ShuffleVector: return translate_shuffle(cast<ShuffleVectorInst>(I), d);
    case Instruction::Freeze: emit_move(d, val(I.getOperand(0)), slot_bytes(I.getType())); return;
    case Instruction::AtomicRMW: return translate_atomic_rmw(cast<AtomicRMWInst>(I), d);
    case Instruction::AtomicCmpXchg: return translate_cmpxchg(cast<AtomicCmpXchgInst>(I), d);
    case Instruction::Fence: emit(OP_FENCE); return;
    case Instruction::VAArg: unsupported("va_arg instruction");
    default: unsupported("instruction");
  }
}

// Counts first, so that no container grows during translation (growing them copied ~5% of
// translation's instructions); block indices and dominators; then the constant pool, so that
// it is one contiguous block at kConstBase.
void Translator::size_and_pool_constants() {
  size_t num_insts = 0, num_calls = 0, num_words = 0, num_succs = 0;
  for (const BasicBlock& bb : F_) {
    num_insts += bb.size();
    num_succs += bb.getTerminator() ? bb.getTerminator()->getNumSuccessors() : 0;
  }
  block_index_.reserve(F_.size());
  block_start_.reserve(F_.size());
  slots_.reserve(num_insts + F_.arg_size());
  const_slots_.reserve(num_insts);
  unsigned bi = 0;
  for (const BasicBlock& bb : F_) block_index_[&bb] = bi++;
  code_->num_blocks = bi;
  compute_dominators();
  frame_top_ = kConstBase;
  for (const BasicBlock& bb : F_)
    for (const Instruction& I : bb) {
      auto* call = dyn_cast<CallBase>(&I);
      current_ = &I;
      if (call) num_calls++, num_words += 2 * call->arg_size();
      for (const Use& u : I.operands()) {
        auto* c = dyn_cast<Constant>(u.get());
        if (!c || (call && &u == &call->getCalledOperandUse())) continue;
        if (isa<SwitchInst>(I) && u.getOperandNo() > 0) continue;
        const_slot(c);
      }
    }
  code_->insts.reserve(num_insts + num_succs + 8);
  code_->calls.reserve(num_calls);
  code_->edges.reserve(num_succs + 1);
  code_->value_slots.reserve(num_insts + F_.arg_size());
  fixups_.reserve(num_succs);
  code_->call_words.reset(new uint32_t[num_words]);
  words_next_ = code_->call_words.get(), words_end_ = words_next_ + num_words;
}

// Parameters after the constants, each in its own slot.
void Translator::lay_out_parameters() {
  uint32_t const_end = round_up(frame_top_, kFrameAlign);
  frame_top_ = const_end;
  pool_end_ = const_end - kConstBase;
  if (pool_.size() < pool_end_) pool_.resize(pool_end_, 0);
  for (const Argument& a : F_.args()) {
    uint32_t bytes = slot_bytes(a.getType());
    uint32_t s = new_slot(bytes);
    slots_[&a] = s;
    code_->param_slots.push_back(s);
    code_->param_sizes.push_back(bytes);
    uint64_t byval = 0;
    if (a.hasByValAttr()) byval = DL_.getTypeAllocSize(a.getParamByValType());
    if (byval > (uint64_t(1) << 30)) unsupported("by-value argument larger than 1 GiB");
    code_->param_byval.push_back(static_cast<uint32_t>(byval));
    if (bytes != 8 || byval) code_->params_plain = false;
    code_->param_byval_align.push_back(a.getParamAlign().valueOrOne().value());
  }
}

// A slot for every value, in function order (Code::value_slots); loop-carried values share
// their phi's (coalesce_loop_values).
void Translator::assign_value_slots() {
  DenseMap<const Instruction*, const PHINode*> coalesced = coalesce_loop_values();
  for (const Argument& a : F_.args()) code_->value_slots.push_back(slots_.lookup(&a));
  for (const BasicBlock& bb : F_)
    for (const Instruction& I : bb) {
      current_ = &I;
      if (I.getType()->isVoidTy()) {
        code_->value_slots.push_back(Code::kNoSlot);
        continue;
      }
      auto it = coalesced.find(&I);
      uint32_t slot = it != coalesced.end() ? slots_.lookup(it->second) : new_slot(slot_bytes(I.getType()));
      slots_[&I] = slot;
      code_->value_slots.push_back(slot);
    }
}

// Static allocas get no frame space of their own: ALLOCA bumps the stack. (Simple and
// correct for allocas in loops too.) Each instruction's slot comes from value_slots.
void Translator::translate_blocks() {
  const uint32_t* slot_of = code_->value_slots.data() + F_.arg_size();
  for (const BasicBlock& bb : F_) {
    block_start_[&bb] = here();
    for (const Instruction& I : bb) {
      uint32_t slot = *slot_of++;
      translate_inst(I, slot == Code::kNoSlot ? 0 : slot);
    }
  }
}

// The pool and frame size final, handler addresses in place of opcodes, counters zeroed.
Code* Translator::finish() {
  pool_.resize(pool_end_);
  code_->constants = std::move(pool_);
  code_->frame_size = round_up(frame_top_, kFrameAlign);
  for (Inst& in : code_->insts) {
    uintptr_t op = reinterpret_cast<uintptr_t>(in.op);
    if (op == OP_SHUFFLE) in.ptr = code_->aux.data() + in.imm;
    in.op = labels_[op];
  }
  size_t n = code_->edges.size();
  code_->counters.reset(new std::atomic<uint64_t>[n]);
  for (size_t i = 0; i < n; i++) code_->counters[i].store(0, std::memory_order_relaxed);
  if (m_.osr_wait) arm_loop_probes(*code_);
  return code_.release();
}

Code* Translator::run(std::string& error) {
  try {
    fma_target_ = F_.getFnAttribute("target-features").getValueAsString().contains("+fma");
    code_->ret_size = slot_bytes(F_.getReturnType());
    if (code_->ret_size > kResultBytes) unsupported("return value larger than 64 bytes");
    code_->edges.push_back({0, 0, 0, false});  // counter 0: scratch for jumps not counted
    size_and_pool_constants();
    lay_out_parameters();
    assign_value_slots();
    assign_aliases();
    translate_blocks();
    resolve_jumps();
  } catch (const Unsupported& u) {
    error = "function '" + F_.getName().str() + "': unsupported " + u.what;
    if (current_) error += ": " + text_of(current_);
    return nullptr;
  }
  return finish();
}

Code* Machine::translate(Function* f, std::string& error) {
  if (f->ir->isMaterializable()) {  // a lazily loaded module: read the body now
    if (Error e = f->ir->materialize()) {
      error = "function '" + f->name + "': cannot read its body (" + toString(std::move(e)) + ")";
      return nullptr;
    }
  }
  Translator t(*this, f);
  return t.run(error);
}

Code* Machine::try_code_for(Function* f, std::string& error) {
  std::lock_guard<std::mutex> lock(translate_mutex);
  if (Code* c = f->code.load(std::memory_order_acquire)) return c;
  Code* c = translate(f, error);
  if (c) f->code.store(c, std::memory_order_release);
  return c;
}

Code* Machine::code_for(Function* f) {
  std::string error;
  Code* c = try_code_for(f, error);
  if (!c) fatal(error);
  return c;
}

void arm_loop_probes(Code& code) {
  for (uint32_t i = 0; i < code.num_loops; i++) {
    LoopEntry& l = code.loops[i];
    if (l.armed.exchange(true)) continue;
    // The interpreter reads these fields while it runs: each is one aligned 32-bit store.
    for (JumpSite site : l.sites) {
      uint32_t& target = code.insts[site.inst].field(site.field);
      std::atomic_ref<uint32_t>(target).store(l.probe, std::memory_order_release);
    }
  }
}

}  // namespace bf::vm
