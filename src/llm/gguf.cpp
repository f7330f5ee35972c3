// GGUF v3 reader for the llama architecture: metadata first (llama.* sizes, tokenizer.ggml.*),
// then the tensor directory, then tensors mapped in place. ggml lists dimensions innermost
// first, so a matrix W(rows, cols) has ne0 = cols, ne1 = rows.
#include "llm/gguf.h"

#include <cinttypes>
#include <cstring>
#include <string_view>

#include "llm/byte_reader.h"

namespace bf::llm {

namespace {

using gguf::ValueType;

constexpr uint64_t kMaxEntries = 1u << 20;  // tensors or metadata pairs: more is corruption
constexpr int kMaxDims = 4;

struct Value {
  uint32_t type = 0;
  int64_t i = 0;          // integers and bool
  double f = 0;           // floats
  std::string_view s;     // strings
  uint32_t elem_type = 0; // arrays
  uint64_t count = 0;
  const uint8_t* elems = nullptr;
  size_t elems_bytes = 0;
};

bool read_string(ByteReader& r, std::string_view& s) {
  uint64_t n;
  if (!r.read(n) || n > r.remaining()) return false;
  s = {reinterpret_cast<const char*>(r.here()), size_t(n)};
  return r.skip(n);
}

size_t scalar_size(uint32_t t) {
  switch (t) {
    case gguf::kU8: case gguf::kI8: case gguf::kBool: return 1;
    case gguf::kU16: case gguf::kI16: return 2;
    case gguf::kU32: case gguf::kI32: case gguf::kF32: return 4;
    case gguf::kU64: case gguf::kI64: case gguf::kF64: return 8;
    default: return 0;
  }
}

bool read_value(ByteReader& r, uint32_t type, Value& v, int depth, Status& st) {
  v.type = type;
  switch (type) {
    case gguf::kU8: { uint8_t x; if (!r.read(x)) break; v.i = x; return true; }
    case gguf::kI8: { int8_t x; if (!r.read(x)) break; v.i = x; return true; }
    case gguf::kBool: { uint8_t x; if (!r.read(x)) break; v.i = x != 0; return true; }
    case gguf::kU16: { uint16_t x; if (!r.read(x)) break; v.i = x; return true; }
    case gguf::kI16: { int16_t x; if (!r.read(x)) break; v.i = x; return true; }
    case gguf::kU32: { uint32_t x; if (!r.read(x)) break; v.i = x; return true; }
    case gguf::kI32: { int32_t x; if (!r.read(x)) break; v.i = x; return true; }
    case gguf::kU64: { uint64_t x; if (!r.read(x)) break; v.i = x > uint64_t(INT64_MAX) ? INT64_MAX : int64_t(x); return true; }
    case gguf::kI64: { int64_t x; if (!r.read(x)) break; v.i = x; return true; }
    case gguf::kF32: { float x; if (!r.read(x)) break; v.f = x; return true; }
    case gguf::kF64: { double x; if (!r.read(x)) break; v.f = x; return true; }
    case gguf::kString: if (!read_string(r, v.s)) break; return true;
    case gguf::kArray: {
      if (depth > 0) return st.fail("nested GGUF arrays are not supported");
      if (!r.read(v.elem_type) || !r.read(v.count)) break;
      v.elems = r.here();
      size_t start = r.offset();
      if (size_t sz = scalar_size(v.elem_type)) {
        if (v.count > r.remaining() / sz) break;
        r.skip(v.count * sz);
      } else if (v.elem_type == gguf::kString) {
        std::string_view s;
        for (uint64_t k = 0; k < v.count; k++)
          if (!read_string(r, s)) return st.fail("file too short: truncated string array");
      } else {
        return st.fail("unsupported GGUF array element type %u", v.elem_type);
      }
      v.elems_bytes = r.offset() - start;
      return true;
    }
    default: return st.fail("unknown GGUF metadata value type %u", type);
  }
  return st.fail("file too short: truncated metadata value");
}

struct TensorInfo {
  std::string_view name;
  int n_dims = 0;
  uint64_t ne[kMaxDims] = {1, 1, 1, 1};
  uint32_t type = 0;
  uint64_t offset = 0;
};

struct Metadata {
  std::string_view architecture;
  int64_t dim = -1, hidden = -1, layers = -1, heads = -1, kv_heads = -1, context = -1;
  double rope_theta = 10000.0, rms_eps = 1e-5;
  int64_t alignment = gguf::kDefaultAlignment;
  Value tokens, scores;
  Value token_types;
  std::string_view tokenizer_model, chat_template;
  int64_t bos_id = -1, eos_id = -1;
};

bool as_int(const Value& v, std::string_view key, int64_t& out, Status& st) {
  if (v.type == gguf::kString || v.type == gguf::kArray || v.type == gguf::kF32 ||
      v.type == gguf::kF64)
    return st.fail("metadata %.*s is not an integer", int(key.size()), key.data());
  out = v.i;
  return true;
}

bool as_float(const Value& v, std::string_view key, double& out, Status& st) {
  if (v.type == gguf::kF32 || v.type == gguf::kF64) {
    out = v.f;
    return true;
  }
  return st.fail("metadata %.*s is not a float", int(key.size()), key.data());
}

bool note_metadata(std::string_view key, const Value& v, Metadata& md, Status& st) {
  if (key == "general.architecture") {
    if (v.type != gguf::kString) return st.fail("general.architecture is not a string");
    md.architecture = v.s;
  } else if (key == "general.alignment") return as_int(v, key, md.alignment, st);
  else if (key == "llama.embedding_length") return as_int(v, key, md.dim, st);
  else if (key == "llama.feed_forward_length") return as_int(v, key, md.hidden, st);
  else if (key == "llama.block_count") return as_int(v, key, md.layers, st);
  else if (key == "llama.attention.head_count") return as_int(v, key, md.heads, st);
  else if (key == "llama.attention.head_count_kv") return as_int(v, key, md.kv_heads, st);
  else if (key == "llama.context_length") return as_int(v, key, md.context, st);
  else if (key == "llama.rope.freq_base") return as_float(v, key, md.rope_theta, st);
  else if (key == "llama.attention.layer_norm_rms_epsilon") return as_float(v, key, md.rms_eps, st);
  else if (key == "tokenizer.ggml.tokens") {
    if (v.type != gguf::kArray || v.elem_type != gguf::kString)
      return st.fail("tokenizer.ggml.tokens is not an array of strings");
    md.tokens = v;
  } else if (key == "tokenizer.ggml.model") {
    if (v.type != gguf::kString) return st.fail("tokenizer.ggml.model is not a string");
    md.tokenizer_model = v.s;
  } else if (key == "tokenizer.ggml.token_type") {
    if (v.type != gguf::kArray || v.elem_type != gguf::kI32)
      return st.fail("tokenizer.ggml.token_type is not an array of int32");
    md.token_types = v;
  } else if (key == "tokenizer.chat_template") {
    if (v.type != gguf::kString) return st.fail("tokenizer.chat_template is not a string");
    md.chat_template = v.s;
  } else if (key == "tokenizer.ggml.bos_token_id") {
    return as_int(v, key, md.bos_id, st);
  } else if (key == "tokenizer.ggml.eos_token_id") {
    return as_int(v, key, md.eos_id, st);
  } else if (key == "tokenizer.ggml.scores") {
    if (v.type != gguf::kArray || v.elem_type != gguf::kF32)
      return st.fail("tokenizer.ggml.scores is not an array of float32");
    md.scores = v;
  }
  return true;
}

// A metadata size as an int that validate_config judges: out-of-range values stay out of range.
int to_size(int64_t v) { return v < 0 ? -1 : v > kMaxModelSize ? kMaxModelSize + 1 : int(v); }

class TensorTable {
 public:
  TensorTable(const Buffer<TensorInfo>& infos, std::span<const uint8_t> bytes, size_t data_start,
              Status& st)
      : infos_(infos), bytes_(bytes), data_start_(data_start), st_(st) {}

