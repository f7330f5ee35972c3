// Step 4 of a compile (see compiler.cpp): the tier-0 profile as !prof metadata (through
// profile/metadata.h, which the export shares), and counters in compiled code that keep
// feeding the tier-0 counters.
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Instructions.h>

#include <map>

#include "jit/prepare.h"
#include "jit/symbols.h"
#include "profile/metadata.h"
#include "vm/code.h"

namespace bf::jit {

using namespace llvm;

void attach_profile(Function& f, const vm::Function& slot, const profile::FunctionProfile* past,
                    InstrProfSummaryBuilder& summary) {
  auto mean = [&](uint64_t total) { return uint64_t(profile::per_run(total, *past)); };
  uint64_t calls = slot.calls.load(std::memory_order_relaxed) + (past ? mean(past->calls) : 0);
  std::vector<profile::Edge> edges;
  if (const vm::Code* code = slot.code.load(std::memory_order_acquire)) {
    edges.reserve(code->edges.size());
    for (size_t i = 1; i < code->edges.size(); i++) {
      const vm::EdgeInfo& e = code->edges[i];
      edges.push_back({e.from_block, e.to_block, e.successor, e.back_edge,
                       code->counters[i].load(std::memory_order_relaxed)});
    }
  }
  if (past)
    for (profile::Edge e : past->edges) {
      e.count = mean(e.count);
      edges.push_back(e);
    }
  profile::attach_counts(f, calls, edges, summary);
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
