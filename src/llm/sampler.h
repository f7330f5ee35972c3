// Picks the next token from logits as llama2.c does: argmax at temperature 0, else softmax of
// logits / temperature sampled with a seeded xorshift generator, optionally nucleus (top-p).
#pragma once

#include <cstdint>

#include "llm/buffer.h"

namespace bf::llm {

class Sampler {
 public:
  // False when memory runs out. seed 0 is replaced by a fixed non-zero value (xorshift needs it).
  [[nodiscard]] bool init(int vocab_size, float temperature, float top_p, uint64_t seed);

  // May overwrite `logits` (vocab_size) with probabilities.
  int sample(float* logits);

  // xorshift64* as in llama2.c: a u32, then a float in [0, 1).
  uint32_t random_u32();
  float random_f32();

 private:
  struct ProbIndex {
    float prob;
    int index;
  };
  int sample_top_p(const float* probs, float coin);

  int vocab_size_ = 0;
  float temperature_ = 0;
  float top_p_ = 0;
  uint64_t rng_state_ = 0;
  Buffer<ProbIndex> candidates_;  // (vocab_size)
};

int argmax(const float* x, int n);

}  // namespace bf::llm
