// GGUF v3 constants shared by the reader (gguf.cpp) and the writer (gguf_writer.cpp).
#pragma once

#include <cstdint>

#include "llm/model.h"

namespace bf::llm::gguf {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF"
constexpr uint32_t kVersion = 3;
constexpr uint32_t kDefaultAlignment = 32;

enum ValueType : uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};

enum TensorType : uint32_t { kTensorF32 = 0, kTensorF16 = 1, kTensorQ8_0 = 8 };

// Writes `model` (any format) as a GGUF v3 "llama" file with matrices of `matrix_type` (F32, F16,
// or Q8_0 where rows are a multiple of 32, F32 elsewhere); norms stay F32. The vocabulary is
// embedded when `tokenizer_path` names a llama2.c tokenizer.bin (or the model carries its own).
bool write_gguf(const Model& model, const char* tokenizer_path, TensorType matrix_type,
                const char* out_path, Status& st);

}  // namespace bf::llm::gguf
