// The weight types of matrices, and what the engine knows of each GGUF type besides its kernels:
// block size, bytes per block, name, and rows to and from floats (quantize --type writes them, Matrix::read_row and
// the tests read them back).
#pragma once

#include <cstdint>
#include <cstddef>

namespace bf::llm {

enum class WeightType : uint8_t {
  kF32,       // rows * cols floats
  kQ8Groups,  // llama2.c version 2: rows * cols int8, then one float scale per group_size values
  // GGUF (block_formats.h has the layouts of the blocks):
  kF16,   // IEEE halves
  kBF16,  // bfloat16
  kQ8_0,
  kQ4_0,
  kQ4_1,
  kQ5_0,
  kQ5_1,
  kQ4K,
  kQ5K,
  kQ6K,
};

struct WeightTypeInfo {
  const char* name;  // as ggml names it: "F32", "Q4_K", ...
  int block_values;  // values per block (1 for F32, F16, BF16)
  int block_bytes;
};

// Not for kQ8Groups, whose scales live apart from its values.
const WeightTypeInfo& weight_type_info(WeightType t);

// Bytes of `values` values of a GGUF type; values is a multiple of the type's block.
inline uint64_t weight_bytes(WeightType t, uint64_t values) {
  const WeightTypeInfo& info = weight_type_info(t);
  return values / info.block_values * info.block_bytes;
}

// n values (a multiple of the block) of a GGUF type to floats.
void dequantize_row(WeightType t, const void* in, float* out, int n);

// n floats (a multiple of the block) to a GGUF type. The 32-value formats round as ggml's
// reference quantizers do; the K-quants fit each sub-block's scale and minimum by least squares
// over a few candidate scales, then quantize the sub-block scales to 6 bits (Q4_K, Q5_K) or 8
// bits (Q6_K) and round every value again against the scales as stored.
void quantize_row(WeightType t, const float* x, void* out, int n);

}  // namespace bf::llm
