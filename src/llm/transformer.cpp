#include "llm/transformer.h"

#include <cmath>
#include <cstring>

#include "llm/weight_types.h"

namespace bf::llm {

namespace {

// Below this many multiply-adds, waking the pool costs more than the work: run on the caller.
constexpr size_t kMinParallelWork = 1 << 14;

// Up to three matrices that read the same input (q, k, v; or w1, w3), as one range of rows, so
// the pool is woken once for all of them.
struct MatmulJob {
  struct Part {
    float* out;
    const Matrix* w;
    int first_row;  // in the joint range
  };
  const Kernels* k;
  const float* x;
  Q8Input xq;  // x quantized, for the integer formats
  Part parts[3];
  int n_parts;
};

void matmul_part(const MatmulJob& j, const MatmulJob::Part& p, int begin, int end) {
  const Matrix& w = *p.w;
  const size_t row0 = size_t(begin) * w.cols;
  const int rows = end - begin;
  switch (w.type) {
    case WeightType::kF32:
      j.k->matmul_f32(p.out + begin, j.x, static_cast<const float*>(w.data) + row0, w.cols, rows);
      break;
    case WeightType::kQ8Groups:
      j.k->matmul_q8(p.out + begin, j.xq.q, j.xq.s, static_cast<const int8_t*>(w.data) + row0,
                     w.scales + row0 / w.group_size, w.cols, rows, w.group_size);
      break;
    case WeightType::kF16:
      j.k->matmul_f16(p.out + begin, j.x, static_cast<const uint16_t*>(w.data) + row0, w.cols, rows);
      break;
    case WeightType::kBF16:
      j.k->matmul_bf16(p.out + begin, j.x, static_cast<const uint16_t*>(w.data) + row0, w.cols, rows);
      break;
    default:
      block_matmul(*j.k, w.type)(p.out + begin, j.xq,
                                 static_cast<const uint8_t*>(w.data) + weight_bytes(w.type, row0),
                                 w.cols, rows);
      break;
  }
}

void matmul_rows(void* ctx, int begin, int end) {
  const MatmulJob& j = *static_cast<const MatmulJob*>(ctx);
  for (int i = 0; i < j.n_parts; i++) {
    const MatmulJob::Part& p = j.parts[i];
    const int lo = begin > p.first_row ? begin : p.first_row;
    const int hi = end < p.first_row + p.w->rows ? end : p.first_row + p.w->rows;
    if (lo < hi) matmul_part(j, p, lo - p.first_row, hi - p.first_row);
  }
}

struct AttentionJob {
  const Kernels* k;
  const Config* c;
  const float* q;          // (dim)
  const float* keys;       // (max_positions, kv_dim) of this layer
  const float* values;     // (max_positions, kv_dim) of this layer
  float* att;              // (n_heads, max_positions)
  float* out;              // (dim)
  int pos;
  int max_positions;
};

// Heads [begin, end): scores against every cached key, softmax, weighted sum of values.
void attention_heads(void* ctx, int begin, int end) {
  const AttentionJob& j = *static_cast<const AttentionJob*>(ctx);
  const int head_size = j.c->head_size(), kv_dim = j.c->kv_dim();
  const int kv_mul = j.c->n_heads / j.c->n_kv_heads;  // query heads per key/value head
  const float scale = sqrtf(float(head_size));
  for (int h = begin; h < end; h++) {
    const float* q = j.q + h * head_size;
    float* att = j.att + size_t(h) * j.max_positions;
    const int kv_off = (h / kv_mul) * head_size;
    for (int t = 0; t <= j.pos; t++)
      att[t] = j.k->dot(q, j.keys + size_t(t) * kv_dim + kv_off, head_size) / scale;
    j.k->softmax(att, j.pos + 1);
    float* out = j.out + h * head_size;
    memset(out, 0, sizeof(float) * head_size);
    for (int t = 0; t <= j.pos; t++)
      j.k->axpy(out, att[t], j.values + size_t(t) * kv_dim + kv_off, head_size);
  }
}

}  // namespace

bool Transformer::init(const Model& model, ThreadPool& pool, int max_positions, Status& st) {
  model_ = &model;
  pool_ = &pool;
  k_ = &kernels();
  const Config& c = model.config;
  max_positions_ = max_positions <= 0 || max_positions > c.seq_len ? c.seq_len : max_positions;
  const size_t cache = size_t(c.n_layers) * max_positions_ * c.kv_dim();
  const size_t widest = size_t(c.dim > c.hidden_dim ? c.dim : c.hidden_dim);
  if (!x_.allocate(c.dim) || !xb_.allocate(c.dim) || !xb2_.allocate(c.dim) ||
      !hb_.allocate(c.hidden_dim) || !hb2_.allocate(c.hidden_dim) || !q_.allocate(c.dim) ||
      !rope_.allocate(2 * size_t(c.head_size())) ||
      !key_cache_.allocate(cache) || !value_cache_.allocate(cache) ||
      !att_.allocate(size_t(c.n_heads) * max_positions_) || !logits_.allocate(c.vocab_size) ||
      !xq_.allocate(widest) || !xs_.allocate(widest) || !xsum_.allocate(widest / kBlockValues + 1))
    return st.fail("out of memory for the run state (%d positions)", max_positions_);
  return true;
}

void Transformer::matmul(float* out, const float* x, const Matrix& w) {
  matmul_fused(x, {{out, &w}}, 1);
}

void Transformer::matmul_fused(const float* x, const Output (&outs)[3], int n) {
  // One dispatch needs one quantized input: same weight type and group size throughout.
  const Matrix& w0 = *outs[0].w;
  for (int i = 1; i < n; i++)
    if (outs[i].w->type != w0.type || outs[i].w->group_size != w0.group_size) {
      for (int k = 0; k < n; k++) matmul(outs[k].out, x, *outs[k].w);
      return;
    }
  if (w0.type == WeightType::kQ8Groups) {
    k_->quantize_q8(xq_.data(), xs_.data(), x, w0.cols, w0.group_size);
  } else if (block_matmul(*k_, w0.type) != nullptr) {
    k_->quantize_q8(xq_.data(), xs_.data(), x, w0.cols, kBlockValues);
    q8_block_sums(xsum_.data(), xq_.data(), w0.cols);
  }
  MatmulJob job{k_, x, {xq_.data(), xs_.data(), xsum_.data()}, {}, n};
  int rows = 0;
  for (int i = 0; i < n; i++) {
    job.parts[i] = {outs[i].out, outs[i].w, rows};
    rows += outs[i].w->rows;
  }
  if (size_t(rows) * w0.cols < kMinParallelWork)
    matmul_rows(&job, 0, rows);
  else
    pool_->parallel_for(rows, matmul_rows, &job);
}

void Transformer::attention(int layer, int pos) {
  const Config& c = model_->config;
  const size_t layer_off = size_t(layer) * max_positions_ * c.kv_dim();
  AttentionJob job{k_, &c, q_.data(), key_cache_.data() + layer_off,
                   value_cache_.data() + layer_off, att_.data(), xb_.data(), pos, max_positions_};
  if (size_t(pos + 1) * c.dim < kMinParallelWork)
    attention_heads(&job, 0, c.n_heads);
  else
    pool_->parallel_for(c.n_heads, attention_heads, &job);
}

float* Transformer::forward(int token, int pos) {
  const Config& c = model_->config;
  const int dim = c.dim, kv_dim = c.kv_dim(), head_size = c.head_size();
  float* x = x_.data();
  model_->token_embedding.read_row(token, x);
  rope_angles(rope_.data(), head_size, pos, c.rope_theta);

  for (int l = 0; l < c.n_layers; l++) {
    const LayerWeights& w = model_->layers[l];
    // Attention: this position's key and value go straight into the cache.
    k_->rmsnorm(xb_.data(), x, w.rms_att, dim, c.rms_eps);
    const size_t slot = (size_t(l) * max_positions_ + pos) * kv_dim;
    float* k = key_cache_.data() + slot;
    float* v = value_cache_.data() + slot;
    matmul_fused(xb_.data(), {{q_.data(), &w.wq}, {k, &w.wk}, {v, &w.wv}}, 3);
    k_->rope(q_.data(), dim, head_size, rope_.data());
    k_->rope(k, kv_dim, head_size, rope_.data());
    attention(l, pos);
    matmul(xb2_.data(), xb_.data(), w.wo);
    for (int i = 0; i < dim; i++) x[i] += xb2_[i];

    // Feed-forward: w2(silu(w1 x) * w3 x).
    k_->rmsnorm(xb_.data(), x, w.rms_ffn, dim, c.rms_eps);
    matmul_fused(xb_.data(), {{hb_.data(), &w.w1}, {hb2_.data(), &w.w3}}, 2);
    k_->swiglu(hb_.data(), hb2_.data(), c.hidden_dim);
    matmul(xb_.data(), hb_.data(), w.w2);
    for (int i = 0; i < dim; i++) x[i] += xb_[i];
  }

  k_->rmsnorm(x, x, model_->rms_final, dim, c.rms_eps);
  matmul(logits_.data(), x, model_->classifier);
  return logits_.data();
}

}  // namespace bf::llm
