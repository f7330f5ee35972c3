// ggml's quantized block formats as GGUF files store them (docs/checkpoint-formats.md has the
// layouts), and scalar decoders of one block into integers and scales. The scalar kernels, the
// dequantizer (Matrix::read_row) and the quantizers' tests all decode through these, so there is
// one reading of each layout.
//
// Values are little-endian; `d`, `m` and `dmin` are IEEE halves. Blocks are packed (no padding)
// and only 2-byte aligned: rows of blocks follow each other in a tensor.
#pragma once

#include <cstdint>

namespace bf::llm {

constexpr int kBlockValues = 32;        // values in a block of the 32-value formats (and of Q8 x)
constexpr int kSuperBlockValues = 256;  // values in a K-quant super-block

// x = d * q, q in [-127, 127] (-128 is valid in a file).
struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[32];
};
// x = d * (q - 8), q 4-bit: value j < 16 is the low nibble of qs[j], value j + 16 the high one.
struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[16];
};
// x = d * q + m, q 4-bit, nibbles as Q4_0.
struct BlockQ4_1 {
  uint16_t d, m;
  uint8_t qs[16];
};
// x = d * (q - 16), q 5-bit: the low 4 bits as Q4_0, bit j of the little-endian qh the fifth bit of
// value j.
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[16];
};
// x = d * q + m, q 5-bit as Q5_0.
struct BlockQ5_1 {
  uint16_t d, m;
  uint8_t qh[4];
  uint8_t qs[16];
};
// 256 values in 8 sub-blocks of 32: x = d * sc[s] * q - dmin * mn[s], q 4-bit, sc and mn 6-bit
// (packed in `scales`, see unpack_k_scales). Bytes qs[32c .. 32c + 31] hold sub-block 2c in their
// low nibbles and sub-block 2c + 1 in their high ones.
struct BlockQ4K {
  uint16_t d, dmin;
  uint8_t scales[12];
  uint8_t qs[128];
};
// As Q4_K with 5-bit q: the fifth bit of value i of sub-block s is bit s of qh[i].
struct BlockQ5K {
  uint16_t d, dmin;
  uint8_t scales[12];
  uint8_t qh[32];
  uint8_t qs[128];
};
// 256 values in 16 sub-blocks of 16: x = d * scales[s] * (q - 32), q 6-bit. In each half h of 128
// values, for i < 32: values i, i + 32, i + 64, i + 96 take the low nibble of ql[64h + i], the low
// nibble of ql[64h + 32 + i], the high nibble of ql[64h + i], the high nibble of ql[64h + 32 + i],
// and bits 0-1, 2-3, 4-5, 6-7 of qh[32h + i] as their two high bits.
struct BlockQ6K {
  uint8_t ql[128];
  uint8_t qh[64];
  int8_t scales[16];
  uint16_t d;
};

static_assert(sizeof(BlockQ8_0) == 34 && sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20 &&
              sizeof(BlockQ5_0) == 22 && sizeof(BlockQ5_1) == 24 && sizeof(BlockQ4K) == 144 &&
              sizeof(BlockQ5K) == 176 && sizeof(BlockQ6K) == 210);

// The 6-bit scale and minimum of sub-block s (0..7) of a Q4_K or Q5_K block: for s < 4 the low 6
// bits of bytes s and s + 4; for s >= 4 the nibbles of byte s + 4 with the top two bits of bytes
// s - 4 and s as their high bits.
inline void unpack_k_scale(const uint8_t* scales, int s, int& sc, int& mn) {
  if (s < 4) {
    sc = scales[s] & 63;
    mn = scales[s + 4] & 63;
  } else {
    sc = (scales[s + 4] & 0xF) | ((scales[s - 4] >> 6) << 4);
    mn = (scales[s + 4] >> 4) | ((scales[s] >> 6) << 4);
  }
}

// The inverse: sc and mn (each 8 values in 0..63) packed into 12 bytes.
inline void pack_k_scales(const int* sc, const int* mn, uint8_t* scales) {
  for (int s = 0; s < 4; s++) {
    scales[s] = uint8_t(sc[s] | ((sc[s + 4] >> 4) << 6));
    scales[s + 4] = uint8_t(mn[s] | ((mn[s + 4] >> 4) << 6));
    scales[s + 8] = uint8_t((sc[s + 4] & 0xF) | ((mn[s + 4] & 0xF) << 4));
  }
}

