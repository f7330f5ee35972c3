// The forward pass of a Llama model, as llama2.c run.c/runq.c compute it: RMSNorm, rotary
// attention with grouped-query heads and an fp32 KV cache, SwiGLU feed-forward. All buffers are
// allocated once; a forward pass allocates nothing. Matrix rows and attention heads are split
// across the thread pool.
#pragma once

#include "llm/buffer.h"
#include "llm/kernels.h"
#include "llm/model.h"
#include "llm/status.h"
#include "llm/threadpool.h"

namespace bf::llm {

class Transformer {
 public:
  // `max_positions` bounds the KV cache (clamped to the model's seq_len). The model and pool
  // must outlive the transformer.
  bool init(const Model& model, ThreadPool& pool, int max_positions, Status& st);

  // Logits (vocab_size) for `token` at position `pos` (0 <= pos < max_positions()), after
  // caching its keys and values. Positions must come in order from 0.
  float* forward(int token, int pos);

  int max_positions() const { return max_positions_; }
  const Model& model() const { return *model_; }

  // out(rows) = W @ x(cols), over the pool; quantizes x first for Q8 weights.
  void matmul(float* out, const float* x, const Matrix& w);

  // Several matrices applied to the same x in one pass over the pool (n <= 3).
  struct Output {
    float* out;
    const Matrix* w;
  };
  void matmul_fused(const float* x, const Output (&outs)[3], int n);

 private:
  void attention(int layer, int pos);

  const Model* model_ = nullptr;
  ThreadPool* pool_ = nullptr;
  const Kernels* k_ = nullptr;
  int max_positions_ = 0;

  Buffer<float> x_;       // (dim) residual stream
  Buffer<float> xb_;      // (dim) normalized input / attention output
  Buffer<float> xb2_;     // (dim)
  Buffer<float> hb_;      // (hidden_dim)
  Buffer<float> hb2_;     // (hidden_dim)
  Buffer<float> q_;       // (dim)
  Buffer<float> rope_;    // (2 * head_size) this position's rotary cosines and sines
  Buffer<float> key_cache_;    // (n_layers, max_positions, kv_dim)
  Buffer<float> value_cache_;  // (n_layers, max_positions, kv_dim)
  Buffer<float> att_;     // (n_heads, max_positions)
  Buffer<float> logits_;  // (vocab_size)
  Buffer<int8_t> xq_;     // (max(dim, hidden_dim)) quantized matmul input
  Buffer<float> xs_;      // (max(dim, hidden_dim)) its scales
  Buffer<int32_t> xsum_;  // (max(dim, hidden_dim) / 32) its block sums (GGUF block formats)
};

}  // namespace bf::llm
