// Picks the next token from logits. At temperature 0, the most likely token (ties: the lowest
// id), as llama2.c does. Otherwise softmax of logits / temperature, then the tokens that pass
// top-k, top-p and min-p (each judged on that distribution, so their order does not matter),
// drawn with a seeded xorshift generator as llama2.c draws. A repetition penalty (llama.cpp's)
// first scales the logits of recently seen tokens.
#pragma once

#include <cstdint>
#include <span>

#include "llm/buffer.h"

namespace bf::llm {

struct SamplerParams {
  float temperature = 0.8f;
  int top_k = 40;              // 0: off
  float top_p = 0.95f;         // 0 or 1: off
  float min_p = 0.05f;         // 0: off
  float repeat_penalty = 1.0f; // 1: off
  int repeat_last_n = 64;      // 0: off, -1: every token given
  uint64_t seed = 0;           // 0 is replaced by a fixed non-zero value (xorshift needs it)
};

class Sampler {
 public:
  // False when memory runs out.
  [[nodiscard]] bool init(int vocab_size, const SamplerParams& params);

  // May overwrite `logits` (vocab_size). `recent` is the token history the penalty looks at
  // (its last repeat_last_n entries).
  int sample(float* logits, std::span<const int> recent = {});

  // xorshift64* as in llama2.c: a u32, then a float in [0, 1).
  uint32_t random_u32();
  float random_f32();

  const SamplerParams& params() const { return p_; }

 private:
  struct ProbIndex {
    float prob;
    int index;
  };
  void penalize(float* logits, std::span<const int> recent);
  int sample_truncated(const float* probs, float coin);

  int vocab_size_ = 0;
  SamplerParams p_;
  uint64_t rng_state_ = 0;
  Buffer<ProbIndex> candidates_;  // (vocab_size)
  Buffer<uint8_t> seen_;          // (vocab_size) marks for the penalty, cleared after use
};

int argmax(const float* x, int n);

}  // namespace bf::llm
