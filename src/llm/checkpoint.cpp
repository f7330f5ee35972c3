// llama2.c checkpoints: version 0 (legacy fp32: 7-int header), version 1 (fp32) and version 2
// (Q8_0 groups) with the 256-byte "ak42" header. Layouts: docs/checkpoint-formats.md.
#include <cctype>
#include <cinttypes>
#include <cstdlib>
#include <cstring>

#include "llm/byte_reader.h"
#include "llm/model.h"
#include "llm/weight_types.h"

namespace bf::llm {

namespace {

constexpr uint32_t kAk42Magic = 0x616b3432;
constexpr size_t kAk42HeaderBytes = 256;

// Hands out consecutive tensors from the weight area, checking bounds and alignment.
class Carver {
 public:
  Carver(std::span<const uint8_t> bytes, size_t offset, Status& st)
      : bytes_(bytes), offset_(offset), st_(st) {}

  size_t offset() const { return offset_; }

  const void* take(uint64_t count, uint64_t elem_size, size_t align, const char* what) {
    if (!st_.ok()) return nullptr;
    uint64_t n;
    if (__builtin_mul_overflow(count, elem_size, &n) || n > bytes_.size() - offset_) {
      st_.fail("file too short: %s needs %" PRIu64 " bytes at offset %zu, file has %zu", what,
               count * elem_size, offset_, bytes_.size());
      return nullptr;
    }
    const uint8_t* p = bytes_.data() + offset_;
    if (reinterpret_cast<uintptr_t>(p) % align != 0) {
      st_.fail("%s at offset %zu is not %zu-byte aligned", what, offset_, align);
      return nullptr;
    }
    offset_ += n;
    return p;
  }

  const float* floats(uint64_t count, const char* what) {
    return static_cast<const float*>(take(count, sizeof(float), alignof(float), what));
  }

  Matrix f32(int rows, int cols, const char* what) {
    Matrix m;
    m.type = WeightType::kF32;
    m.rows = rows;
    m.cols = cols;
    m.data = floats(uint64_t(rows) * cols, what);
    return m;
  }

