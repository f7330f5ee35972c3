// GGUF weight types: sizes, names, dequantization (through the decoders of block_formats.h) and
// quantization.
#include "llm/weight_types.h"

#include <cmath>
#include <cstring>

#include "llm/block_formats.h"
#include "llm/kernels.h"

namespace bf::llm {

const WeightTypeInfo& weight_type_info(WeightType t) {
  static const WeightTypeInfo kF32{"F32", 1, 4}, kF16{"F16", 1, 2}, kBF16{"BF16", 1, 2},
      kQ8_0{"Q8_0", 32, sizeof(BlockQ8_0)}, kQ4_0{"Q4_0", 32, sizeof(BlockQ4_0)},
      kQ4_1{"Q4_1", 32, sizeof(BlockQ4_1)}, kQ5_0{"Q5_0", 32, sizeof(BlockQ5_0)},
      kQ5_1{"Q5_1", 32, sizeof(BlockQ5_1)}, kQ4K{"Q4_K", 256, sizeof(BlockQ4K)},
      kQ5K{"Q5_K", 256, sizeof(BlockQ5K)}, kQ6K{"Q6_K", 256, sizeof(BlockQ6K)},
      kGroups{"Q8 groups (llama2.c)", 1, 1};
  switch (t) {
    case WeightType::kF32: return kF32;
    case WeightType::kF16: return kF16;
    case WeightType::kBF16: return kBF16;
    case WeightType::kQ8_0: return kQ8_0;
    case WeightType::kQ4_0: return kQ4_0;
    case WeightType::kQ4_1: return kQ4_1;
    case WeightType::kQ5_0: return kQ5_0;
    case WeightType::kQ5_1: return kQ5_1;
    case WeightType::kQ4K: return kQ4K;
    case WeightType::kQ5K: return kQ5K;
    case WeightType::kQ6K: return kQ6K;
    case WeightType::kQ8Groups: break;
  }
  return kGroups;
}

// ---- dequantization

namespace {

template <class Block, int kValues, void (*kDecode)(const Block&, float*)>
void dequantize_blocks(const void* in, float* out, int n) {
  const Block* b = static_cast<const Block*>(in);
  for (int i = 0; i < n / kValues; i++) kDecode(b[i], out + i * kValues);
}

void decode_q8_0(const BlockQ8_0& b, float* out) {
  const float d = fp16_to_fp32(b.d);
  for (int j = 0; j < 32; j++) out[j] = d * b.qs[j];
}

template <class Block, void (*kUnpack)(const Block&, int8_t*)>
void decode_symmetric(const Block& b, float* out) {
  int8_t q[32];
  kUnpack(b, q);
  const float d = fp16_to_fp32(b.d);
  for (int j = 0; j < 32; j++) out[j] = d * q[j];
}

template <class Block, void (*kUnpack)(const Block&, uint8_t*)>
void decode_offset(const Block& b, float* out) {
  uint8_t q[32];
  kUnpack(b, q);
  const float d = fp16_to_fp32(b.d), m = fp16_to_fp32(b.m);
  for (int j = 0; j < 32; j++) out[j] = d * q[j] + m;
}

template <class Block, void (*kUnpack)(const Block&, uint8_t*, int*, int*)>
void decode_k_offset(const Block& b, float* out) {
  uint8_t q[256];
  int sc[8], mn[8];
  kUnpack(b, q, sc, mn);
  const float d = fp16_to_fp32(b.d), dmin = fp16_to_fp32(b.dmin);
  for (int s = 0; s < 8; s++) {
    const float scale = d * sc[s], min = dmin * mn[s];
    for (int j = 0; j < 32; j++) out[32 * s + j] = scale * q[32 * s + j] - min;
  }
}

void decode_q6_k(const BlockQ6K& b, float* out) {
  int8_t q[256];
  unpack_q6_k(b, q);
  const float d = fp16_to_fp32(b.d);
  for (int i = 0; i < 256; i++) out[i] = d * b.scales[i / 16] * q[i];
}

}  // namespace

void dequantize_row(WeightType t, const void* in, float* out, int n) {
  switch (t) {
    case WeightType::kF32:
      std::memcpy(out, in, sizeof(float) * size_t(n));
      return;
    case WeightType::kF16:
      for (int i = 0; i < n; i++) out[i] = fp16_to_fp32(static_cast<const uint16_t*>(in)[i]);
      return;
    case WeightType::kBF16:
      for (int i = 0; i < n; i++) out[i] = bf16_to_fp32(static_cast<const uint16_t*>(in)[i]);
      return;
    case WeightType::kQ8_0: return dequantize_blocks<BlockQ8_0, 32, decode_q8_0>(in, out, n);
    case WeightType::kQ4_0:
      return dequantize_blocks<BlockQ4_0, 32, decode_symmetric<BlockQ4_0, unpack_q4_0>>(in, out, n);
    case WeightType::kQ5_0:
      return dequantize_blocks<BlockQ5_0, 32, decode_symmetric<BlockQ5_0, unpack_q5_0>>(in, out, n);
    case WeightType::kQ4_1:
      return dequantize_blocks<BlockQ4_1, 32, decode_offset<BlockQ4_1, unpack_q4_1>>(in, out, n);
    case WeightType::kQ5_1:
      return dequantize_blocks<BlockQ5_1, 32, decode_offset<BlockQ5_1, unpack_q5_1>>(in, out, n);
    case WeightType::kQ4K:
      return dequantize_blocks<BlockQ4K, 256, decode_k_offset<BlockQ4K, unpack_q4_k>>(in, out, n);
    case WeightType::kQ5K:
      return dequantize_blocks<BlockQ5K, 256, decode_k_offset<BlockQ5K, unpack_q5_k>>(in, out, n);
    case WeightType::kQ6K: return dequantize_blocks<BlockQ6K, 256, decode_q6_k>(in, out, n);
    case WeightType::kQ8Groups: break;  // its scales live elsewhere: Matrix::read_row
  }
}

// ---- quantization

namespace {

// x * inverse rounded to nearest (halves away from zero), clamped to [lo, hi].
int quant(float x, float inverse, int lo, int hi) {
  const int q = int(std::lround(x * inverse));
  return q < lo ? lo : q > hi ? hi : q;
}

// ggml's reference rounding of Q4_0 and Q5_0: the value of largest magnitude maps to -2^(bits-1)
// exactly (d = that value / -2^(bits-1)); the others to (int)(x / d + 2^(bits-1) + 0.5), at most
// 2^bits - 1.
template <int kLevels>
void quantize_symmetric32(const float* x, uint16_t& d_out, uint8_t* q) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < 32; j++)
    if (std::fabs(x[j]) > amax) amax = std::fabs(x[j]), max = x[j];
  const float d = max / -float(kLevels / 2);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  d_out = fp32_to_fp16(d);
  for (int j = 0; j < 32; j++) {
    const int v = int(x[j] * id + float(kLevels / 2) + 0.5f);
    q[j] = uint8_t(v < kLevels - 1 ? v : kLevels - 1);
  }
}

