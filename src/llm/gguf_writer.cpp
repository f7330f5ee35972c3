// GGUF v3 writer: metadata (llama.* sizes, the vocabulary), the tensor directory, then the
// tensors at 32-byte aligned offsets, each row quantized to its type (weight_types.cpp). Used by
// `bareflow quantize --gguf` and by the tests.
#include <cmath>
#include <cstring>

#include "llm/checkpoint_writer.h"
#include "llm/gguf.h"
#include "llm/tokenizer.h"
#include "llm/weight_types.h"

namespace bf::llm::gguf {

namespace {

struct Out {
  FileWriter& w;
  void u32(uint32_t v) { w.write(&v, 4); }
  void u64(uint64_t v) { w.write(&v, 8); }
  void f32(float v) { w.write(&v, 4); }
  void str(const char* s, size_t n) {
    u64(n);
    w.write(s, n);
  }
  void str(const char* s) { str(s, strlen(s)); }
  void key(const char* k, ValueType t) {
    str(k);
    u32(t);
  }
  void kv_u32(const char* k, uint32_t v) { key(k, kU32); u32(v); }
  void kv_f32(const char* k, float v) { key(k, kF32); f32(v); }
  void kv_str(const char* k, const char* v) { key(k, kString); str(v); }
};

struct TensorPlan {
  char name[48];
  TensorKind kind;
  int layer;
  int rows, cols;
  bool is_matrix;
  WeightType type;
  uint64_t size, offset;
};

// A vocabulary piece as SentencePiece writes it: spaces become U+2581.
void write_piece(Out& o, const char* p) {
  size_t n = 0;
  for (const char* c = p; *c; c++) n += *c == ' ' ? 3 : 1;
  o.u64(n);
  for (const char* c = p; *c; c++) {
    if (*c == ' ') o.w.write("\xe2\x96\x81", 3);
    else o.w.write(c, 1);
  }
}

int32_t token_type(int id, const char* piece) {
  if (id == 0) return 2;                      // unknown
  if (id == kBosToken || id == kEosToken) return 3;  // control
  if (strncmp(piece, "<0x", 3) == 0 && strlen(piece) == 6) return 6;  // byte
  return 1;                                   // normal
}

}  // namespace

bool write_gguf(const Model& model, const char* tokenizer_path, WeightType matrix_type,
                const char* out_path, Status& st) {
  Tokenizer tok;
  bool have_vocab = false;
  if (tokenizer_path) {
    if (!tok.load_bin(tokenizer_path, model.config.vocab_size, st)) return false;
    have_vocab = true;
  } else if (model.vocab.count) {
    if (!tok.load_gguf(model.vocab, st)) return false;
    have_vocab = true;
  }
  return write_gguf(model.config, model.shared_classifier, have_vocab ? &tok : nullptr,
                    model_source(model), matrix_type, out_path, st);
}

bool write_gguf(const Config& c, bool shared_classifier, const Tokenizer* vocab, WeightSource src,
                WeightType matrix_type, const char* out_path, Status& st) {
  const bool have_vocab = vocab != nullptr;
  const Tokenizer& tok = *vocab;
  // The tensor directory, in the order (and with the names) llama.cpp uses.
  const int n_tensors = 2 + (shared_classifier ? 0 : 1) + 9 * c.n_layers;
  Buffer<TensorPlan> plan;
  if (!plan.allocate(size_t(n_tensors))) return st.fail("out of memory");
  int n = 0;
  auto add = [&](const char* name, TensorKind kind, int layer) {
    TensorPlan& t = plan[n++];
    snprintf(t.name, sizeof t.name, name, layer);
    t.kind = kind;
    t.layer = layer;
    tensor_shape(c, kind, t.rows, t.cols);
    t.is_matrix = !(kind == TensorKind::kRmsAtt || kind == TensorKind::kRmsFfn || kind == TensorKind::kRmsFinal);
    t.type = t.is_matrix ? matrix_type_for(matrix_type, t.cols) : WeightType::kF32;
    t.size = weight_bytes(t.type, uint64_t(t.rows) * t.cols);
  };
  add("token_embd.weight", TensorKind::kEmbedding, 0);
  add("output_norm.weight", TensorKind::kRmsFinal, 0);
  if (!shared_classifier) add("output.weight", TensorKind::kClassifier, 0);
  for (int l = 0; l < c.n_layers; l++) {
    add("blk.%d.attn_norm.weight", TensorKind::kRmsAtt, l);
    add("blk.%d.attn_q.weight", TensorKind::kWq, l);
    add("blk.%d.attn_k.weight", TensorKind::kWk, l);
    add("blk.%d.attn_v.weight", TensorKind::kWv, l);
    add("blk.%d.attn_output.weight", TensorKind::kWo, l);
    add("blk.%d.ffn_norm.weight", TensorKind::kRmsFfn, l);
    add("blk.%d.ffn_gate.weight", TensorKind::kW1, l);
    add("blk.%d.ffn_down.weight", TensorKind::kW2, l);
    add("blk.%d.ffn_up.weight", TensorKind::kW3, l);
  }
  uint64_t at = 0;
  for (TensorPlan& t : plan) {
    t.offset = at;
    at = (at + t.size + kDefaultAlignment - 1) / kDefaultAlignment * kDefaultAlignment;
  }

  FileWriter w;
  if (!w.open(out_path, st)) return false;
  Out o{w};
  o.u32(kMagic);
  o.u32(kVersion);
  o.u64(uint64_t(n_tensors));
  o.u64(have_vocab ? 13 + 6 : 13);  // metadata pairs written below
  o.kv_str("general.architecture", "llama");
  o.kv_str("general.name", "bareflow");
  o.kv_u32("general.alignment", kDefaultAlignment);
  o.kv_u32("llama.context_length", uint32_t(c.seq_len));
  o.kv_u32("llama.embedding_length", uint32_t(c.dim));
  o.kv_u32("llama.feed_forward_length", uint32_t(c.hidden_dim));
  o.kv_u32("llama.block_count", uint32_t(c.n_layers));
  o.kv_u32("llama.attention.head_count", uint32_t(c.n_heads));
  o.kv_u32("llama.attention.head_count_kv", uint32_t(c.n_kv_heads));
  o.kv_u32("llama.rope.dimension_count", uint32_t(c.head_size()));
  o.kv_f32("llama.rope.freq_base", c.rope_theta);
  o.kv_f32("llama.attention.layer_norm_rms_epsilon", c.rms_eps);
  o.kv_u32("llama.vocab_size", uint32_t(c.vocab_size));
  if (have_vocab) {
    o.kv_str("tokenizer.ggml.model", "llama");
    o.key("tokenizer.ggml.tokens", kArray);
    o.u32(kString);
    o.u64(uint64_t(tok.vocab_size()));
    for (int i = 0; i < tok.vocab_size(); i++) {
      const char* p = tok.piece(i);
      write_piece(o, i == kBosToken ? "<s>" : i == kEosToken ? "</s>" : p);
    }
    o.key("tokenizer.ggml.scores", kArray);
    o.u32(kF32);
    o.u64(uint64_t(tok.vocab_size()));
    for (int i = 0; i < tok.vocab_size(); i++) o.f32(tok.score(i));
    o.key("tokenizer.ggml.token_type", kArray);
    o.u32(kI32);
    o.u64(uint64_t(tok.vocab_size()));
    for (int i = 0; i < tok.vocab_size(); i++) {
      int32_t type = token_type(i, tok.piece(i));
      w.write(&type, 4);
    }
    o.kv_u32("tokenizer.ggml.bos_token_id", kBosToken);
    o.kv_u32("tokenizer.ggml.eos_token_id", kEosToken);
  }
  for (const TensorPlan& t : plan) {
    o.str(t.name);
    if (t.is_matrix) {
      o.u32(2);
      o.u64(uint64_t(t.cols));  // ne0: the innermost dimension
      o.u64(uint64_t(t.rows));
    } else {
      o.u32(1);
      o.u64(uint64_t(t.cols));
    }
    o.u32(tensor_type_of(t.type));
    o.u64(t.offset);
  }
  w.pad_to((w.offset() + kDefaultAlignment - 1) / kDefaultAlignment * kDefaultAlignment);
  const uint64_t data_start = w.offset();

  Buffer<float> row;
  Buffer<uint8_t> encoded;  // one row in its type: at most 4 bytes a value
  const int widest = c.dim > c.hidden_dim ? c.dim : c.hidden_dim;
  if (!row.allocate(size_t(widest)) || !encoded.allocate(4 * size_t(widest)))
    return st.fail("out of memory");
  for (const TensorPlan& t : plan) {
    w.pad_to(data_start + t.offset);
    for (int r = 0; r < t.rows; r++) {
      src.row(src.ctx, t.kind, t.layer, r, row.data());
      quantize_row(t.type, row.data(), encoded.data(), t.cols);
      w.write(encoded.data(), size_t(weight_bytes(t.type, uint64_t(t.cols))));
    }
  }
  return w.finish(st);
}

}  // namespace bf::llm::gguf
