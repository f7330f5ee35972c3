// Bad input gets one clear message, never a crash: each case corrupts a real file in memory
// and checks the parser's verdict.
#include <cstring>
#include <fstream>
#include <iterator>

#include "engine_test_util.h"

namespace bf::llm::test {
namespace {

std::vector<uint8_t> file_bytes(const std::string& name) {
  std::ifstream f(model_path(name), std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Parses `bytes` as a model and returns the error message ("" when it loads).
std::string model_error(const std::vector<uint8_t>& bytes) {
  Model m;
  Status st;
  // Copy into a 16-byte aligned block, as a mapping would be.
  Buffer<float> aligned;
  EXPECT_TRUE(aligned.allocate(bytes.size() / 4 + 1));
  memcpy(aligned.data(), bytes.data(), bytes.size());
  bool ok = parse_model({reinterpret_cast<const uint8_t*>(aligned.data()), bytes.size()}, m, st);
  EXPECT_EQ(ok, st.ok());
  return ok ? "" : st.message();
}

void set_i32(std::vector<uint8_t>& b, size_t off, int32_t v) { memcpy(b.data() + off, &v, 4); }

// Header fields of a version 0 file, by index (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
// vocab_size, seq_len).
std::string v0_with(int field, int32_t value) {
  std::vector<uint8_t> b = file_bytes("stories260K.bin");
  set_i32(b, 4 * field, value);
  return model_error(b);
}

TEST(BadInput, RealFilesLoad) {
  EXPECT_EQ(model_error(file_bytes("stories260K.bin")), "");
  EXPECT_EQ(model_error(file_bytes("stories260K_q80_gs4.bin")), "");
  EXPECT_EQ(model_error(file_bytes("stories260K.gguf")), "");
}

TEST(BadInput, ImpossibleConfigs) {
  EXPECT_EQ(v0_with(0, 0), "bad config: dim is 0, must be positive");
  EXPECT_EQ(v0_with(2, -3), "bad config: n_layers is -3, must be positive");
  EXPECT_EQ(v0_with(6, 0), "bad config: seq_len is 0, must be positive");
  EXPECT_EQ(v0_with(3, 7), "bad config: n_heads 7 does not divide dim 64");
  EXPECT_EQ(v0_with(4, 3), "bad config: n_kv_heads 3 does not divide n_heads 8");
  EXPECT_EQ(v0_with(1, 1 << 30), "bad config: hidden_dim is 1073741824, larger than 1048576");
  EXPECT_EQ(v0_with(5, INT32_MIN), "bad config: vocab_size is -2147483648, must be positive");
}

TEST(BadInput, WeightsDisagreeWithTheFileSize) {
  std::vector<uint8_t> b = file_bytes("stories260K.bin");
  b.resize(b.size() / 2);
  EXPECT_NE(model_error(b).find("file too short: w1 needs"), std::string::npos) << model_error(b);
  b.resize(28);
  EXPECT_EQ(model_error(b), "file too short: 5 layers of dim 64 cannot fit in 28 bytes");
  b.resize(10);
  EXPECT_EQ(model_error(b), "file too short for a checkpoint header (10 bytes, needs 28)");
  b = file_bytes("stories260K.bin");
  b.resize(b.size() + 100);
  EXPECT_EQ(model_error(b), "100 bytes beyond the weights the header declares (1056540 bytes expected)");
  // A config that declares more layers than the file holds.
  EXPECT_NE(v0_with(2, 6).find("file too short"), std::string::npos);
}

TEST(BadInput, WrongMagic) {
  std::vector<uint8_t> b = file_bytes("stories260K.gguf");
  b[3] = 'G';  // "GGUG"
  EXPECT_EQ(model_error(b), "unknown format: magic 'GGUG' is neither GGUF nor a llama2.c checkpoint");
  b = file_bytes("stories260K_q80_gs4.bin");
  b[0] ^= 1;  // 0x616b3432 ("24ka" on disk) misspelt
  EXPECT_EQ(model_error(b), "unknown format: magic '34ka' is neither GGUF nor a llama2.c checkpoint");
}

TEST(BadInput, Version2Headers) {
  std::vector<uint8_t> b = file_bytes("stories260K_q80_gs4.bin");
  set_i32(b, 4, 9);
  EXPECT_EQ(model_error(b), "unsupported checkpoint version 9 (expected 1 or 2)");
  b = file_bytes("stories260K_q80_gs4.bin");
  set_i32(b, 37, 0);
  EXPECT_EQ(model_error(b), "bad header: group_size 0, must be positive");
  set_i32(b, 37, 64);
  EXPECT_EQ(model_error(b), "bad header: group_size 64 does not divide dim 64 and hidden_dim 172");
  b = file_bytes("stories260K_q80_gs4.bin");
  b.resize(100);
  EXPECT_EQ(model_error(b), "file too short for a version 1/2 header (100 bytes, needs 256)");
}

// Offset of the type field of a tensor in a GGUF directory.
size_t gguf_type_offset(const std::vector<uint8_t>& b, const std::string& name) {
  auto it = std::search(b.begin(), b.end(), name.begin(), name.end());
  EXPECT_NE(it, b.end());
  size_t at = size_t(it - b.begin()) + name.size();
  uint32_t n_dims;
  memcpy(&n_dims, b.data() + at, 4);
  return at + 4 + 8 * n_dims;
}

TEST(BadInput, GgufFiles) {
  std::vector<uint8_t> b = file_bytes("stories260K.gguf");
  set_i32(b, gguf_type_offset(b, "blk.0.attn_q.weight"), 99);
  EXPECT_EQ(model_error(b),
            "tensor blk.0.attn_q.weight has type number 99 (unknown to ggml), which is not supported "
            "(supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K)");
  // Types ggml has and the engine does not are named.
  for (auto [number, name] : {std::pair{10, "Q2_K"}, {11, "Q3_K"}, {23, "IQ4_XS"}, {16, "IQ2_XXS"},
                              {20, "IQ4_NL"}, {39, "MXFP4"}}) {
    b = file_bytes("stories260K.gguf");
    set_i32(b, gguf_type_offset(b, "blk.1.ffn_up.weight"), number);
    const std::string want = std::string("tensor blk.1.ffn_up.weight has type ") + name + ", which is not supported";
    EXPECT_EQ(model_error(b).rfind(want, 0), 0u) << model_error(b);
  }
  // A K-quant needs rows of a multiple of 256 (stories260K's are 64 long).
  b = file_bytes("stories260K.gguf");
  set_i32(b, gguf_type_offset(b, "blk.0.attn_k.weight"), 12);
  EXPECT_EQ(model_error(b), "tensor blk.0.attn_k.weight is Q4_K but its rows (64) are not a multiple of 256");

  b = file_bytes("stories260K.gguf");
  set_i32(b, 4, 7);
  EXPECT_EQ(model_error(b), "unsupported GGUF version 7 (expected 3)");

  b = file_bytes("stories260K.gguf");
  b.resize(b.size() - 1000);
  EXPECT_NE(model_error(b).find("file too short: tensor"), std::string::npos) << model_error(b);
  b.resize(5000);
  EXPECT_EQ(model_error(b), "file too short: truncated string array");

  b = file_bytes("stories260K.gguf");
  uint64_t huge = uint64_t(1) << 40;
  memcpy(b.data() + 8, &huge, 8);  // tensor count
  EXPECT_EQ(model_error(b), "implausible GGUF header: 1099511627776 tensors, 19 metadata pairs");

  b = file_bytes("stories260K.gguf");
  std::string key = "llama.embedding_length";
  auto it = std::search(b.begin(), b.end(), key.begin(), key.end());
  set_i32(b, size_t(it - b.begin()) + key.size() + 4, 48);  // dim 48: tensors no longer fit
  EXPECT_NE(model_error(b).find("wrong shape"), std::string::npos) << model_error(b);
}

TEST(BadInput, TokenizerMismatch) {
  Status st;
  Tokenizer tok;
  EXPECT_FALSE(tok.load_bin(model_path("tokenizer.bin").c_str(), 512, st));
  EXPECT_STREQ(st.message(), "tokenizer has 32000 tokens but the model's vocabulary has 512");

  std::vector<uint8_t> b = file_bytes("tok512.bin");
  b.resize(b.size() - 3);
  Status st2;
  EXPECT_FALSE(tok.parse_bin({b.data(), b.size()}, 512, st2));
  EXPECT_EQ(std::string(st2.message()).rfind("file too short: token 511 ", 0), 0u) << st2.message();

  Status st3;
  set_i32(b, 0, 0);
  EXPECT_FALSE(tok.parse_bin({b.data(), b.size()}, 512, st3));
  EXPECT_STREQ(st3.message(), "bad tokenizer header: max_token_length 0");
}

}  // namespace
}  // namespace bf::llm::test
