// Step 3 of a compile (see compiler.cpp and prepare.cpp): calls in compiled code go through
// the function table, so that a later tier-up of the callee reaches every caller at once.
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/Transforms/Utils/BasicBlockUtils.h>

#include "jit/prepare.h"
#include "jit/symbols.h"

namespace bf::jit {

using namespace llvm;

void route_direct_calls(Module& mod, ArrayRef<Function*> defs, ArrayRef<Role> roles) {
  Type* ptr = PointerType::getUnqual(mod.getContext());
  for (uint32_t k = 0; k < defs.size(); k++) {
    Function* f = defs[k];
    if (f->use_empty()) continue;
    Function* entry = Function::Create(f->getFunctionType(), GlobalValue::ExternalLinkage, symbols::entry(k), mod);
    entry->setDSOLocal(false);
    f->replaceAllUsesWith(entry);
    GlobalVariable* slot = nullptr;
    for (Use& u : make_early_inc_range(entry->uses())) {
      auto* call = dyn_cast<CallBase>(u.getUser());
      if (!call || !call->isCallee(&u)) continue;
      if (roles[k] != Role::drop) {
        call->setCalledOperand(f);
        continue;
      }
      if (!slot) {
        slot = new GlobalVariable(mod, ptr, false, GlobalValue::ExternalLinkage, nullptr, symbols::slot(k));
        slot->setDSOLocal(false);
      }
      auto* target = new LoadInst(ptr, slot, "", false, Align(8), AtomicOrdering::Unordered, SyncScope::System,
                                  call->getIterator());
      call->setCalledOperand(target);
    }
    if (entry->use_empty()) entry->eraseFromParent();
  }
}

namespace {

// Calls whose target is a value: not direct, not inline assembly, not already a table slot.
std::vector<CallBase*> indirect_calls(ArrayRef<Function*> defs) {
  std::vector<CallBase*> out;
  for (Function* f : defs) {
    if (!f) continue;
    for (BasicBlock& b : *f)
      for (Instruction& inst : b) {
        auto* call = dyn_cast<CallBase>(&inst);
        if (!call || call->getCalledFunction() || call->isInlineAsm()) continue;
        auto* load = dyn_cast<LoadInst>(call->getCalledOperand());
        if (load && symbols::is_slot(load->getPointerOperand()->getName())) continue;
        out.push_back(call);
      }
  }
  return out;
}

}  // namespace

// Each call site caches the resolution of its last target (an interned {target, native cell},
// one word, so that threads never see half of one); a miss asks the table.
void route_indirect_calls(Module& mod, ArrayRef<Function*> defs) {
  std::vector<CallBase*> calls = indirect_calls(defs);
  if (calls.empty()) return;
  LLVMContext& ctx = mod.getContext();
  Type* ptr = PointerType::getUnqual(ctx);
  FunctionCallee resolve = mod.getOrInsertFunction(symbols::kResolve, FunctionType::get(ptr, {ptr}, false));
  auto* decl = cast<Function>(resolve.getCallee());
  decl->setDSOLocal(false);
  decl->addFnAttr(Attribute::NoUnwind);
  auto* none = new GlobalVariable(mod, ptr, true, GlobalValue::ExternalLinkage, nullptr, symbols::kNoTarget);
  none->setDSOLocal(false);
  MDBuilder md(ctx);
  for (CallBase* call : calls) {
    Value* target = call->getCalledOperand();
    auto* cache = new GlobalVariable(mod, ptr, false, GlobalValue::PrivateLinkage, none, "__bf_icache");
    IRBuilder<> b(call);
    LoadInst* cached = b.CreateAlignedLoad(ptr, cache, Align(8));
    cached->setAtomic(AtomicOrdering::Monotonic);
    Value* miss = b.CreateICmpNE(b.CreateAlignedLoad(ptr, cached, Align(8)), target);
    BasicBlock* head = call->getParent();
    Instruction* then = SplitBlockAndInsertIfThen(miss, call->getIterator(), false, md.createUnlikelyBranchWeights());
    IRBuilder<> mb(then);
    Value* fresh = mb.CreateCall(resolve, {target});
    mb.CreateAlignedStore(fresh, cache, Align(8))->setAtomic(AtomicOrdering::Monotonic);
    IRBuilder<> cb(call);
    PHINode* entry = cb.CreatePHI(ptr, 2);
    entry->addIncoming(cached, head);
    entry->addIncoming(fresh, then->getParent());
    // Resolution::native, at offset 8 (static_assert in vm/function_table.h).
    Value* cell = cb.CreateAlignedLoad(ptr, cb.CreateConstInBoundsGEP1_64(cb.getInt8Ty(), entry, 8), Align(8));
    LoadInst* native = cb.CreateAlignedLoad(ptr, cell, Align(8));
    native->setAtomic(AtomicOrdering::Monotonic);  // a tier-up may swap it
    call->setCalledOperand(native);
  }
}

}  // namespace bf::jit
