// A Llama model: its configuration and weight pointers carved out of one read-only mapping.
// Formats (docs/checkpoint-formats.md): llama2.c version 0 (legacy fp32), version 1 (fp32,
// "ak42" header), version 2 (Q8_0 groups, "ak42" header), and GGUF v3 (llama architecture,
// F32 and Q8_0 tensors).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "llm/buffer.h"
#include "llm/kernels.h"
#include "llm/mapped_file.h"
#include "llm/status.h"

namespace bf::llm {

struct Config {
  int dim = 0;         // transformer width
  int hidden_dim = 0;  // feed-forward width
  int n_layers = 0;
  int n_heads = 0;     // query heads
  int n_kv_heads = 0;  // key/value heads (fewer than n_heads: grouped-query attention)
  int vocab_size = 0;
  int seq_len = 0;     // maximum positions
  float rope_theta = 10000.0f;
  float rms_eps = 1e-5f;

  int head_size() const { return dim / n_heads; }
  int kv_dim() const { return head_size() * n_kv_heads; }
};

// Largest accepted value of any one size in a header: bigger is corruption, not a model.
constexpr int kMaxModelSize = 1 << 20;

// Checks the sizes a forward pass relies on; the message names the offending value.
bool validate_config(const Config& c, Status& st);

enum class WeightType : uint8_t {
  kF32,       // rows * cols floats
  kQ8Groups,  // llama2.c version 2: rows * cols int8, then one float scale per group_size values
  kQ8Blocks,  // GGUF Q8_0: rows * cols / 32 blocks of 32 int8 and one fp16 scale
  kF16,       // GGUF F16: rows * cols IEEE halves
};

// A weight matrix W(rows, cols), row-major: out(rows) = W @ x(cols).
struct Matrix {
  WeightType type = WeightType::kF32;
  int rows = 0;
  int cols = 0;
  int group_size = 0;             // kQ8Groups only
  const void* data = nullptr;     // float, int8_t, GgufQ8Block or uint16_t
  const float* scales = nullptr;  // kQ8Groups only

  // Row r as floats (the token embedding lookup), dequantized when needed.
  void read_row(int r, float* out) const;
};

struct LayerWeights {
  const float* rms_att = nullptr;  // (dim)
  const float* rms_ffn = nullptr;  // (dim)
  Matrix wq;  // (n_heads * head_size, dim)
  Matrix wk;  // (n_kv_heads * head_size, dim)
  Matrix wv;  // (n_kv_heads * head_size, dim)
  Matrix wo;  // (dim, n_heads * head_size)
  Matrix w1;  // (hidden_dim, dim): gate
  Matrix w2;  // (dim, hidden_dim): down
  Matrix w3;  // (hidden_dim, dim): up
};

// The vocabulary a GGUF file carries (tokenizer.ggml.*): raw views into the mapping, decoded by
// Tokenizer::load_gguf.
struct GgufVocab {
  const uint8_t* tokens = nullptr;  // array of GGUF strings (u64 length + bytes)
  const uint8_t* scores = nullptr;  // float32 array, or nullptr
  const uint8_t* token_types = nullptr;  // int32 array (3 = control, 4 = user-defined), or nullptr
  uint64_t count = 0;
  size_t tokens_bytes = 0;  // bytes spanned by the token strings
  std::string_view model;   // tokenizer.ggml.model: "llama" is SentencePiece; empty when absent
  int64_t bos_id = -1;      // tokenizer.ggml.bos_token_id / eos_token_id; -1 when absent
  int64_t eos_id = -1;
  std::string_view chat_template;  // tokenizer.chat_template (Jinja text); empty when absent
};

enum class ModelFormat : uint8_t { kLlama2cV0, kLlama2cV1, kLlama2cV2, kGguf };
const char* format_name(ModelFormat f);

struct Model {
  ModelFormat format = ModelFormat::kLlama2cV0;
  Config config;
  Matrix token_embedding;           // (vocab_size, dim)
  Buffer<LayerWeights> layers;      // n_layers
  const float* rms_final = nullptr; // (dim)
  Matrix classifier;                // (vocab_size, dim)
  bool shared_classifier = false;   // classifier is token_embedding
  GgufVocab vocab;                  // GGUF only: count == 0 otherwise
  MappedFile file;                  // owns the bytes everything above points into
};

// Parsers over bytes held elsewhere (the fuzz targets call these directly). The model's
// pointers refer into `bytes`.
bool parse_llama2c(std::span<const uint8_t> bytes, Model& model, Status& st);
bool parse_gguf(std::span<const uint8_t> bytes, Model& model, Status& st);
// Detects the format from the first bytes (GGUF magic, "ak42" magic, else version 0).
bool parse_model(std::span<const uint8_t> bytes, Model& model, Status& st);

// Maps `path` and parses it.
bool load_model(const char* path, Model& model, Status& st);

}  // namespace bf::llm
