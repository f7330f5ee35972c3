// Tokenizer: encodings of llama2.c's run.c for both vocabularies, the GGUF vocabulary agreeing
// with tok512.bin, and run.c's decode rules.
#include <random>

#include "engine_test_util.h"
#include "run_c_merge.h"

namespace bf::llm::test {
namespace {

std::vector<int> encode(const Tokenizer& tok, const std::string& text, bool bos, bool eos) {
  std::vector<int> ids(Tokenizer::max_tokens(text.c_str()));
  ids.resize(tok.encode(text.c_str(), bos, eos, ids.data()));
  return ids;
}

TEST(Tokenizer, MatchesReferenceEncodings) {
  llvm::json::Value v = read_json(shared_path("testdata/tokenizer_encodings.json"));
  ASSERT_NE(v.getAsArray(), nullptr);
  int checked = 0;
  for (const llvm::json::Value& ev : *v.getAsArray()) {
    const llvm::json::Object& o = *ev.getAsObject();
    std::string file = o.getString("tokenizer")->str();
    std::string text = o.getString("text")->str();
    SCOPED_TRACE(file + ": '" + text + "'");
    Status st;
    Tokenizer tok;
    ASSERT_TRUE(tok.load_bin(model_path(file).c_str(), int(*o.getInteger("vocab_size")), st)) << st.message();
    EXPECT_EQ(encode(tok, text, *o.getBoolean("bos"), *o.getBoolean("eos")), int_list(o.getArray("tokens")));
    checked++;
  }
  EXPECT_GE(checked, 10);
}

// The same vocabulary twice: from stories260K.gguf and from tok512.bin.
struct BothVocabularies {
  Model model;
  Tokenizer from_gguf, from_bin;
  void load() {
    Status st;
    ASSERT_TRUE(load_model(model_path("stories260K.gguf").c_str(), model, st)) << st.message();
    ASSERT_TRUE(from_gguf.load_gguf(model.vocab, st)) << st.message();
    ASSERT_TRUE(from_bin.load_bin(model_path("tok512.bin").c_str(), 512, st)) << st.message();
  }
};

TEST(Tokenizer, GgufVocabularyEncodesLikeTok512) {
  BothVocabularies v512;
  ASSERT_NO_FATAL_FAILURE(v512.load());
  const Tokenizer &from_gguf = v512.from_gguf, &from_bin = v512.from_bin;
  llvm::json::Value v = read_json(shared_path("testdata/tokenizer_encodings.json"));
  for (const llvm::json::Value& ev : *v.getAsArray()) {
    std::string text = ev.getAsObject()->getString("text")->str();
    EXPECT_EQ(encode(from_gguf, text, true, false), encode(from_bin, text, true, false)) << text;
  }
  for (int id = 3; id < 512; id++) EXPECT_STREQ(from_gguf.piece(id), from_bin.piece(id)) << id;
}

TEST(Tokenizer, DecodeFollowsRunC) {
  Status st;
  Tokenizer tok;
  ASSERT_TRUE(tok.load_bin(model_path("tokenizer.bin").c_str(), 32000, st)) << st.message();
  int once = tok.lookup(" Once");
  ASSERT_GE(once, 0);
  EXPECT_STREQ(tok.decode(kBosToken, once), "Once");    // leading space dropped after BOS
  EXPECT_STREQ(tok.decode(once, once), " Once");
  EXPECT_STREQ(tok.decode(once, 13), "\n");             // <0x0A>
  EXPECT_FALSE(is_printable_piece(tok.decode(once, 3)));  // <0x00>
  EXPECT_FALSE(is_printable_piece(tok.decode(once, 0xE6 + 3)));  // a lone UTF-8 lead byte
  EXPECT_TRUE(is_printable_piece(tok.decode(once, 0x20 + 3)));
}

// Texts of words, pieces of the vocabulary, digits, punctuation, whitespace and multi-byte UTF-8.
std::string random_text(std::mt19937& rng, const Tokenizer& tok, size_t bytes) {
  static const char* const kBits[] = {" ", "  ", "\n", "\t", "the", " little", "girl", "Once", " upon",
                                      "caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac", "\xf0\x9f\x98\x80",
                                      "123", "4", ",", ".", "!", "\"", "'s", "\xc3\xa9t\xc3\xa9",
                                      "aaaaaaa", "......", "     ", "eeee", "0000"};  // ties: leftmost first
  std::string text;
  while (text.size() < bytes) {
    if (rng() % 3 == 0) {
      const char* p = tok.piece(int(rng() % uint32_t(tok.vocab_size() - 259)) + 259);  // past the bytes
      text += p;
    } else {
      text += kBits[rng() % (sizeof kBits / sizeof kBits[0])];
    }
  }
  return text;
}

// The heap-based merge gives run.c's tokens, on texts far from the reference list's few.
TEST(Tokenizer, MergesAsRunCDoes) {
  std::mt19937 rng(20240601);
  for (const auto& [file, vocab] : {std::pair<const char*, int>{"tok512.bin", 512}, {"tokenizer.bin", 32000}}) {
    Status st;
    Tokenizer tok;
    ASSERT_TRUE(tok.load_bin(model_path(file).c_str(), vocab, st)) << st.message();
    for (int round = 0; round < 60; round++) {
      std::string text = random_text(rng, tok, 1 + rng() % (round < 50 ? 200 : 3000));
      std::vector<int> got = encode(tok, text, true, false);
      std::vector<int> symbols(Tokenizer::max_tokens(text.c_str()));
      symbols.resize(tok.symbols(text.c_str(), true, symbols.data()));
      ASSERT_EQ(got, merge_like_run_c(tok, symbols)) << file << ": '" << text << "'";
    }
  }
}

std::vector<int> encode_special(const Tokenizer& tok, const std::string& text) {
  std::vector<int> ids(Tokenizer::max_tokens(text.c_str()));
  ids.resize(tok.encode(text.c_str(), true, false, ids.data(), true));
  return ids;
}

std::vector<int> concat(std::initializer_list<std::vector<int>> parts) {
  std::vector<int> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Chat templates write special tokens as text: with parse_special they become the tokens, and
// the text between them is encoded stretch by stretch, each with its dummy space.
TEST(Tokenizer, SpecialTokensInText) {
  BothVocabularies v512;
  ASSERT_NO_FATAL_FAILURE(v512.load());
  for (const Tokenizer* tok : {&v512.from_gguf, &v512.from_bin}) {
    auto raw = [&](const std::string& t) { return encode(*tok, t, false, false); };
    EXPECT_EQ(encode_special(*tok, "Hi there</s><s>[INST] Lily"),
              concat({{1}, raw("Hi there"), {2, 1}, raw("[INST] Lily")}));
    EXPECT_EQ(encode_special(*tok, "<s>"), (std::vector<int>{1, 1}));
    EXPECT_EQ(encode_special(*tok, "a</s"), concat({{1}, raw("a</s")}));  // not whole: text
    // Without parse_special, the same characters are text.
    EXPECT_EQ(encode(*tok, "x</s>", true, false), concat({{1}, raw("x</s>")}));
    EXPECT_EQ(raw("x</s>").size() > 2, true);
  }
}

TEST(Tokenizer, EosAndEmptyText) {
  Status st;
  Tokenizer tok;
  ASSERT_TRUE(tok.load_bin(model_path("tok512.bin").c_str(), 512, st)) << st.message();
  EXPECT_EQ(encode(tok, "", true, true), (std::vector<int>{1, 2}));
  EXPECT_EQ(encode(tok, "", false, false), std::vector<int>{});
}

}  // namespace
}  // namespace bf::llm::test
