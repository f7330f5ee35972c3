#include "profile/metadata.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/InstIterator.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/ProfileData/InstrProf.h>

#include <map>

namespace bf::profile {

using namespace llvm;

void attach_counts(Function& f, uint64_t calls, ArrayRef<Edge> edges, InstrProfSummaryBuilder& summary) {
  f.setEntryCount(calls);
  InstrProfRecord record;
  record.Counts.push_back(calls);
  std::vector<BasicBlock*> blocks;
  for (BasicBlock& b : f) blocks.push_back(&b);
  std::map<uint32_t, std::vector<uint64_t>> weights;  // block -> count per successor
  for (const Edge& e : edges) {
    if (e.from >= blocks.size()) continue;
    unsigned n = blocks[e.from]->getTerminator()->getNumSuccessors();
    if (e.successor >= n) continue;
    auto& w = weights[e.from];
    w.resize(n);
    w[e.successor] += e.count;
    record.Counts.push_back(e.count);
  }
  MDBuilder md(f.getContext());
  for (auto& [block, w] : weights) {
    Instruction* term = blocks[block]->getTerminator();
    if (w.size() < 2 || !(isa<BranchInst>(term) || isa<SwitchInst>(term))) continue;
    uint64_t max = 0;
    for (uint64_t c : w) max = std::max(max, c);
    if (max == 0) continue;
    uint64_t scale = max / UINT32_MAX + 1;
    SmallVector<uint32_t, 8> scaled;
    for (uint64_t c : w) scaled.push_back(uint32_t(c / scale) + 1);  // +1: never certain
    term->setMetadata(LLVMContext::MD_prof, md.createBranchWeights(scaled));
  }
  summary.addRecord(record);
}

std::string features_with_own(const Function& f, const std::string& cpu_features) {
  std::string merged = cpu_features;
  // split(char) into a pair rather than into a vector: the JIT is also bitcode (src/meta), and
  // this one is inline.
  for (StringRef rest = f.getFnAttribute("target-features").getValueAsString(); !rest.empty();) {
    auto [feature, tail] = rest.split(',');
    rest = tail;
    if (!feature.starts_with("+")) continue;
    if (!merged.empty()) merged += ",";
    merged += feature.str();
  }
  return merged;
}

void keep_unfused(Function& f) {
  if (f.getFnAttribute("target-features").getValueAsString().contains("+fma")) return;
  std::vector<CallInst*> muladds;
  for (Instruction& I : instructions(f)) {
    if (auto* call = dyn_cast<CallInst>(&I); call && call->getIntrinsicID() == Intrinsic::fmuladd)
      muladds.push_back(call);
    else if (isa<FPMathOperator>(&I) && I.hasAllowContract())
      I.setHasAllowContract(false);
  }
  for (CallInst* call : muladds) {
    IRBuilder<> b(call);
    b.setFastMathFlags(call->getFastMathFlags());
    Value* product = b.CreateFMul(call->getArgOperand(0), call->getArgOperand(1));
    Value* sum = b.CreateFAdd(product, call->getArgOperand(2));
    for (Value* v : {product, sum})
      if (auto* I = dyn_cast<Instruction>(v)) I->setHasAllowContract(false);
    call->replaceAllUsesWith(sum);
    call->eraseFromParent();
  }
}

}  // namespace bf::profile
