// The long prompt the tokenizer benchmarks encode: story-like sentences of common words,
// punctuation and newlines, the same text for a given length on every run.
#pragma once

#include <cctype>
#include <random>
#include <string>

namespace bench {

inline std::string story(size_t bytes) {
  static const char* const kWords[] = {
      "once", "upon", "a", "time", "there", "was", "little", "girl", "named", "Lily", "she", "loved",
      "to", "play", "outside", "in", "the", "park", "one", "day", "saw", "big", "red", "ball", "her",
      "mom", "said", "let's", "go", "home", "Tom", "and", "were", "happy", "friends", "tree", "sun"};
  std::mt19937 rng(27);
  std::string text;
  while (text.size() < bytes) {
    const int words = 4 + int(rng() % 10);
    for (int w = 0; w < words; w++) {
      std::string word = kWords[rng() % (sizeof kWords / sizeof kWords[0])];
      if (w == 0) word[0] = char(toupper(word[0]));
      text += word;
      text += w + 1 < words ? (rng() % 9 == 0 ? ", " : " ") : (rng() % 5 == 0 ? ".\n" : ". ");
    }
  }
  text.resize(bytes);
  return text;
}

}  // namespace bench