// ggml's reference rounding of Q4_1 and Q5_1: d = (max - min) / (2^bits - 1), m = min,
// q = (int)((x - min) / d + 0.5).
template <int kLevels>
void quantize_offset32(const float* x, uint16_t& d_out, uint16_t& m_out, uint8_t* q) {
  float min = x[0], max = x[0];
  for (int j = 1; j < 32; j++) min = std::fmin(min, x[j]), max = std::fmax(max, x[j]);
  const float d = (max - min) / float(kLevels - 1);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  d_out = fp32_to_fp16(d);
  m_out = fp32_to_fp16(min);
  for (int j = 0; j < 32; j++) {
    const int v = int((x[j] - min) * id + 0.5f);
    q[j] = uint8_t(v < kLevels - 1 ? v : kLevels - 1);
  }
}

void pack_nibbles(const uint8_t* q, uint8_t* qs) {
  for (int j = 0; j < 16; j++) qs[j] = uint8_t((q[j] & 0xF) | (q[j + 16] & 0xF) << 4);
}

void pack_fifth_bits(const uint8_t* q, uint8_t* qh) {
  uint32_t h = 0;
  for (int j = 0; j < 32; j++) h |= uint32_t((q[j] >> 4) & 1) << j;
  for (int k = 0; k < 4; k++) qh[k] = uint8_t(h >> (8 * k));
}

void quantize_q8_0(const float* x, BlockQ8_0& b) {
  float amax = 0.0f;
  for (int j = 0; j < 32; j++) amax = std::fmax(amax, std::fabs(x[j]));
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  b.d = fp32_to_fp16(d);
  for (int j = 0; j < 32; j++) b.qs[j] = int8_t(std::roundf(x[j] * id));
}

void quantize_q4_0(const float* x, BlockQ4_0& b) {
  uint8_t q[32];
  quantize_symmetric32<16>(x, b.d, q);
  pack_nibbles(q, b.qs);
}

void quantize_q5_0(const float* x, BlockQ5_0& b) {
  uint8_t q[32];
  quantize_symmetric32<32>(x, b.d, q);
  pack_nibbles(q, b.qs);
  pack_fifth_bits(q, b.qh);
}

