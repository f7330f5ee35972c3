// A model in use: the transformer with its KV cache, the tokens that cache holds, and a sampler.
// generate runs one session from position 0; chat keeps one across turns; the server keeps one
// per slot and reuses the cached prefix a new request shares with the last one.
#pragma once

#include <span>

#include "llm/buffer.h"
#include "llm/model.h"
#include "llm/options.h"
#include "llm/sampler.h"
#include "llm/status.h"
#include "llm/threadpool.h"
#include "llm/tokenizer.h"
#include "llm/transformer.h"

namespace bf::llm {

// A model and its tokenizer, opened as the engine options say.
struct Engine {
  Model model;
  Tokenizer tokenizer;
  int n_ctx = 0;  // the context every session gets (resolved from -c and the model's seq_len)
};

// Loads -m and -z (or the GGUF vocabulary) and resolves the context size. On failure prints
// `bareflow: FILE: problem` and returns false. A context beyond the model's is cut to it with a
// warning naming `command`.
bool open_engine(const EngineOptions& o, const char* command, Engine& e);

class Session;
// Session::init with the options' sampling, and with --ignore-eos BOS and EOS banned (llama2.c
// models end a text with BOS, GGUF ones with EOS). On failure prints `bareflow: MODEL: problem`.
bool open_session(const EngineOptions& o, const Engine& e, ThreadPool& pool, Session& s);

class Session {
 public:
  // The model, tokenizer and pool must outlive the session.
  bool init(const Engine& engine, ThreadPool& pool, const SamplerParams& sampling, Status& st);

  int n_ctx() const { return n_ctx_; }
  int n_past() const { return n_past_; }
  bool full() const { return n_past_ >= n_ctx_; }
  std::span<const int> tokens() const { return {history_.data(), size_t(n_past_)}; }

  // Runs `token` at position n_past (< n_ctx) and returns the logits for the next position.
  float* eval(int token);
  // Keeps the first n cached positions (n <= n_past); later ones will be computed again.
  void rewind(int n) { n_past_ = n < n_past_ ? n : n_past_; }
  // How many leading `tokens` the cache already holds.
  int common_prefix(std::span<const int> tokens) const;

  // Samples from `logits` (from eval), penalizing the cached tokens; banned tokens never come.
  int sample(float* logits);
  void ban(int token);
  void clear_bans() { n_banned_ = 0; }
  // A new sampler (a request's own parameters and seed).
  [[nodiscard]] bool reset_sampler(const SamplerParams& sampling);

 private:
  Transformer transformer_;
  Sampler sampler_;
  Buffer<int> history_;  // (n_ctx) the token at each cached position
  int n_ctx_ = 0;
  int n_past_ = 0;
  int vocab_size_ = 0;
  int banned_[4] = {};
  int n_banned_ = 0;
};

}  // namespace bf::llm