  // runq.c layout: the int8 values of the whole tensor, then its scales.
  Matrix q8(int rows, int cols, int group_size, const char* what) {
    Matrix m;
    m.type = WeightType::kQ8Groups;
    m.rows = rows;
    m.cols = cols;
    m.group_size = group_size;
    uint64_t n = uint64_t(rows) * cols;
    m.data = take(n, 1, 1, what);
    m.scales = floats(n / group_size, what);
    return m;
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t offset_;
  Status& st_;
};

bool check_end(const Carver& carver, std::span<const uint8_t> bytes, Status& st) {
  if (!st.ok()) return false;
  if (carver.offset() != bytes.size())
    return st.fail("%zu bytes beyond the weights the header declares (%zu bytes expected)",
                   bytes.size() - carver.offset(), carver.offset());
  return true;
}

// Version 0: every tensor of a kind for all layers together, in the order of run.c.
bool carve_v0(std::span<const uint8_t> bytes, size_t offset, Model& m, Status& st) {
  const Config& c = m.config;
  Carver w(bytes, offset, st);
  const int L = c.n_layers, dim = c.dim, hidden = c.hidden_dim, q_dim = c.n_heads * c.head_size();
  const int kv_dim = c.kv_dim();
  m.token_embedding = w.f32(c.vocab_size, dim, "token_embedding_table");
  const float* rms_att = w.floats(uint64_t(L) * dim, "rms_att_weight");
  const float* wq = w.floats(uint64_t(L) * q_dim * dim, "wq");
  const float* wk = w.floats(uint64_t(L) * kv_dim * dim, "wk");
  const float* wv = w.floats(uint64_t(L) * kv_dim * dim, "wv");
  const float* wo = w.floats(uint64_t(L) * dim * q_dim, "wo");
  const float* rms_ffn = w.floats(uint64_t(L) * dim, "rms_ffn_weight");
  const float* w1 = w.floats(uint64_t(L) * hidden * dim, "w1");
  const float* w2 = w.floats(uint64_t(L) * dim * hidden, "w2");
  const float* w3 = w.floats(uint64_t(L) * hidden * dim, "w3");
  m.rms_final = w.floats(dim, "rms_final_weight");
  w.floats(uint64_t(c.seq_len) * c.head_size(), "freq_cis (unused)");  // real and imaginary halves
  if (m.shared_classifier)
    m.classifier = m.token_embedding;
  else
    m.classifier = w.f32(c.vocab_size, dim, "wcls");
  if (!check_end(w, bytes, st)) return false;
  for (int l = 0; l < L; l++) {
    LayerWeights& lw = m.layers[l];
    auto mat = [](const float* base, int l, int rows, int cols) {
      Matrix mm;
      mm.rows = rows;
      mm.cols = cols;
      mm.data = base + uint64_t(l) * rows * cols;
      return mm;
    };
    lw.rms_att = rms_att + uint64_t(l) * dim;
    lw.rms_ffn = rms_ffn + uint64_t(l) * dim;
    lw.wq = mat(wq, l, q_dim, dim);
    lw.wk = mat(wk, l, kv_dim, dim);
    lw.wv = mat(wv, l, kv_dim, dim);
    lw.wo = mat(wo, l, dim, q_dim);
    lw.w1 = mat(w1, l, hidden, dim);
    lw.w2 = mat(w2, l, dim, hidden);
    lw.w3 = mat(w3, l, hidden, dim);
  }
  return true;
}

// Versions 1 and 2 (export.py): norms first, then the embedding, then each matrix kind for all
// layers, then the classifier unless shared. Version 2 stores matrices as Q8_0 groups.
bool carve_ak42(std::span<const uint8_t> bytes, bool quantized, int gs, Model& m, Status& st) {
  const Config& c = m.config;
  Carver w(bytes, kAk42HeaderBytes, st);
  const int L = c.n_layers, dim = c.dim, hidden = c.hidden_dim, q_dim = c.n_heads * c.head_size();
  const int kv_dim = c.kv_dim();
  auto matrix = [&](int rows, int cols, const char* what) {
    return quantized ? w.q8(rows, cols, gs, what) : w.f32(rows, cols, what);
  };
  for (int l = 0; l < L; l++) m.layers[l].rms_att = w.floats(dim, "rms_att_weight");
  for (int l = 0; l < L; l++) m.layers[l].rms_ffn = w.floats(dim, "rms_ffn_weight");
  m.rms_final = w.floats(dim, "rms_final_weight");
  m.token_embedding = matrix(c.vocab_size, dim, "token_embedding_table");
  for (int l = 0; l < L; l++) m.layers[l].wq = matrix(q_dim, dim, "wq");
  for (int l = 0; l < L; l++) m.layers[l].wk = matrix(kv_dim, dim, "wk");
  for (int l = 0; l < L; l++) m.layers[l].wv = matrix(kv_dim, dim, "wv");
  for (int l = 0; l < L; l++) m.layers[l].wo = matrix(dim, q_dim, "wo");
  for (int l = 0; l < L; l++) m.layers[l].w1 = matrix(hidden, dim, "w1");
  for (int l = 0; l < L; l++) m.layers[l].w2 = matrix(dim, hidden, "w2");
  for (int l = 0; l < L; l++) m.layers[l].w3 = matrix(hidden, dim, "w3");
  m.classifier = m.shared_classifier ? m.token_embedding : matrix(c.vocab_size, dim, "wcls");
  return check_end(w, bytes, st);
}

bool read_config_ints(ByteReader& r, Config& c) {
  int32_t v[7];
  for (int32_t& x : v)
    if (!r.read(x)) return false;
  c.dim = v[0];
  c.hidden_dim = v[1];
  c.n_layers = v[2];
  c.n_heads = v[3];
  c.n_kv_heads = v[4];
  c.vocab_size = v[5];
  c.seq_len = v[6];
  return true;
}

}  // namespace

bool validate_config(const Config& c, Status& st) {
  struct {
    const char* name;
    int value;
  } sizes[] = {{"dim", c.dim},           {"hidden_dim", c.hidden_dim}, {"n_layers", c.n_layers},
               {"n_heads", c.n_heads},   {"n_kv_heads", c.n_kv_heads}, {"vocab_size", c.vocab_size},
               {"seq_len", c.seq_len}};
  for (const auto& s : sizes) {
    if (s.value <= 0) return st.fail("bad config: %s is %d, must be positive", s.name, s.value);
    if (s.value > kMaxModelSize)
      return st.fail("bad config: %s is %d, larger than %d", s.name, s.value, kMaxModelSize);
  }
  if (c.dim % c.n_heads != 0)
    return st.fail("bad config: n_heads %d does not divide dim %d", c.n_heads, c.dim);
  if (c.n_heads % c.n_kv_heads != 0)
    return st.fail("bad config: n_kv_heads %d does not divide n_heads %d", c.n_kv_heads, c.n_heads);
  if (c.head_size() % 2 != 0)
    return st.fail("bad config: head size %d is odd (rotary embedding needs pairs)", c.head_size());
  if (c.vocab_size < 3)
    return st.fail("bad config: vocab_size %d is too small (needs <unk>, <s>, </s>)", c.vocab_size);
  if (!(c.rms_eps > 0.0f && c.rms_eps < 1.0f))
    return st.fail("bad config: rms epsilon %g out of range", double(c.rms_eps));
  if (!(c.rope_theta > 1.0f && c.rope_theta < 1e12f))
    return st.fail("bad config: rope theta %g out of range", double(c.rope_theta));
  return true;
}

const char* format_name(ModelFormat f) {
  switch (f) {
    case ModelFormat::kLlama2cV0: return "llama2.c v0 (fp32)";
    case ModelFormat::kLlama2cV1: return "llama2.c v1 (fp32)";
    case ModelFormat::kLlama2cV2: return "llama2.c v2 (Q8_0)";
    case ModelFormat::kGguf: return "GGUF";
  }
  return "?";
}

bool parse_llama2c(std::span<const uint8_t> bytes, Model& m, Status& st) {
  ByteReader r(bytes);
  uint32_t magic = 0;
  if (!r.read(magic)) return st.fail("file too short for a checkpoint header (%zu bytes)", bytes.size());
  Config& c = m.config;
  c = Config{};
  bool ak42 = magic == kAk42Magic;
  int version = 0;
  uint8_t shared = 0;
  int32_t group_size = 0;
  if (ak42) {
    int32_t v = 0;
    if (bytes.size() < kAk42HeaderBytes || !r.read(v) || !read_config_ints(r, c) || !r.read(shared))
      return st.fail("file too short for a version 1/2 header (%zu bytes, needs %zu)", bytes.size(),
                     kAk42HeaderBytes);
    version = v;
    if (version != 1 && version != 2)
      return st.fail("unsupported checkpoint version %d (expected 1 or 2)", version);
    if (shared > 1) return st.fail("bad header: shared_classifier flag is %u", shared);
    if (version == 2 && !r.read(group_size)) return st.fail("file too short for a version 2 header");
    m.shared_classifier = shared == 1;
  } else {
    // A version 0 header has no magic, but its first int (dim <= 2^20) has zero high bytes:
    // four printable characters mean some other format (or a misspelt magic).
    const uint8_t* b = bytes.data();
    if (isprint(b[0]) && isprint(b[1]) && isprint(b[2]) && isprint(b[3]))
      return st.fail("unknown format: magic '%c%c%c%c' is neither GGUF nor a llama2.c checkpoint",
                     b[0], b[1], b[2], b[3]);
    r.seek(0);
    if (!read_config_ints(r, c))
      return st.fail("file too short for a checkpoint header (%zu bytes, needs 28)", bytes.size());
    // Version 0 says "the classifier is the embedding" with a positive vocab_size.
    m.shared_classifier = c.vocab_size > 0;
    if (c.vocab_size < 0 && c.vocab_size > -kMaxModelSize - 1) c.vocab_size = -c.vocab_size;
  }
  if (!validate_config(c, st)) return false;
  if (version == 2) {
    if (group_size <= 0) return st.fail("bad header: group_size %d, must be positive", group_size);
    int q_dim = c.n_heads * c.head_size();
    if (c.dim % group_size || c.hidden_dim % group_size || q_dim % group_size)
      return st.fail("bad header: group_size %d does not divide dim %d and hidden_dim %d", group_size,
                     c.dim, c.hidden_dim);
  }
  // Each layer holds at least its two norms: reject impossible layer counts before allocating.
  if (uint64_t(c.n_layers) * c.dim * 2 * sizeof(float) > bytes.size())
    return st.fail("file too short: %d layers of dim %d cannot fit in %zu bytes", c.n_layers, c.dim,
                   bytes.size());
  if (!m.layers.allocate(c.n_layers)) return st.fail("out of memory");
  switch (version) {
    case 0: m.format = ModelFormat::kLlama2cV0; return carve_v0(bytes, 28, m, st);
    case 1: m.format = ModelFormat::kLlama2cV1; return carve_ak42(bytes, false, 0, m, st);
    default: m.format = ModelFormat::kLlama2cV2; return carve_ak42(bytes, true, group_size, m, st);
  }
}

bool parse_model(std::span<const uint8_t> bytes, Model& m, Status& st) {
  if (bytes.size() >= 4 && memcmp(bytes.data(), "GGUF", 4) == 0) return parse_gguf(bytes, m, st);
  return parse_llama2c(bytes, m, st);
}

bool load_model(const char* path, Model& m, Status& st) {
  if (!m.file.open(path, st)) return false;
  return parse_model(m.file.bytes(), m, st);
}

void Matrix::read_row(int r, float* out) const {
  if (type == WeightType::kQ8Groups) {
    const uint64_t base = uint64_t(r) * cols;
    const int8_t* q = static_cast<const int8_t*>(data) + base;
    for (int i = 0; i < cols; i++) out[i] = q[i] * scales[(base + i) / group_size];
    return;
  }
  dequantize_row(type, static_cast<const uint8_t*>(data) + weight_bytes(type, uint64_t(r) * cols),
                 out, cols);
}

}  // namespace bf::llm