void quantize_q4_1(const float* x, BlockQ4_1& b) {
  uint8_t q[32];
  quantize_offset32<16>(x, b.d, b.m, q);
  pack_nibbles(q, b.qs);
}

void quantize_q5_1(const float* x, BlockQ5_1& b) {
  uint8_t q[32];
  quantize_offset32<32>(x, b.d, b.m, q);
  pack_nibbles(q, b.qs);
  pack_fifth_bits(q, b.qh);
}

// x ~ scale * q - min with q in [0, nmax] and min >= 0 (the formats store an unsigned minimum
// that is subtracted): the least-squares pair over 21 candidate scales around (max - lo) / nmax.
void fit_scale_min(const float* x, int n, int nmax, float& scale, float& min) {
  float lo = 0.0f, hi = x[0];
  for (int i = 0; i < n; i++) lo = std::fmin(lo, x[i]), hi = std::fmax(hi, x[i]);
  scale = 0.0f;
  min = -lo;
  if (hi <= lo) return;
  double best = INFINITY;
  for (int k = -10; k <= 10; k++) {
    const float inverse = (float(nmax) + 0.1f * float(k)) / (hi - lo);
    double sl = 0, sx = 0, sll = 0, slx = 0;
    for (int i = 0; i < n; i++) {
      const int l = quant(x[i] - lo, inverse, 0, nmax);
      sl += l, sx += x[i], sll += double(l) * l, slx += double(l) * x[i];
    }
    const double det = n * sll - sl * sl;
    if (det <= 0) continue;
    double a = (n * slx - sl * sx) / det, b = (sx - a * sl) / n;
    if (b > 0) b = 0, a = slx / sll;  // the offset can only lower values
    double err = 0;
    for (int i = 0; i < n; i++) {
      const double e = a * quant(x[i] - lo, inverse, 0, nmax) + b - x[i];
      err += e * e;
    }
    if (err < best) best = err, scale = float(a), min = float(-b);
  }
}

// Q4_K and Q5_K (nmax 15 or 31). Returns the quants of the 256 values in q.
void quantize_k_offset(const float* x, int nmax, uint16_t& d_out, uint16_t& dmin_out,
                       uint8_t* scales, uint8_t* q) {
  float scale[8], min[8], max_scale = 0.0f, max_min = 0.0f;
  for (int s = 0; s < 8; s++) {
    fit_scale_min(x + 32 * s, 32, nmax, scale[s], min[s]);
    max_scale = std::fmax(max_scale, scale[s]);
    max_min = std::fmax(max_min, min[s]);
  }
  d_out = fp32_to_fp16(max_scale / 63.0f);
  dmin_out = fp32_to_fp16(max_min / 63.0f);
  const float d = fp16_to_fp32(d_out), dmin = fp16_to_fp32(dmin_out);
  int sc[8], mn[8];
  for (int s = 0; s < 8; s++) {
    sc[s] = d > 0.0f ? quant(scale[s], 1.0f / d, 0, 63) : 0;
    mn[s] = dmin > 0.0f ? quant(min[s], 1.0f / dmin, 0, 63) : 0;
    const float step = d * sc[s], offset = dmin * mn[s];
    for (int j = 0; j < 32; j++)
      q[32 * s + j] = uint8_t(step > 0.0f ? quant(x[32 * s + j] + offset, 1.0f / step, 0, nmax) : 0);
  }
  pack_k_scales(sc, mn, scales);
}

void quantize_q4_k(const float* x, BlockQ4K& b) {
  uint8_t q[256];
  quantize_k_offset(x, 15, b.d, b.dmin, b.scales, q);
  for (int c = 0; c < 4; c++)
    for (int i = 0; i < 32; i++) b.qs[32 * c + i] = uint8_t(q[64 * c + i] | q[64 * c + 32 + i] << 4);
}

void quantize_q5_k(const float* x, BlockQ5K& b) {
  uint8_t q[256];
  quantize_k_offset(x, 31, b.d, b.dmin, b.scales, q);
  std::memset(b.qh, 0, sizeof b.qh);
  for (int c = 0; c < 4; c++)
    for (int i = 0; i < 32; i++) {
      const uint8_t lo = q[64 * c + i], hi = q[64 * c + 32 + i];
      b.qs[32 * c + i] = uint8_t((lo & 0xF) | (hi & 0xF) << 4);
      b.qh[i] |= uint8_t(((lo >> 4) & 1) << (2 * c) | ((hi >> 4) & 1) << (2 * c + 1));
    }
}

