// Sampler: llama2.c's xorshift sequence, argmax ties, top-k, top-p and min-p keeping only the
// tokens they allow, and the repetition penalty.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "llm/sampler.h"

namespace bf::llm {
namespace {

SamplerParams params(float temperature, int top_k, float top_p, float min_p, uint64_t seed) {
  SamplerParams p;
  p.temperature = temperature;
  p.top_k = top_k;
  p.top_p = top_p;
  p.min_p = min_p;
  p.seed = seed;
  return p;
}

// The tokens drawn from `logits` in 500 samples.
template <size_t N>
std::set<int> drawn(const SamplerParams& p, const float (&logits)[N]) {
  std::set<int> seen;
  Sampler s;
  EXPECT_TRUE(s.init(int(N), p));
  for (int i = 0; i < 500; i++) {
    float l[N];
    std::copy(logits, logits + N, l);
    seen.insert(s.sample(l));
  }
  return seen;
}

TEST(Sampler, XorshiftSequenceOfLlama2c) {
  Sampler s;
  ASSERT_TRUE(s.init(4, params(1.0f, 0, 0.9f, 0, 42)));
  EXPECT_EQ(s.random_u32(), 1456360119u);
  EXPECT_EQ(s.random_u32(), 3359763283u);
  EXPECT_EQ(s.random_u32(), 3393612768u);
}

TEST(Sampler, GreedyTakesFirstMaximum) {
  Sampler s;
  ASSERT_TRUE(s.init(5, params(0.0f, 40, 0.9f, 0.05f, 1)));
  float logits[5] = {0.5f, 2.0f, -1.0f, 2.0f, 1.0f};
  EXPECT_EQ(s.sample(logits), 1);
}

constexpr float kSkewed[6] = {4.0f, 2.0f, 0.0f, -1.0f, -2.0f, -3.0f};  // p ~ .84 .11 .02 ...

TEST(Sampler, TopPSamplesOnlyTheNucleus) {
  EXPECT_EQ(drawn(params(1.0f, 0, 0.9f, 0, 7), kSkewed), (std::set<int>{0, 1}));
}

TEST(Sampler, TopKKeepsTheKMostLikely) {
  constexpr float flat[6] = {1.0f, 1.2f, 0.9f, 1.1f, 0.0f, 0.95f};
  EXPECT_EQ(drawn(params(1.0f, 2, 1.0f, 0, 7), flat), (std::set<int>{1, 3}));
  EXPECT_EQ(drawn(params(1.0f, 0, 1.0f, 0, 7), flat).size(), 6u);  // every filter off
}

TEST(Sampler, MinPDropsTheUnlikely) {
  // 0.1 of the top token's ~.84 leaves token 1 (~.11) in and token 2 (~.02) out.
  EXPECT_EQ(drawn(params(1.0f, 0, 1.0f, 0.1f, 7), kSkewed), (std::set<int>{0, 1}));
}

TEST(Sampler, RepeatPenaltyTurnsGreedyAway) {
  SamplerParams p = params(0.0f, 0, 1.0f, 0, 1);
  p.repeat_penalty = 2.0f;
  p.repeat_last_n = 2;
  Sampler s;
  ASSERT_TRUE(s.init(4, p));
  float logits[4] = {3.0f, 2.0f, -1.0f, 0.5f};
  const int recent[] = {0, 0};
  EXPECT_EQ(s.sample(logits, recent), 1);  // 3 / 2 < 2
  float again[4] = {3.0f, 2.0f, -1.0f, 0.5f};
  const int old[] = {0, 3, 3};  // token 0 is outside the last 2
  EXPECT_EQ(s.sample(again, old), 0);
  EXPECT_FLOAT_EQ(again[3], 0.25f);
}

TEST(Sampler, SameSeedSameTokens) {
  auto draw = [](uint64_t seed) {
    Sampler s;
    EXPECT_TRUE(s.init(8, params(0.8f, 0, 0.0f, 0, seed)));
    std::vector<int> out;
    for (int i = 0; i < 50; i++) {
      float logits[8] = {1, 2, 3, 4, 4, 3, 2, 1};
      out.push_back(s.sample(logits));
    }
    return out;
  };
  EXPECT_EQ(draw(3), draw(3));
  EXPECT_NE(draw(3), draw(4));
}

}  // namespace
}  // namespace bf::llm
