// Step 4 of a compile (see compiler.cpp): the tier-0 profile as !prof metadata, and counters
// in compiled code that keep feeding the tier-0 counters.
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/ProfileData/InstrProf.h>

#include <map>

#include "jit/prepare.h"
#include "jit/symbols.h"
#include "vm/code.h"

namespace bf::jit {

using namespace llvm;

void attach_profile(Function& f, const vm::Function& slot, const profile::FunctionProfile* past, double run_weight,
                    InstrProfSummaryBuilder& summary) {
  auto mean = [&](uint64_t total) { return past ? uint64_t(double(total) / run_weight) : 0; };
  uint64_t calls = slot.calls.load(std::memory_order_relaxed) + (past ? mean(past->calls) : 0);
  f.setEntryCount(calls);
  InstrProfRecord record;
  record.Counts.push_back(calls);
  std::vector<BasicBlock*> blocks;
  for (BasicBlock& b : f) blocks.push_back(&b);
  std::map<uint32_t, std::vector<uint64_t>> weights;  // block -> count per successor
  auto add = [&](uint32_t from, uint32_t successor, uint64_t count) {
    if (from >= blocks.size()) return;
    unsigned n = blocks[from]->getTerminator()->getNumSuccessors();
    if (successor >= n) return;
    auto& w = weights[from];
    w.resize(n);
    w[successor] += count;
    record.Counts.push_back(count);
  };
  if (const vm::Code* code = slot.code.load(std::memory_order_acquire))
    for (size_t i = 1; i < code->edges.size(); i++)
      add(code->edges[i].from_block, code->edges[i].successor, code->counters[i].load(std::memory_order_relaxed));
  if (past)
    for (const profile::Edge& e : past->edges) add(e.from, e.successor, mean(e.count));
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

// The counters are symbols (symbols.h), not addresses: the code stays valid in another
// process, so that the code cache can keep it.
void add_counters(Function& f, const vm::Function& slot, bool edges) {
  LLVMContext& ctx = f.getContext();
  Module& mod = *f.getParent();
  Type* i64 = Type::getInt64Ty(ctx);
  auto counter_symbol = [&](const std::string& name) {
    auto* g = cast<GlobalVariable>(mod.getOrInsertGlobal(name, i64));
    g->setDSOLocal(false);
    return g;
  };
  auto bump = [&](IRBuilder<>& b, Value* counter) {
    Value* v = b.CreateAlignedLoad(i64, counter, Align(8));
    b.CreateAlignedStore(b.CreateAdd(v, ConstantInt::get(i64, 1)), counter, Align(8));
  };
  const vm::Code* code = slot.code.load(std::memory_order_acquire);
  if (edges && code) {
    std::vector<BasicBlock*> blocks;
    for (BasicBlock& b : f) blocks.push_back(&b);
    std::map<std::pair<uint32_t, uint32_t>, size_t> counter_of;  // (block, successor) -> index
    for (size_t i = 1; i < code->edges.size(); i++)
      counter_of[{code->edges[i].from_block, code->edges[i].successor}] = i;
    GlobalVariable* base = counter_symbol(symbols::edge_counters(slot.index));
    auto address = [&](IRBuilder<>& b, size_t i) { return b.CreateConstInBoundsGEP1_64(i64, base, i); };
    for (uint32_t bi = 0; bi < blocks.size(); bi++) {
      auto* br = dyn_cast<BranchInst>(blocks[bi]->getTerminator());
      if (!br) continue;
      auto c0 = counter_of.find({bi, 0});
      if (c0 == counter_of.end()) continue;
      IRBuilder<> b(br);
      Value* counter = address(b, c0->second);
      if (br->isConditional()) {
        auto c1 = counter_of.find({bi, 1});
        if (c1 == counter_of.end()) continue;
        counter = b.CreateSelect(br->getCondition(), counter, address(b, c1->second));
      }
      bump(b, counter);
    }
  }
  IRBuilder<> b(&*f.getEntryBlock().getFirstInsertionPt());
  bump(b, counter_symbol(symbols::calls_counter(slot.index)));
}

}  // namespace bf::jit
