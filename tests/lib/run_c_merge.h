// llama2.c run.c's merge loop as it is written, O(n^2): rescan every adjacent pair, merge the
// best-scoring one (ties: the leftmost), repeat. The tokenizer test checks the engine's heap
// merge against it; bench/llm/tokenizer_bench measures the two.
#pragma once

#include <string>
#include <vector>

#include "llm/tokenizer.h"

namespace bf::llm::test {

inline std::vector<int> merge_like_run_c(const Tokenizer& tok, std::vector<int> ids) {
  std::string pair;
  for (;;) {
    float best_score = -1e10f;
    int best_id = -1, best_at = -1;
    for (size_t i = 0; i + 1 < ids.size(); i++) {
      pair.assign(tok.piece(ids[i])).append(tok.piece(ids[i + 1]));
      int id = tok.lookup(pair.c_str());
      if (id >= 0 && tok.score(id) > best_score) {
        best_score = tok.score(id);
        best_id = id;
        best_at = int(i);
      }
    }
    if (best_at < 0) return ids;
    ids[best_at] = best_id;
    ids.erase(ids.begin() + best_at + 1);
  }
}

}  // namespace bf::llm::test
