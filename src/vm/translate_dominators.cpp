// Dominators by block index, for the one question the translator asks: whether an edge's
// target dominates its source (a back-edge, counted as such and given an OSR probe).
// Cooper, Harvey and Kennedy's iterative algorithm over reverse post-order, in flat arrays:
// llvm::DominatorTree cost ~7% of translating a csmith program to answer it.
#include "vm/translator.h"

namespace bf::vm {

using namespace llvm;

void Translator::compute_dominators() {
  uint32_t n = F_.size();
  std::vector<const BasicBlock*>& blocks = blocks_;
  blocks.reserve(n);
  for (const BasicBlock& bb : F_) blocks.push_back(&bb);
  // Successor lists by index, and a depth-first post-order from the entry.
  std::vector<uint32_t> succ_begin(n + 1), succs;
  for (uint32_t b = 0; b < n; b++) {
    succ_begin[b] = succs.size();
    if (const Instruction* term = blocks[b]->getTerminator())
      for (unsigned i = 0, e = term->getNumSuccessors(); i < e; i++)
        succs.push_back(block_index_.lookup(term->getSuccessor(i)));
  }
  succ_begin[n] = succs.size();
  std::vector<uint32_t> post;
  post.reserve(n);
  rpo_.assign(n, kUnreached);
  std::vector<std::pair<uint32_t, uint32_t>> stack;  // block, next successor position
  rpo_[0] = 0;                                        // visited (numbered below)
  stack.push_back({0, succ_begin[0]});
  while (!stack.empty()) {
    uint32_t b = stack.back().first, i = stack.back().second;
    if (i == succ_begin[b + 1]) {
      post.push_back(b);
      stack.pop_back();
      continue;
    }
    stack.back().second++;
    uint32_t s = succs[i];
    if (rpo_[s] == kUnreached) {
      rpo_[s] = 0;
      stack.push_back({s, succ_begin[s]});
    }
  }
  uint32_t reached = post.size();
  for (uint32_t k = 0; k < reached; k++) rpo_[post[k]] = reached - 1 - k;
  rpo_order_.assign(post.rbegin(), post.rend());
  // Predecessors among reachable blocks.
  std::vector<uint32_t> pred_begin(n + 1, 0), preds(succs.size());
  for (uint32_t b = 0; b < n; b++)
    if (rpo_[b] != kUnreached)
      for (uint32_t i = succ_begin[b]; i < succ_begin[b + 1]; i++) pred_begin[succs[i] + 1]++;
  for (uint32_t b = 0; b < n; b++) pred_begin[b + 1] += pred_begin[b];
  std::vector<uint32_t> fill(pred_begin.begin(), pred_begin.end() - 1);
  for (uint32_t b = 0; b < n; b++)
    if (rpo_[b] != kUnreached)
      for (uint32_t i = succ_begin[b]; i < succ_begin[b + 1]; i++) preds[fill[succs[i]]++] = b;
  idom_.assign(n, kUnreached);
  idom_[0] = 0;
  for (bool changed = true; changed;) {
    changed = false;
    for (uint32_t k = reached - 1; k-- > 0;) {  // reverse post-order, entry excluded
      uint32_t b = post[k], best = kUnreached;
      for (uint32_t i = pred_begin[b]; i < pred_begin[b + 1]; i++) {
        uint32_t p = preds[i];
        if (idom_[p] == kUnreached) continue;  // not processed yet
        if (best == kUnreached) {
          best = p;
          continue;
        }
        uint32_t x = p, y = best;
        while (x != y) {
          while (rpo_[x] > rpo_[y]) x = idom_[x];
          while (rpo_[y] > rpo_[x]) y = idom_[y];
        }
        best = x;
      }
      if (idom_[b] != best) idom_[b] = best, changed = true;
    }
  }
}

}  // namespace bf::vm