  const TensorInfo* find(std::string_view name) const {
    for (const TensorInfo& t : infos_)
      if (t.name == name) return &t;
    return nullptr;
  }

  // A 1-D F32 tensor of n values.
  const float* vector(std::string_view name, int n) {
    const TensorInfo* t = require(name);
    if (!t) return nullptr;
    if (t->type != gguf::kTensorF32)
      return fail_null("tensor %.*s has type %u, expected F32", name, t->type);
    if (t->n_dims != 1 || t->ne[0] != uint64_t(n))
      return fail_null("tensor %.*s has the wrong shape (expected %d values)", name, n);
    return static_cast<const float*>(locate(*t, uint64_t(n) * 4, alignof(float)));
  }

  // A matrix W(rows, cols): F32, F16 or Q8_0.
  Matrix matrix(std::string_view name, int rows, int cols) {
    Matrix m;
    const TensorInfo* t = require(name);
    if (!t) return m;
    if (t->n_dims != 2 || t->ne[0] != uint64_t(cols) || t->ne[1] != uint64_t(rows)) {
      fail_null("tensor %.*s has the wrong shape (expected %d x %d)", name, rows, cols);
      return m;
    }
    m.rows = rows;
    m.cols = cols;
    uint64_t n = uint64_t(rows) * cols;
    switch (t->type) {
      case gguf::kTensorF32:
        m.type = WeightType::kF32;
        m.data = locate(*t, n * 4, alignof(float));
        break;
      case gguf::kTensorF16:
        m.type = WeightType::kF16;
        m.data = locate(*t, n * 2, alignof(uint16_t));
        break;
      case gguf::kTensorQ8_0:
        if (cols % kGgufQ8BlockSize != 0) {
          fail_null("tensor %.*s is Q8_0 but its rows (%d) are not a multiple of 32", name, cols);
          return m;
        }
        m.type = WeightType::kQ8Blocks;
        m.data = locate(*t, n / kGgufQ8BlockSize * sizeof(GgufQ8Block), alignof(GgufQ8Block));
        break;
      default:
        fail_null("tensor %.*s has unsupported type %u (supported: F32, F16, Q8_0)", name, t->type);
    }
    return m;
  }