// ---- one block to integers: the quant of every value (minus the zero point of the formats
// without a minimum), in the order of the values.

inline void unpack_q4_0(const BlockQ4_0& b, int8_t* q) {
  for (int j = 0; j < 16; j++) {
    q[j] = int8_t((b.qs[j] & 0xF) - 8);
    q[j + 16] = int8_t((b.qs[j] >> 4) - 8);
  }
}

inline void unpack_q4_1(const BlockQ4_1& b, uint8_t* q) {
  for (int j = 0; j < 16; j++) {
    q[j] = b.qs[j] & 0xF;
    q[j + 16] = b.qs[j] >> 4;
  }
}

inline uint32_t q5_high_bits(const uint8_t* qh) {
  return uint32_t(qh[0]) | uint32_t(qh[1]) << 8 | uint32_t(qh[2]) << 16 | uint32_t(qh[3]) << 24;
}

inline void unpack_q5_0(const BlockQ5_0& b, int8_t* q) {
  const uint32_t h = q5_high_bits(b.qh);
  for (int j = 0; j < 16; j++) {
    q[j] = int8_t(((b.qs[j] & 0xF) | ((h >> j) & 1) << 4) - 16);
    q[j + 16] = int8_t(((b.qs[j] >> 4) | ((h >> (j + 16)) & 1) << 4) - 16);
  }
}

inline void unpack_q5_1(const BlockQ5_1& b, uint8_t* q) {
  const uint32_t h = q5_high_bits(b.qh);
  for (int j = 0; j < 16; j++) {
    q[j] = uint8_t((b.qs[j] & 0xF) | ((h >> j) & 1) << 4);
    q[j + 16] = uint8_t((b.qs[j] >> 4) | ((h >> (j + 16)) & 1) << 4);
  }
}

// q(256) in 0..15 (Q4_K) or 0..31 (Q5_K); sc(8), mn(8) in 0..63.
inline void unpack_q4_k(const BlockQ4K& b, uint8_t* q, int* sc, int* mn) {
  for (int c = 0; c < 4; c++)
    for (int i = 0; i < 32; i++) {
      q[64 * c + i] = b.qs[32 * c + i] & 0xF;
      q[64 * c + 32 + i] = b.qs[32 * c + i] >> 4;
    }
  for (int s = 0; s < 8; s++) unpack_k_scale(b.scales, s, sc[s], mn[s]);
}

inline void unpack_q5_k(const BlockQ5K& b, uint8_t* q, int* sc, int* mn) {
  for (int c = 0; c < 4; c++)
    for (int i = 0; i < 32; i++) {
      q[64 * c + i] = uint8_t((b.qs[32 * c + i] & 0xF) | ((b.qh[i] >> (2 * c)) & 1) << 4);
      q[64 * c + 32 + i] = uint8_t((b.qs[32 * c + i] >> 4) | ((b.qh[i] >> (2 * c + 1)) & 1) << 4);
    }
  for (int s = 0; s < 8; s++) unpack_k_scale(b.scales, s, sc[s], mn[s]);
}

// q(256) in -32..31; the scale of value i is b.scales[i / 16].
inline void unpack_q6_k(const BlockQ6K& b, int8_t* q) {
  for (int h = 0; h < 2; h++) {
    const uint8_t* ql = b.ql + 64 * h;
    const uint8_t* qh = b.qh + 32 * h;
    int8_t* out = q + 128 * h;
    for (int i = 0; i < 32; i++) {
      out[i] = int8_t(((ql[i] & 0xF) | ((qh[i] >> 0) & 3) << 4) - 32);
      out[i + 32] = int8_t(((ql[i + 32] & 0xF) | ((qh[i] >> 2) & 3) << 4) - 32);
      out[i + 64] = int8_t(((ql[i] >> 4) | ((qh[i] >> 4) & 3) << 4) - 32);
      out[i + 96] = int8_t(((ql[i + 32] >> 4) | ((qh[i] >> 6) & 3) << 4) - 32);
    }
  }
}

}  // namespace bf::llm