// x ~ scale * q with q in [-32, 31]: least squares over 21 candidates around (largest magnitude,
// signed) / -32, which puts that value at -32 exactly.
float fit_scale_6bit(const float* x) {
  float amax = 0.0f, max = 0.0f;
  for (int i = 0; i < 16; i++)
    if (std::fabs(x[i]) > amax) amax = std::fabs(x[i]), max = x[i];
  if (amax == 0.0f) return 0.0f;
  float scale = max / -32.0f;
  double best = INFINITY;
  for (int k = -10; k <= 10; k++) {
    const float inverse = -(32.0f + 0.1f * float(k)) / max;
    double slx = 0, sll = 0;
    for (int i = 0; i < 16; i++) {
      const int l = quant(x[i], inverse, -32, 31);
      slx += double(l) * x[i], sll += double(l) * l;
    }
    if (sll <= 0) continue;
    const double a = slx / sll;
    double err = 0;
    for (int i = 0; i < 16; i++) {
      const double e = a * quant(x[i], inverse, -32, 31) - x[i];
      err += e * e;
    }
    if (err < best) best = err, scale = float(a);
  }
  return scale;
}

void quantize_q6_k(const float* x, BlockQ6K& b) {
  float scale[16], amax = 0.0f;
  for (int s = 0; s < 16; s++) {
    scale[s] = fit_scale_6bit(x + 16 * s);
    amax = std::fmax(amax, std::fabs(scale[s]));
  }
  b.d = fp32_to_fp16(amax / 127.0f);
  const float d = fp16_to_fp32(b.d);
  uint8_t q[256];
  for (int s = 0; s < 16; s++) {
    b.scales[s] = int8_t(d > 0.0f ? quant(scale[s], 1.0f / d, -127, 127) : 0);
    const float step = d * b.scales[s];
    for (int j = 0; j < 16; j++)
      q[16 * s + j] = uint8_t((step != 0.0f ? quant(x[16 * s + j], 1.0f / step, -32, 31) : 0) + 32);
  }
  for (int h = 0; h < 2; h++) {
    const uint8_t* v = q + 128 * h;
    for (int i = 0; i < 32; i++) {
      b.ql[64 * h + i] = uint8_t((v[i] & 0xF) | (v[i + 64] & 0xF) << 4);
      b.ql[64 * h + 32 + i] = uint8_t((v[i + 32] & 0xF) | (v[i + 96] & 0xF) << 4);
      b.qh[32 * h + i] = uint8_t(v[i] >> 4 | (v[i + 32] >> 4) << 2 | (v[i + 64] >> 4) << 4 |
                                 (v[i + 96] >> 4) << 6);
    }
  }
}

template <class Block, int kValues, void (*kEncode)(const float*, Block&)>
void quantize_blocks(const float* x, void* out, int n) {
  Block* b = static_cast<Block*>(out);
  for (int i = 0; i < n / kValues; i++) kEncode(x + i * kValues, b[i]);
}

}  // namespace

void quantize_row(WeightType t, const float* x, void* out, int n) {
  switch (t) {
    case WeightType::kF32:
      std::memcpy(out, x, sizeof(float) * size_t(n));
      return;
    case WeightType::kF16:
      for (int i = 0; i < n; i++) static_cast<uint16_t*>(out)[i] = fp32_to_fp16(x[i]);
      return;
    case WeightType::kBF16:
      for (int i = 0; i < n; i++) static_cast<uint16_t*>(out)[i] = fp32_to_bf16(x[i]);
      return;
    case WeightType::kQ8_0: return quantize_blocks<BlockQ8_0, 32, quantize_q8_0>(x, out, n);
    case WeightType::kQ4_0: return quantize_blocks<BlockQ4_0, 32, quantize_q4_0>(x, out, n);
    case WeightType::kQ4_1: return quantize_blocks<BlockQ4_1, 32, quantize_q4_1>(x, out, n);
    case WeightType::kQ5_0: return quantize_blocks<BlockQ5_0, 32, quantize_q5_0>(x, out, n);
    case WeightType::kQ5_1: return quantize_blocks<BlockQ5_1, 32, quantize_q5_1>(x, out, n);
    case WeightType::kQ4K: return quantize_blocks<BlockQ4K, 256, quantize_q4_k>(x, out, n);
    case WeightType::kQ5K: return quantize_blocks<BlockQ5K, 256, quantize_q5_k>(x, out, n);
    case WeightType::kQ6K: return quantize_blocks<BlockQ6K, 256, quantize_q6_k>(x, out, n);
    case WeightType::kQ8Groups: break;  // llama2.c's own writer (checkpoint_writer.cpp)
  }
}

}  // namespace bf::llm
