// On-stack replacement: a continuation of a function that starts at one of its loop headers
// with the values an interpreter frame holds there.
//
// The interpreter reaches a loop header's probe after the back-edge's phi moves, so at that
// point the frame's slots hold the header's phis and every value defined before the loop. The
// continuation is a copy of the function with a new entry block that loads, from the frame,
// the header's phis and each value that dominates the header and is used past it, then jumps
// to the header; blocks the header cannot reach are dropped. A value that dominates the header
// but is recomputed inside the region (a header of an enclosing loop) gets both definitions
// merged by SSAUpdater. Returns store the result at frame[0] in the interpreter's slot format.
#include "jit/osr.h"

#include <llvm/ADT/SmallPtrSet.h>
#include <llvm/IR/CFG.h>
#include <llvm/IR/Dominators.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/InstIterator.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Transforms/Utils/BasicBlockUtils.h>
#include <llvm/Transforms/Utils/Cloning.h>
#include <llvm/Transforms/Utils/SSAUpdater.h>

#include "vm/code.h"

namespace bf::jit {

using namespace llvm;

namespace {

std::string type_text(Type* t) {
  std::string s;
  raw_string_ostream os(s);
  t->print(os);
  return s;
}

bool plain_vector_element(Type* e) {
  if (e->isFloatTy() || e->isDoubleTy() || e->isPointerTy()) return true;
  if (!e->isIntegerTy()) return false;
  unsigned w = e->getIntegerBitWidth();
  return w == 8 || w == 16 || w == 32 || w == 64;
}

// Reads a value of type t from a frame slot (integers zero-extended to whole 64-bit words,
// floats in the low 4 bytes, i1 vector elements one byte each, aggregates in memory layout).
Value* load_slot(IRBuilder<>& b, Type* t, Value* slot, std::string& error) {
  if (t->isIntegerTy()) {
    unsigned w = t->getIntegerBitWidth();
    Type* word = b.getIntNTy((w + 63) / 64 * 64);
    Value* v = b.CreateAlignedLoad(word, slot, Align(8));
    return w == word->getIntegerBitWidth() ? v : b.CreateTrunc(v, t);
  }
  // x86_fp80: its 10 bytes at the start of a 16-byte slot, as memory holds it.
  if (t->isFloatTy() || t->isDoubleTy() || t->isPointerTy() || t->isX86_FP80Ty())
    return b.CreateAlignedLoad(t, slot, Align(8));
  if (auto* vt = dyn_cast<FixedVectorType>(t)) {
    Type* e = vt->getElementType();
    if (e->isIntegerTy(1)) {
      auto* bytes = FixedVectorType::get(b.getInt8Ty(), vt->getNumElements());
      return b.CreateTrunc(b.CreateAlignedLoad(bytes, slot, Align(8)), vt);
    }
    if (plain_vector_element(e)) return b.CreateAlignedLoad(t, slot, Align(8));
  }
  if (t->isStructTy() || t->isArrayTy()) return b.CreateAlignedLoad(t, slot, Align(8));
  error = "a value of type " + type_text(t) + " is live at the loop header";
  return nullptr;
}

// Writes v to a frame slot in the same format.
bool store_slot(IRBuilder<>& b, Value* v, Value* slot, std::string& error) {
  Type* t = v->getType();
  if (t->isIntegerTy()) {
    unsigned w = t->getIntegerBitWidth();
    Type* word = b.getIntNTy((w + 63) / 64 * 64);
    b.CreateAlignedStore(w == word->getIntegerBitWidth() ? v : b.CreateZExt(v, word), slot, Align(8));
    return true;
  }
  if (t->isFloatTy()) {
    b.CreateAlignedStore(b.CreateZExt(b.CreateBitCast(v, b.getInt32Ty()), b.getInt64Ty()), slot, Align(8));
    return true;
  }
  if (t->isDoubleTy() || t->isPointerTy() || t->isX86_FP80Ty() || t->isStructTy() || t->isArrayTy()) {
    b.CreateAlignedStore(v, slot, Align(8));
    return true;
  }
  if (auto* vt = dyn_cast<FixedVectorType>(t)) {
    Type* e = vt->getElementType();
    if (e->isIntegerTy(1)) {
      b.CreateAlignedStore(b.CreateZExt(v, FixedVectorType::get(b.getInt8Ty(), vt->getNumElements())), slot, Align(8));
      return true;
    }
    if (plain_vector_element(e)) {
      b.CreateAlignedStore(v, slot, Align(8));
      return true;
    }
  }
  error = "returns a value of type " + type_text(t);
  return false;
}

}  // namespace

Function* build_osr_continuation(Function& f, ArrayRef<Value*> values, ArrayRef<BasicBlock*> blocks,
                                 const vm::Code& code, uint32_t loop, const std::string& name,
                                 std::string& error) {
  LLVMContext& ctx = f.getContext();
  if (f.isVarArg()) {
    error = std::string(kOsrUnsupported) + "variadic functions";
    return nullptr;
  }
  if (values.size() != code.value_slots.size() || loop >= code.num_loops) {
    error = "the function does not match its tier-0 code";
    return nullptr;
  }
  const uint32_t header_index = code.loops[loop].header_block;
  if (header_index >= blocks.size()) {
    error = "the loop header is out of range";
    return nullptr;
  }
  BasicBlock* header = blocks[header_index];
  if (header->isEHPad()) {
    // Only an unwind edge may enter a landing pad.
    error = std::string(kOsrUnsupported) + "loops whose header is a landing pad";
    return nullptr;
  }
  for (Instruction& inst : instructions(f))
    if (auto* ii = dyn_cast<IntrinsicInst>(&inst))
      if (ii->getIntrinsicID() == Intrinsic::stacksave || ii->getIntrinsicID() == Intrinsic::stackrestore ||
          ii->getIntrinsicID() == Intrinsic::vastart) {
        // The interpreter's stack and va_list are not the native ones.
        error = std::string(kOsrUnsupported) + "functions that save and restore the stack pointer";
        return nullptr;
      }

  // The region the continuation runs: every block the header reaches.
  SmallPtrSet<BasicBlock*, 32> region;
  std::vector<BasicBlock*> work{header};
  region.insert(header);
  while (!work.empty()) {
    BasicBlock* bb = work.back();
    work.pop_back();
    for (BasicBlock* s : successors(bb))
      if (region.insert(s).second) work.push_back(s);
  }
  DominatorTree dom(f);

  Type* ptr = PointerType::getUnqual(ctx);
  Function* g = Function::Create(FunctionType::get(Type::getVoidTy(ctx), {ptr}, false),
                                 GlobalValue::ExternalLinkage, name, f.getParent());
  Argument* frame = g->getArg(0);
  frame->setName("frame");
  BasicBlock* entry = BasicBlock::Create(ctx, "osr.entry", g);
  IRBuilder<> b(entry);
  auto slot_ptr = [&](uint32_t slot) { return b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), frame, slot); };

  // Arguments come from their slots too; CloneFunctionInto maps them to these loads.
  ValueToValueMapTy vmap;
  for (Argument& a : f.args()) {
    Value* v = load_slot(b, a.getType(), slot_ptr(code.value_slots[a.getArgNo()]), error);
    if (!v) return g->eraseFromParent(), nullptr;
    vmap[&a] = v;
  }
  SmallVector<ReturnInst*, 8> returns;
  CloneFunctionInto(g, &f, vmap, CloneFunctionChangeType::LocalChangesOnly, returns);
  g->setAttributes(AttributeList::get(ctx, AttributeList::FunctionIndex, f.getAttributes().getFnAttrs()));
  g->setLinkage(GlobalValue::ExternalLinkage);
  g->setDSOLocal(true);
  g->setComdat(nullptr);
  if (f.getEntryCount()) g->setEntryCount(1);  // entered once per activation it takes over

  // Values live at the header: its phis, and what dominates it and is used in the region.
  struct Live {
    Instruction* copy;
    Value* loaded;
    bool recomputed;  // also defined inside the region
  };
  std::vector<Live> live;
  const size_t n_args = f.arg_size();
  for (size_t i = n_args; i < values.size(); i++) {
    auto* inst = dyn_cast<Instruction>(values[i]);
    if (!inst || inst->getType()->isVoidTy()) continue;
    BasicBlock* def = inst->getParent();
    bool header_phi = def == header && isa<PHINode>(inst);
    if (!header_phi) {
      if (def == header || !dom.dominates(def, header)) continue;
      bool used = false;
      for (User* u : inst->users()) {
        auto* ui = dyn_cast<Instruction>(u);
        if (ui && region.count(ui->getParent()) && (ui->getParent() != def || isa<PHINode>(ui))) used = true;
      }
      if (!used) continue;
    }
    uint32_t slot = code.value_slots[i];
    if (slot == vm::Code::kNoSlot) {
      error = "a value live at the loop header has no frame slot";
      return g->eraseFromParent(), nullptr;
    }
    Value* v = load_slot(b, inst->getType(), slot_ptr(slot), error);
    if (!v) return g->eraseFromParent(), nullptr;
    auto* copy = cast<Instruction>(vmap[inst]);
    if (header_phi) cast<PHINode>(copy)->addIncoming(v, entry);
    else live.push_back({copy, v, region.count(def) > 0});
  }
  b.CreateBr(cast<BasicBlock>(vmap[header]));

  // Defined only before the loop: the loaded value replaces it (its block goes below).
  for (Live& l : live)
    if (!l.recomputed) l.copy->replaceAllUsesWith(l.loaded);
  // Keep one-input phis: a Live entry below may be one (an enclosing header loses its preheader).
  EliminateUnreachableBlocks(*g, nullptr, /*KeepOneInputPHIs=*/true);
  // Defined again inside the region (an enclosing loop's header): merge the two.
  for (Live& l : live) {
    if (!l.recomputed) continue;
    SSAUpdater ssa;
    ssa.Initialize(l.copy->getType(), l.copy->getName());
    ssa.AddAvailableValue(entry, l.loaded);
    ssa.AddAvailableValue(l.copy->getParent(), l.copy);
    for (Use& u : make_early_inc_range(l.copy->uses())) {
      auto* user = cast<Instruction>(u.getUser());
      if (user->getParent() == l.copy->getParent() && !isa<PHINode>(user)) continue;
      ssa.RewriteUse(u);
    }
  }

  // Returns leave the result where the interpreter's RET would.
  for (BasicBlock& bb : *g) {
    auto* ret = dyn_cast<ReturnInst>(bb.getTerminator());
    if (!ret) continue;
    IRBuilder<> rb(ret);
    if (Value* v = ret->getReturnValue())
      if (!store_slot(rb, v, frame, error)) return g->eraseFromParent(), nullptr;
    rb.CreateRetVoid();
    ret->eraseFromParent();
  }
  return g;
}

uint64_t loop_entries(const vm::Code& code, uint32_t loop) {
  const uint32_t header = code.loops[loop].header_block;
  uint64_t n = 0;
  for (size_t i = 0; i < code.edges.size(); i++)
    if (code.edges[i].to_block == header && !code.edges[i].back_edge) n += code.counters[i].load(std::memory_order_relaxed);
  return n;
}

}  // namespace bf::jit
