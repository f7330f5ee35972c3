// Shared by the fuzz targets: an aligned copy of the input (as a file mapping would be) and one
// short run of a parsed model, so that what parsing accepts is also safe to execute.
#pragma once

#include <cmath>
#include <cstring>

#include "llm/buffer.h"
#include "llm/model.h"
#include "llm/threadpool.h"
#include "llm/transformer.h"

namespace bf::llm::fuzz {

inline std::span<const uint8_t> aligned_copy(Buffer<double>& storage, const uint8_t* data, size_t size) {
  if (!storage.allocate(size / sizeof(double) + 1)) return {};
  memcpy(storage.data(), data, size);
  return {reinterpret_cast<const uint8_t*>(storage.data()), size};
}

inline bool tame(const float* x, uint64_t n) {
  for (uint64_t i = 0; i < n; i++)
    if (!(std::fabs(x[i]) < 1e3f)) return false;
  return true;
}

inline bool tame(const Matrix& m) {
  const uint64_t n = uint64_t(m.rows) * m.cols;
  if (m.type == WeightType::kF32) return tame(static_cast<const float*>(m.data), n);
  if (m.type == WeightType::kQ8Groups) return tame(m.scales, n / m.group_size);
  // Every other type decodes row by row; its scales (halves) can be inf or NaN too.
  Buffer<float> row;
  if (!row.allocate(size_t(m.cols))) return false;
  for (int r = 0; r < m.rows; r++) {
    m.read_row(r, row.data());
    if (!tame(row.data(), uint64_t(m.cols))) return false;
  }
  return true;
}

// Weights whose magnitudes a trained model could have. Random bytes make NaN and infinity, with
// which float-to-int conversions in the kernels are undefined; real checkpoints never hold them,
// and the engine does not scan gigabytes of weights at load to rule them out.
inline bool tame(const Model& m) {
  const int dim = m.config.dim;
  if (!tame(m.token_embedding) || !tame(m.classifier) || !tame(m.rms_final, dim)) return false;
  for (const LayerWeights& l : m.layers) {
    if (!tame(l.rms_att, dim) || !tame(l.rms_ffn, dim)) return false;
    for (const Matrix* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w1, &l.w2, &l.w3})
      if (!tame(*w)) return false;
  }
  return true;
}

inline void run_two_positions(const Model& m) {
  if (!tame(m)) return;
  ThreadPool pool(1);
  Transformer t;
  Status st;
  if (!t.init(m, pool, 2, st)) return;
  t.forward(0, 0);
  t.forward(m.config.vocab_size - 1, 1);
}

}  // namespace bf::llm::fuzz
