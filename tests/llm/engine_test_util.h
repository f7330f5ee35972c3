// Helpers shared by the engine tests: reference files, a greedy run that mirrors run.c's loop,
// and temporary paths.
#pragma once

#include <gtest/gtest.h>
#include <llvm/Support/JSON.h>
#include <llvm/Support/MemoryBuffer.h>

#include <string>
#include <vector>

#include "llm/model.h"
#include "llm/sampler.h"
#include "llm/threadpool.h"
#include "llm/tokenizer.h"
#include "llm/transformer.h"

namespace bf::llm::test {

inline std::string shared_path(const std::string& rel) { return std::string(BAREFLOW_SHARED_DIR) + "/" + rel; }
inline std::string model_path(const std::string& name) { return shared_path("models/" + name); }

inline std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "bf_llm_" + std::to_string(getpid()) + "_" + name;
}

inline llvm::json::Value read_json(const std::string& path) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  EXPECT_TRUE(bool(buf)) << path;
  if (!buf) return nullptr;
  auto v = llvm::json::parse((*buf)->getBuffer());
  EXPECT_TRUE(bool(v)) << path;
  if (!v) {
    llvm::consumeError(v.takeError());
    return nullptr;
  }
  return std::move(*v);
}

inline std::vector<int> int_list(const llvm::json::Array* a) {
  std::vector<int> out;
  if (a)
    for (const auto& v : *a) out.push_back(int(*v.getAsInteger()));
  return out;
}

struct GreedyRun {
  std::vector<int> prompt;
  std::vector<int> generated;
  std::string text;
  std::vector<float> last_prompt_logits;
  bool stopped_on_bos = false;
};

// run.c's generation loop at temperature 0, recording what the references record.
inline GreedyRun run_greedy(const Model& model, const Tokenizer& tok, const char* prompt, int steps,
                            int threads) {
  GreedyRun r;
  ThreadPool pool(threads);
  Transformer tf;
  Status st;
  const int seq_len = model.config.seq_len;
  if (steps == 0 || steps > seq_len) steps = seq_len;
  EXPECT_TRUE(tf.init(model, pool, steps, st)) << st.message();
  std::vector<int> tokens(Tokenizer::max_tokens(prompt));
  tokens.resize(tok.encode(prompt, true, false, tokens.data()));
  r.prompt = tokens;
  int token = tokens[0];
  for (int pos = 0; pos < steps; pos++) {
    float* logits = tf.forward(token, pos);
    int next;
    if (pos < int(tokens.size()) - 1) {
      next = tokens[pos + 1];
    } else {
      if (pos == int(tokens.size()) - 1) r.last_prompt_logits.assign(logits, logits + model.config.vocab_size);
      next = argmax(logits, model.config.vocab_size);
      if (next == kBosToken) {
        r.stopped_on_bos = true;
        break;
      }
      r.generated.push_back(next);
    }
    const char* piece = tok.decode(token, next);
    if (is_printable_piece(piece)) r.text += piece;
    token = next;
  }
  return r;
}

}  // namespace bf::llm::test
