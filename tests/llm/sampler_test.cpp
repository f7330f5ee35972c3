// Sampler: llama2.c's xorshift sequence, argmax ties, and top-p staying inside the nucleus.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "llm/sampler.h"

namespace bf::llm {
namespace {

TEST(Sampler, XorshiftSequenceOfLlama2c) {
  Sampler s;
  ASSERT_TRUE(s.init(4, 1.0f, 0.9f, 42));
  EXPECT_EQ(s.random_u32(), 1456360119u);
  EXPECT_EQ(s.random_u32(), 3359763283u);
  EXPECT_EQ(s.random_u32(), 3393612768u);
}

TEST(Sampler, GreedyTakesFirstMaximum) {
  Sampler s;
  ASSERT_TRUE(s.init(5, 0.0f, 0.9f, 1));
  float logits[5] = {0.5f, 2.0f, -1.0f, 2.0f, 1.0f};
  EXPECT_EQ(s.sample(logits), 1);
}

TEST(Sampler, TopPSamplesOnlyTheNucleus) {
  // Probabilities after softmax at temperature 1: token 0 has ~0.84 of the mass, token 1 ~0.11.
  std::set<int> seen;
  Sampler s;
  ASSERT_TRUE(s.init(6, 1.0f, 0.9f, 7));
  for (int i = 0; i < 500; i++) {
    float logits[6] = {4.0f, 2.0f, 0.0f, -1.0f, -2.0f, -3.0f};
    seen.insert(s.sample(logits));
  }
  EXPECT_EQ(seen, (std::set<int>{0, 1}));
}

TEST(Sampler, SameSeedSameTokens) {
  auto draw = [](uint64_t seed) {
    Sampler s;
    EXPECT_TRUE(s.init(8, 0.8f, 0.0f, seed));
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
