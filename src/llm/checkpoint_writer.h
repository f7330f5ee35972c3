// Writers of checkpoints (llama2.c version 0 and 2, GGUF v3), fed row by row from a
// WeightSource so that multi-gigabyte files stream to disk instead of being built in memory.
#pragma once

#include <cstdint>
#include <cstdio>

#include "llm/buffer.h"
#include "llm/model.h"
#include "llm/status.h"

namespace bf::llm {

// Writes `path` through a temporary file renamed into place on success, so a failed write never
// leaves a half-written file under the final name (nor clobbers an existing one).
class FileWriter {
 public:
  FileWriter() = default;
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;
  ~FileWriter();  // abandons the file unless finish() succeeded

  bool open(const char* path, Status& st);
  void write(const void* p, size_t n);  // failures are reported by finish()
  void pad_to(uint64_t offset);         // zero bytes up to `offset`
  uint64_t offset() const { return offset_; }
  bool finish(Status& st);

 private:
  FILE* f_ = nullptr;
  Buffer<char> path_, tmp_path_;
  Buffer<char> stdio_buffer_;  // outlives f_: fclose flushes from it
  uint64_t offset_ = 0;
  bool failed_ = false;
  int error_ = 0;
};

enum class TensorKind : uint8_t {
  kEmbedding, kRmsAtt, kRmsFfn, kRmsFinal, kWq, kWk, kWv, kWo, kW1, kW2, kW3, kClassifier,
};

// Shape of a tensor as W(rows, cols); norm weights are one row of dim.
void tensor_shape(const Config& c, TensorKind kind, int& rows, int& cols);

// Where the weights come from: row r of tensor `kind` of `layer` (ignored for global tensors).
struct WeightSource {
  void (*row)(const void* ctx, TensorKind kind, int layer, int r, float* out);
  const void* ctx;
};

// A model's own weights (any format; quantized ones dequantized).
WeightSource model_source(const Model& model);

// llama2.c version 0: fp32, 7-int header (negative vocab_size when the classifier is not shared).
bool write_llama2c_v0(const Config& c, bool shared_classifier, WeightSource src, const char* path,
                      Status& st);
// llama2.c version 2 (runq.c): Q8_0 with `group_size` values per fp32 scale, quantized as
// export.py does (scale = max|w| / 127, round half to even).
bool write_llama2c_v2(const Config& c, bool shared_classifier, int group_size, WeightSource src,
                      const char* path, Status& st);

// The largest group size <= 64 that divides dim and hidden_dim (every row length).
int choose_group_size(const Config& c);

}  // namespace bf::llm
