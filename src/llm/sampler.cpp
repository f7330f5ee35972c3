#include "llm/sampler.h"

#include <algorithm>

#include "llm/kernels.h"

namespace bf::llm {

int argmax(const float* x, int n) {
  int best = 0;
  for (int i = 1; i < n; i++)  // ties keep the lowest id
    if (x[i] > x[best]) best = i;
  return best;
}

bool Sampler::init(int vocab_size, float temperature, float top_p, uint64_t seed) {
  vocab_size_ = vocab_size;
  temperature_ = temperature;
  top_p_ = top_p;
  rng_state_ = seed ? seed : 0x9E3779B97F4A7C15ull;
  return candidates_.allocate(vocab_size);
}

uint32_t Sampler::random_u32() {
  rng_state_ ^= rng_state_ >> 12;
  rng_state_ ^= rng_state_ << 25;
  rng_state_ ^= rng_state_ >> 27;
  return uint32_t((rng_state_ * 0x2545F4914F6CDD1Dull) >> 32);
}

float Sampler::random_f32() { return float(random_u32() >> 8) / 16777216.0f; }

int Sampler::sample_top_p(const float* probs, float coin) {
  // Tokens below this cannot be in the nucleus (they would need the rest to sum past top_p).
  const float cutoff = (1.0f - top_p_) / float(vocab_size_ - 1);
  int n = 0;
  for (int i = 0; i < vocab_size_; i++)
    if (probs[i] >= cutoff) candidates_[n++] = {probs[i], i};
  std::sort(candidates_.begin(), candidates_.begin() + n,
            [](const ProbIndex& a, const ProbIndex& b) { return a.prob > b.prob; });
  float cumulative = 0.0f;
  int last = n - 1;
  for (int i = 0; i < n; i++) {
    cumulative += candidates_[i].prob;
    if (cumulative > top_p_) {
      last = i;
      break;
    }
  }
  float r = coin * cumulative;
  float cdf = 0.0f;
  for (int i = 0; i <= last; i++) {
    cdf += candidates_[i].prob;
    if (r < cdf) return candidates_[i].index;
  }
  return candidates_[last > 0 ? last : 0].index;
}

int Sampler::sample(float* logits) {
  if (temperature_ == 0.0f) return argmax(logits, vocab_size_);
  for (int i = 0; i < vocab_size_; i++) logits[i] /= temperature_;
  kernels().softmax(logits, vocab_size_);
  float coin = random_f32();
  if (top_p_ <= 0.0f || top_p_ >= 1.0f) {
    float cdf = 0.0f;
    for (int i = 0; i < vocab_size_; i++) {
      cdf += logits[i];
      if (coin < cdf) return i;
    }
    return vocab_size_ - 1;
  }
  return sample_top_p(logits, coin);
}

}  // namespace bf::llm
