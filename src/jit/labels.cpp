// Labels as values in compiled code. Tier 0 gives block b of function k the address
// block_tokens(k) + b (vm/machine.h), and the program's globals (a computed goto's label table)
// hold those values; compiled code must use the same ones, so that either tier can jump
// through a label the other took. A blockaddress becomes __bf_b<k> + b (symbols.h), and an
// indirectbr a switch over the address's offset from __bf_b<k>.
#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/SmallPtrSet.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Instructions.h>

#include <algorithm>

#include "jit/prepare.h"
#include "jit/symbols.h"

namespace bf::jit {

using namespace llvm;

void lower_labels(Function& f, uint32_t k, std::vector<Value*>* osr_values) {
  LLVMContext& ctx = f.getContext();
  Type* i8 = Type::getInt8Ty(ctx);
  Type* i64 = Type::getInt64Ty(ctx);
  Constant* base = nullptr;
  auto tokens = [&] {
    if (!base) {
      auto* g = cast<GlobalVariable>(f.getParent()->getOrInsertGlobal(symbols::block_tokens(k), i8));
      g->setDSOLocal(false);
      base = g;
    }
    return base;
  };
  DenseMap<const BasicBlock*, uint64_t> index;
  std::vector<IndirectBrInst*> jumps;
  uint64_t b = 0;
  for (BasicBlock& bb : f) {
    index[&bb] = b;
    if (BlockAddress* ba = BlockAddress::lookup(&bb)) {
      ba->replaceAllUsesWith(ConstantExpr::getGetElementPtr(i8, tokens(), ConstantInt::get(i64, b)));
      ba->destroyConstant();
    }
    if (auto* ib = dyn_cast<IndirectBrInst>(bb.getTerminator())) jumps.push_back(ib);
    b++;
  }
  for (IndirectBrInst* ib : jumps) {
    BasicBlock* from = ib->getParent();
    IRBuilder<> builder(ib);
    Value* offset = builder.CreateSub(builder.CreatePtrToInt(ib->getAddress(), i64),
                                      builder.CreatePtrToInt(tokens(), i64));
    // An address that is none of the destinations is undefined behaviour, as it is natively.
    BasicBlock* none = BasicBlock::Create(ctx, "", &f);
    new UnreachableInst(ctx, none);
    SwitchInst* sw = builder.CreateSwitch(offset, none, ib->getNumDestinations());
    SmallPtrSet<BasicBlock*, 16> seen;
    for (BasicBlock* to : ib->successors()) {
      if (seen.insert(to).second) sw->addCase(ConstantInt::get(cast<IntegerType>(i64), index[to]), to);
      else to->removePredecessor(from, true);  // a switch names each destination once
    }
    if (osr_values) std::replace(osr_values->begin(), osr_values->end(), static_cast<Value*>(ib), static_cast<Value*>(sw));
    ib->eraseFromParent();
  }
}

}  // namespace bf::jit
