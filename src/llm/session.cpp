#include "llm/session.h"

#include <cmath>
#include <cstdio>

namespace bf::llm {

bool open_engine(const EngineOptions& o, const char* command, Engine& e) {
  Status st;
  if (!load_model(o.model, e.model, st)) {
    report_error(o.model, st);
    return false;
  }
  if (o.tokenizer) {
    if (!e.tokenizer.load_bin(o.tokenizer, e.model.config.vocab_size, st)) {
      report_error(o.tokenizer, st);
      return false;
    }
  } else if (e.model.vocab.count) {
    if (!e.tokenizer.load_gguf(e.model.vocab, st)) {
      report_error(o.model, st);
      return false;
    }
  } else {
    fprintf(stderr, "bareflow: %s: the model carries no vocabulary; give a tokenizer with -z\n", o.model);
    return false;
  }
  const int seq_len = e.model.config.seq_len;
  e.n_ctx = o.n_ctx == 0 ? seq_len : o.n_ctx;
  if (e.n_ctx > seq_len) {
    fprintf(stderr, "bareflow %s: -c %d is beyond the model's context of %d tokens: using %d\n",
            command, e.n_ctx, seq_len, seq_len);
    e.n_ctx = seq_len;
  }
  return true;
}

bool open_session(const EngineOptions& o, const Engine& e, ThreadPool& pool, Session& s) {
  Status st;
  if (!s.init(e, pool, o.sampling, st)) {
    report_error(o.model, st);
    return false;
  }
  if (o.ignore_eos) {
    s.ban(e.tokenizer.bos_id());
    s.ban(e.tokenizer.eos_id());
  }
  return true;
}

bool Session::init(const Engine& engine, ThreadPool& pool, const SamplerParams& sampling, Status& st) {
  n_ctx_ = engine.n_ctx;
  vocab_size_ = engine.model.config.vocab_size;
  if (!transformer_.init(engine.model, pool, n_ctx_, st)) return false;
  n_ctx_ = transformer_.max_positions();
  if (!history_.allocate(size_t(n_ctx_)) || !sampler_.init(vocab_size_, sampling))
    return st.fail("out of memory");
  return true;
}

float* Session::eval(int token) {
  float* logits = transformer_.forward(token, n_past_);
  history_[n_past_++] = token;
  return logits;
}

int Session::common_prefix(std::span<const int> tokens) const {
  int n = 0;
  while (n < n_past_ && size_t(n) < tokens.size() && history_[n] == tokens[n]) n++;
  return n;
}

void Session::ban(int token) {
  if (n_banned_ < int(sizeof banned_ / sizeof banned_[0]) && token >= 0 && token < vocab_size_)
    banned_[n_banned_++] = token;
}

int Session::sample(float* logits) {
  for (int i = 0; i < n_banned_; i++) logits[banned_[i]] = -INFINITY;
  return sampler_.sample(logits, tokens());
}

bool Session::reset_sampler(const SamplerParams& sampling) { return sampler_.init(vocab_size_, sampling); }

}  // namespace bf::llm
