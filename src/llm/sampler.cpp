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

bool Sampler::init(int vocab_size, const SamplerParams& params) {
  vocab_size_ = vocab_size;
  p_ = params;
  rng_state_ = p_.seed ? p_.seed : 0x9E3779B97F4A7C15ull;
  return candidates_.allocate(vocab_size) && seen_.allocate(vocab_size);
}

uint32_t Sampler::random_u32() {
  rng_state_ ^= rng_state_ >> 12;
  rng_state_ ^= rng_state_ << 25;
  rng_state_ ^= rng_state_ >> 27;
  return uint32_t((rng_state_ * 0x2545F4914F6CDD1Dull) >> 32);
}

float Sampler::random_f32() { return float(random_u32() >> 8) / 16777216.0f; }

// llama.cpp's rule: each distinct recent token once; positive logits shrink, negative ones grow.
void Sampler::penalize(float* logits, std::span<const int> recent) {
  size_t n = p_.repeat_last_n < 0 ? recent.size() : std::min(recent.size(), size_t(p_.repeat_last_n));
  std::span<const int> window = recent.subspan(recent.size() - n);
  for (int t : window) {
    if (t < 0 || t >= vocab_size_ || seen_[t]) continue;
    seen_[t] = 1;
    logits[t] = logits[t] > 0 ? logits[t] / p_.repeat_penalty : logits[t] * p_.repeat_penalty;
  }
  for (int t : window)
    if (t >= 0 && t < vocab_size_) seen_[t] = 0;
}

// The kept tokens are a prefix of the tokens ordered by probability: its length is the least
// of top-k's, top-p's and min-p's.
int Sampler::sample_truncated(const float* probs, float coin) {
  const bool use_k = p_.top_k > 0 && p_.top_k < vocab_size_;
  const bool use_p = p_.top_p > 0.0f && p_.top_p < 1.0f;
  // Tokens below `floor` are cut by min-p, or cannot be in the top-p nucleus (the rest would need
  // to sum past top_p): leaving them out before sorting changes nothing.
  float floor = 0.0f;
  if (p_.min_p > 0.0f) floor = p_.min_p * probs[argmax(probs, vocab_size_)];
  if (use_p) floor = std::max(floor, (1.0f - p_.top_p) / float(vocab_size_ - 1));
  int n = 0;
  for (int i = 0; i < vocab_size_; i++)
    if (probs[i] >= floor) candidates_[n++] = {probs[i], i};
  auto more_likely = [](const ProbIndex& a, const ProbIndex& b) {
    return a.prob > b.prob || (a.prob == b.prob && a.index < b.index);
  };
  if (use_k && n > p_.top_k) {
    std::nth_element(candidates_.begin(), candidates_.begin() + p_.top_k, candidates_.begin() + n,
                     more_likely);
    n = p_.top_k;
  }
  std::sort(candidates_.begin(), candidates_.begin() + n, more_likely);
  float cumulative = 0.0f;
  int last = n - 1;
  for (int i = 0; i < n; i++) {
    cumulative += candidates_[i].prob;
    if (use_p && cumulative > p_.top_p) {
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

int Sampler::sample(float* logits, std::span<const int> recent) {
  if (p_.repeat_penalty != 1.0f && p_.repeat_last_n != 0) penalize(logits, recent);
  if (p_.temperature == 0.0f) return argmax(logits, vocab_size_);
  for (int i = 0; i < vocab_size_; i++) logits[i] /= p_.temperature;
  kernels().softmax(logits, vocab_size_);
  float coin = random_f32();
  const bool truncated = (p_.top_k > 0 && p_.top_k < vocab_size_) ||
                         (p_.top_p > 0.0f && p_.top_p < 1.0f) || p_.min_p > 0.0f;
  if (!truncated) {  // llama2.c's sample_mult: the whole distribution, in id order
    float cdf = 0.0f;
    for (int i = 0; i < vocab_size_; i++) {
      cdf += logits[i];
      if (coin < cdf) return i;
    }
    return vocab_size_ - 1;
  }
  return sample_truncated(logits, coin);
}

}  // namespace bf::llm
