#include "llm/checkpoint_writer.h"

#include <errno.h>
#include <unistd.h>

#include <cmath>
#include <cstring>

namespace bf::llm {

FileWriter::~FileWriter() {
  if (f_) {
    fclose(f_);
    unlink(tmp_path_.data());
  }
}

bool FileWriter::open(const char* path, Status& st) {
  size_t n = strlen(path);
  if (!path_.allocate(n + 1) || !tmp_path_.allocate(n + 8)) return st.fail("out of memory");
  memcpy(path_.data(), path, n + 1);
  snprintf(tmp_path_.data(), n + 8, "%s.tmp", path);
  f_ = fopen(tmp_path_.data(), "wb");
  if (!f_) return st.fail("cannot create %s: %s", tmp_path_.data(), strerror(errno));
  // Large writes: the kernel caches the file in folios as large as the writes, and only 2 MiB
  // folios can be mapped as 2 MiB pages by the engine that reads it next (4 KiB writes leave a
  // cached model on 4 KiB pages until it is evicted: ~20% slower to stream). A failure leaves
  // stdio's default buffer (glibc ignores a size given without a buffer).
  constexpr size_t kWriteBuffer = 8u << 20;
  if (stdio_buffer_.allocate(kWriteBuffer)) setvbuf(f_, stdio_buffer_.data(), _IOFBF, kWriteBuffer);
  return true;
}

void FileWriter::write(const void* p, size_t n) {
  if (failed_ || n == 0) return;
  if (fwrite(p, 1, n, f_) != n) {
    failed_ = true;
    error_ = errno;
  }
  offset_ += n;
}

void FileWriter::pad_to(uint64_t offset) {
  static const char zeros[64] = {};
  while (offset_ < offset) write(zeros, offset - offset_ < 64 ? size_t(offset - offset_) : 64);
}

bool FileWriter::finish(Status& st) {
  if (fclose(f_) != 0 && !failed_) {
    failed_ = true;
    error_ = errno;
  }
  f_ = nullptr;
  if (!failed_ && rename(tmp_path_.data(), path_.data()) != 0) {
    failed_ = true;
    error_ = errno;
  }
  if (failed_) {
    unlink(tmp_path_.data());
    return st.fail("write failed: %s", strerror(error_));
  }
  return true;
}

void tensor_shape(const Config& c, TensorKind kind, int& rows, int& cols) {
  const int q_dim = c.n_heads * c.head_size();
  rows = 1;
  cols = c.dim;
  switch (kind) {
    case TensorKind::kEmbedding: case TensorKind::kClassifier: rows = c.vocab_size; break;
    case TensorKind::kRmsAtt: case TensorKind::kRmsFfn: case TensorKind::kRmsFinal: break;
    case TensorKind::kWq: rows = q_dim; break;
    case TensorKind::kWk: case TensorKind::kWv: rows = c.kv_dim(); break;
    case TensorKind::kWo: rows = c.dim; cols = q_dim; break;
    case TensorKind::kW1: case TensorKind::kW3: rows = c.hidden_dim; break;
    case TensorKind::kW2: rows = c.dim; cols = c.hidden_dim; break;
  }
}

namespace {

void model_row(const void* ctx, TensorKind kind, int layer, int r, float* out) {
  const Model& m = *static_cast<const Model*>(ctx);
  const int dim = m.config.dim;
  const LayerWeights* lw = kind == TensorKind::kEmbedding || kind == TensorKind::kRmsFinal ||
                                   kind == TensorKind::kClassifier
                               ? nullptr
                               : &m.layers[layer];
  switch (kind) {
    case TensorKind::kEmbedding: m.token_embedding.read_row(r, out); break;
    case TensorKind::kClassifier: m.classifier.read_row(r, out); break;
    case TensorKind::kRmsFinal: memcpy(out, m.rms_final, sizeof(float) * dim); break;
    case TensorKind::kRmsAtt: memcpy(out, lw->rms_att, sizeof(float) * dim); break;
    case TensorKind::kRmsFfn: memcpy(out, lw->rms_ffn, sizeof(float) * dim); break;
    case TensorKind::kWq: lw->wq.read_row(r, out); break;
    case TensorKind::kWk: lw->wk.read_row(r, out); break;
    case TensorKind::kWv: lw->wv.read_row(r, out); break;
    case TensorKind::kWo: lw->wo.read_row(r, out); break;
    case TensorKind::kW1: lw->w1.read_row(r, out); break;
    case TensorKind::kW2: lw->w2.read_row(r, out); break;
    case TensorKind::kW3: lw->w3.read_row(r, out); break;
  }
}

// Writes every row of a tensor as fp32.
bool write_f32(FileWriter& w, const Config& c, WeightSource src, TensorKind kind, int layer,
               Buffer<float>& row) {
  int rows, cols;
  tensor_shape(c, kind, rows, cols);
  for (int r = 0; r < rows; r++) {
    src.row(src.ctx, kind, layer, r, row.data());
    w.write(row.data(), sizeof(float) * cols);
  }
  return true;
}

// export.py's quantize_q80 for one tensor: all int8 values, then all group scales.
bool write_q8_groups(FileWriter& w, const Config& c, WeightSource src, TensorKind kind, int layer,
                     int gs, Buffer<float>& row, Buffer<int8_t>& qrow, Status& st) {
  int rows, cols;
  tensor_shape(c, kind, rows, cols);
  Buffer<float> scales;
  if (!scales.allocate(size_t(rows) * cols / gs)) return st.fail("out of memory");
  size_t g = 0;
  for (int r = 0; r < rows; r++) {
    src.row(src.ctx, kind, layer, r, row.data());
    for (int start = 0; start < cols; start += gs, g++) {
      float wmax = 0.0f;
      for (int i = start; i < start + gs; i++) wmax = fmaxf(wmax, fabsf(row[i]));
      const float scale = wmax / 127.0f;
      scales[g] = scale;
      for (int i = start; i < start + gs; i++)
        qrow[i] = scale == 0.0f ? 0 : int8_t(nearbyintf(row[i] / scale));  // half to even, as torch.round
    }
    w.write(qrow.data(), size_t(cols));
  }
  w.write(scales.data(), sizeof(float) * scales.size());
  return true;
}

}  // namespace

WeightSource model_source(const Model& model) { return {model_row, &model}; }

int choose_group_size(const Config& c) {
  int gs = 64;
  while (gs > 1 && (c.dim % gs != 0 || c.hidden_dim % gs != 0)) gs /= 2;
  return gs;
}

bool write_llama2c_v0(const Config& c, bool shared, WeightSource src, const char* path, Status& st) {
  Buffer<float> row;
  int widest = c.dim > c.hidden_dim ? c.dim : c.hidden_dim;
  if (!row.allocate(size_t(widest))) return st.fail("out of memory");
  FileWriter w;
  if (!w.open(path, st)) return false;
  int32_t header[7] = {c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads,
                       shared ? c.vocab_size : -c.vocab_size, c.seq_len};
  w.write(header, sizeof header);
  auto each_layer = [&](TensorKind k) {
    for (int l = 0; l < c.n_layers; l++) write_f32(w, c, src, k, l, row);
  };
  write_f32(w, c, src, TensorKind::kEmbedding, 0, row);
  each_layer(TensorKind::kRmsAtt);
  each_layer(TensorKind::kWq);
  each_layer(TensorKind::kWk);
  each_layer(TensorKind::kWv);
  each_layer(TensorKind::kWo);
  each_layer(TensorKind::kRmsFfn);
  each_layer(TensorKind::kW1);
  each_layer(TensorKind::kW2);
  each_layer(TensorKind::kW3);
  write_f32(w, c, src, TensorKind::kRmsFinal, 0, row);
  w.pad_to(w.offset() + uint64_t(c.seq_len) * c.head_size() * sizeof(float));  // old RoPE tables
  if (!shared) write_f32(w, c, src, TensorKind::kClassifier, 0, row);
  return w.finish(st);
}

bool write_llama2c_v2(const Config& c, bool shared, int gs, WeightSource src, const char* path,
                      Status& st) {
  if (gs <= 0 || c.dim % gs != 0 || c.hidden_dim % gs != 0)
    return st.fail("group size %d does not divide dim %d and hidden_dim %d", gs, c.dim, c.hidden_dim);
  Buffer<float> row;
  Buffer<int8_t> qrow;
  int widest = c.dim > c.hidden_dim ? c.dim : c.hidden_dim;
  if (!row.allocate(size_t(widest)) || !qrow.allocate(size_t(widest))) return st.fail("out of memory");
  FileWriter w;
  if (!w.open(path, st)) return false;
  const uint32_t magic = 0x616b3432;  // "ak42"
  const int32_t version = 2;
  const int32_t config[7] = {c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size, c.seq_len};
  const uint8_t shared_flag = shared ? 1 : 0;
  const int32_t group_size = gs;
  w.write(&magic, 4);
  w.write(&version, 4);
  w.write(config, sizeof config);
  w.write(&shared_flag, 1);
  w.write(&group_size, 4);
  w.pad_to(256);
  for (int l = 0; l < c.n_layers; l++) write_f32(w, c, src, TensorKind::kRmsAtt, l, row);
  for (int l = 0; l < c.n_layers; l++) write_f32(w, c, src, TensorKind::kRmsFfn, l, row);
  write_f32(w, c, src, TensorKind::kRmsFinal, 0, row);
  bool ok = write_q8_groups(w, c, src, TensorKind::kEmbedding, 0, gs, row, qrow, st);
  for (TensorKind k : {TensorKind::kWq, TensorKind::kWk, TensorKind::kWv, TensorKind::kWo,
                       TensorKind::kW1, TensorKind::kW2, TensorKind::kW3})
    for (int l = 0; l < c.n_layers && ok; l++) ok = write_q8_groups(w, c, src, k, l, gs, row, qrow, st);
  if (ok && !shared) ok = write_q8_groups(w, c, src, TensorKind::kClassifier, 0, gs, row, qrow, st);
  if (!ok) return false;
  return w.finish(st);
}

}  // namespace bf::llm
