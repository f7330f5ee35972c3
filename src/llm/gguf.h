// GGUF v3 constants shared by the reader (gguf.cpp) and the writer (gguf_writer.cpp).
#pragma once

#include <cstdint>

#include "llm/checkpoint_writer.h"
#include "llm/model.h"
#include "llm/tokenizer.h"

namespace bf::llm::gguf {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF"
constexpr uint32_t kVersion = 3;
constexpr uint32_t kDefaultAlignment = 32;

enum ValueType : uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};

// ggml's number of a tensor type.
enum TensorType : uint32_t {
  kTensorF32 = 0,
  kTensorF16 = 1,
  kTensorQ4_0 = 2,
  kTensorQ4_1 = 3,
  kTensorQ5_0 = 6,
  kTensorQ5_1 = 7,
  kTensorQ8_0 = 8,
  kTensorQ4K = 12,
  kTensorQ5K = 13,
  kTensorQ6K = 14,
  kTensorBF16 = 30,
};

// ggml's name of a tensor type number ("Q2_K", "IQ4_XS", ...), or nullptr for a number ggml
// never used.
const char* tensor_type_name(uint32_t type);
// The engine's weight type of a tensor type; false for the types it has no kernels for.
bool weight_type_of(uint32_t type, WeightType& out);
uint32_t tensor_type_of(WeightType t);

// The type a matrix of `cols` columns gets when `requested` is asked for: the requested one when
// its block divides cols, else what llama.cpp falls back to (Q4_K -> Q5_0, Q5_K -> Q5_1,
// Q6_K -> Q8_0), else F32.
WeightType matrix_type_for(WeightType requested, int cols);

// Writes `model` (any format) as a GGUF v3 "llama" file whose matrices have `matrix_type` (a
// GGUF type; see matrix_type_for); norms stay F32. The vocabulary is embedded when
// `tokenizer_path` names a llama2.c tokenizer.bin (or the model carries its own).
bool write_gguf(const Model& model, const char* tokenizer_path, WeightType matrix_type,
                const char* out_path, Status& st);
// The same from rows made elsewhere (bareflow synth); `vocab` may be nullptr.
bool write_gguf(const Config& c, bool shared_classifier, const Tokenizer* vocab, WeightSource src,
                WeightType matrix_type, const char* out_path, Status& st);

}  // namespace bf::llm::gguf