 private:
  template <class... A>
  std::nullptr_t fail_null(const char* fmt, std::string_view name, A... args) {
    st_.fail(fmt, int(name.size()), name.data(), args...);
    return nullptr;
  }

  const TensorInfo* require(std::string_view name) {
    if (!st_.ok()) return nullptr;
    const TensorInfo* t = find(name);
    if (!t) fail_null("tensor %.*s is missing", name);
    return t;
  }

  const void* locate(const TensorInfo& t, uint64_t size, size_t align) {
    uint64_t avail = bytes_.size() - data_start_;
    if (t.offset > avail || size > avail - t.offset)
      return fail_null("file too short: tensor %.*s (%" PRIu64 " bytes at data offset %" PRIu64
                       ") lies beyond its end",
                       t.name, size, t.offset);
    const uint8_t* p = bytes_.data() + data_start_ + t.offset;
    if (reinterpret_cast<uintptr_t>(p) % align != 0)
      return fail_null("tensor %.*s is not aligned", t.name);
    return p;
  }

  const Buffer<TensorInfo>& infos_;
  std::span<const uint8_t> bytes_;
  size_t data_start_;
  Status& st_;
};

}  // namespace

bool parse_gguf(std::span<const uint8_t> bytes, Model& m, Status& st) {
  ByteReader r(bytes);
  uint32_t magic = 0, version = 0;
  uint64_t n_tensors = 0, n_kv = 0;
  if (!r.read(magic) || !r.read(version) || !r.read(n_tensors) || !r.read(n_kv))
    return st.fail("file too short for a GGUF header");
  if (magic != gguf::kMagic) return st.fail("not a GGUF file (bad magic)");
  if (version != 2 && version != 3) return st.fail("unsupported GGUF version %u (expected 3)", version);
  if (n_tensors > kMaxEntries || n_kv > kMaxEntries)
    return st.fail("implausible GGUF header: %" PRIu64 " tensors, %" PRIu64 " metadata pairs",
                   n_tensors, n_kv);

  Metadata md;
  for (uint64_t k = 0; k < n_kv; k++) {
    std::string_view key;
    uint32_t type;
    Value v;
    if (!read_string(r, key) || !r.read(type)) return st.fail("file too short: truncated metadata");
    if (!read_value(r, type, v, 0, st)) return false;
    if (!note_metadata(key, v, md, st)) return false;
  }
  if (md.architecture != "llama")
    return st.fail("architecture '%.*s' is not supported (expected llama)",
                   int(md.architecture.size()), md.architecture.data());

  // A directory entry takes at least 28 bytes (name length, dims, type, offset).
  if (n_tensors > r.remaining() / 28)
    return st.fail("file too short: %" PRIu64 " tensors cannot fit", n_tensors);
  Buffer<TensorInfo> infos;
  if (!infos.allocate(n_tensors)) return st.fail("out of memory");
  for (TensorInfo& t : infos) {
    uint32_t n_dims;
    if (!read_string(r, t.name) || !r.read(n_dims))
      return st.fail("file too short: truncated tensor directory");
    if (n_dims == 0 || n_dims > kMaxDims)
      return st.fail("tensor %.*s has %u dimensions", int(t.name.size()), t.name.data(), n_dims);
    t.n_dims = int(n_dims);
    for (int d = 0; d < t.n_dims; d++)
      if (!r.read(t.ne[d])) return st.fail("file too short: truncated tensor directory");
    if (!r.read(t.type) || !r.read(t.offset))
      return st.fail("file too short: truncated tensor directory");
  }
  if (md.alignment <= 0 || md.alignment > 65536 || (md.alignment & (md.alignment - 1)) != 0)
    return st.fail("bad general.alignment %" PRId64, md.alignment);
  size_t data_start = (r.offset() + size_t(md.alignment) - 1) & ~(size_t(md.alignment) - 1);
  if (data_start > bytes.size()) return st.fail("file too short: no tensor data");

  TensorTable table(infos, bytes, data_start, st);
  const TensorInfo* embd = table.find("token_embd.weight");
  if (!embd) return st.fail("tensor token_embd.weight is missing");

  Config& c = m.config;
  c = Config{};
  c.dim = to_size(md.dim);
  c.hidden_dim = to_size(md.hidden);
  c.n_layers = to_size(md.layers);
  c.n_heads = to_size(md.heads);
  c.n_kv_heads = md.kv_heads < 0 ? c.n_heads : to_size(md.kv_heads);
  c.seq_len = to_size(md.context);
  // The vocabulary is as large as the embedding is tall (checked against the shape below).
  c.vocab_size = embd->ne[1] > uint64_t(kMaxModelSize) ? kMaxModelSize + 1 : int(embd->ne[1]);
  c.rope_theta = float(md.rope_theta);
  c.rms_eps = float(md.rms_eps);
  if (md.dim < 0 || md.hidden < 0 || md.layers < 0 || md.heads < 0 || md.context < 0)
    return st.fail("missing llama.* metadata (embedding_length, feed_forward_length, block_count, "
                   "attention.head_count, context_length)");
  if (!validate_config(c, st)) return false;

  if (md.tokens.count != 0) {
    if (md.tokens.count != uint64_t(c.vocab_size))
      return st.fail("tokenizer.ggml.tokens has %" PRIu64 " entries, token_embd has %d rows",
                     md.tokens.count, c.vocab_size);
    if (md.scores.elems && md.scores.count != md.tokens.count)
      return st.fail("tokenizer.ggml.scores has %" PRIu64 " entries, expected %" PRIu64,
                     md.scores.count, md.tokens.count);
    m.vocab.tokens = md.tokens.elems;
    m.vocab.tokens_bytes = md.tokens.elems_bytes;
    m.vocab.count = md.tokens.count;
    if (md.token_types.elems && md.token_types.count != md.tokens.count)
      return st.fail("tokenizer.ggml.token_type has %" PRIu64 " entries, expected %" PRIu64,
                     md.token_types.count, md.tokens.count);
    m.vocab.scores = md.scores.elems;
    m.vocab.token_types = md.token_types.elems;
    m.vocab.chat_template = md.chat_template;
    m.vocab.model = md.tokenizer_model;
    m.vocab.bos_id = md.bos_id;
    m.vocab.eos_id = md.eos_id;
  }

  if (uint64_t(c.n_layers) * 9 > n_tensors)
    return st.fail("%d layers need %d tensors, the file has %" PRIu64, c.n_layers, 9 * c.n_layers,
                   n_tensors);
  if (!m.layers.allocate(c.n_layers)) return st.fail("out of memory");
  const int dim = c.dim, hidden = c.hidden_dim, kv_dim = c.kv_dim();
  m.format = ModelFormat::kGguf;
  m.token_embedding = table.matrix("token_embd.weight", c.vocab_size, dim);
  m.rms_final = table.vector("output_norm.weight", dim);
  m.shared_classifier = table.find("output.weight") == nullptr;
  m.classifier = m.shared_classifier ? m.token_embedding : table.matrix("output.weight", c.vocab_size, dim);
  for (int l = 0; l < c.n_layers && st.ok(); l++) {
    char name[64];
    auto tensor = [&](const char* suffix) {
      snprintf(name, sizeof name, "blk.%d.%s.weight", l, suffix);
      return std::string_view(name);
    };
    LayerWeights& lw = m.layers[l];
    lw.rms_att = table.vector(tensor("attn_norm"), dim);
    lw.rms_ffn = table.vector(tensor("ffn_norm"), dim);
    lw.wq = table.matrix(tensor("attn_q"), dim, dim);
    lw.wk = table.matrix(tensor("attn_k"), kv_dim, dim);
    lw.wv = table.matrix(tensor("attn_v"), kv_dim, dim);
    lw.wo = table.matrix(tensor("attn_output"), dim, dim);
    lw.w1 = table.matrix(tensor("ffn_gate"), hidden, dim);
    lw.w2 = table.matrix(tensor("ffn_down"), dim, hidden);
    lw.w3 = table.matrix(tensor("ffn_up"), hidden, dim);
  }
  return st.ok();
}

}  // namespace bf::llm
