// Kernel set selection (CPU detection, BAREFLOW_KERNELS override), half and bfloat16 conversions.
#include "llm/kernels.h"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace bf::llm {

namespace {

// Chosen once; a plain atomic rather than a function-local static, whose guard would call into
// the C++ runtime library (the engine also runs as bitcode with only libc behind it).
std::atomic<const Kernels*> g_selected{nullptr};

// Best first. A set is nullptr where the CPU or the build lacks it.
const Kernels* select_kernels() {
  const Kernels* sets[] = {avx512_kernels(), avx2_kernels(), &scalar_kernels()};
  const char* names[] = {"avx512", "avx2", "scalar"};
  const Kernels* best = sets[0] ? sets[0] : sets[1] ? sets[1] : sets[2];
  const char* want = std::getenv("BAREFLOW_KERNELS");
  if (want == nullptr || *want == '\0') return best;
  for (int i = 0; i < 3; i++) {
    if (std::strcmp(want, names[i]) != 0) continue;
    if (sets[i] != nullptr) return sets[i];
    // Running on the next best set is better than faulting on a missing instruction.
    const Kernels* fallback = sets[i + 1] ? sets[i + 1] : &scalar_kernels();
    std::fprintf(stderr, "bareflow: BAREFLOW_KERNELS=%s: this CPU or build lacks that set; using %s\n",
                 want, fallback->name);
    return fallback;
  }
  std::fprintf(stderr,
               "bareflow: BAREFLOW_KERNELS=%s: unknown kernel set (scalar, avx2, avx512); using %s\n",
               want, best->name);
  return best;
}

uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

float float_of(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

}  // namespace

const Kernels& kernels() {
  const Kernels* k = g_selected.load(std::memory_order_acquire);
  if (k == nullptr) {
    k = select_kernels();
    g_selected.store(k, std::memory_order_release);
  }
  return *k;
}

BlockMatmul block_matmul(const Kernels& k, WeightType t) {
  switch (t) {
    case WeightType::kQ8_0: return k.matmul_q8_0;
    case WeightType::kQ4_0: return k.matmul_q4_0;
    case WeightType::kQ4_1: return k.matmul_q4_1;
    case WeightType::kQ5_0: return k.matmul_q5_0;
    case WeightType::kQ5_1: return k.matmul_q5_1;
    case WeightType::kQ4K: return k.matmul_q4_k;
    case WeightType::kQ5K: return k.matmul_q5_k;
    case WeightType::kQ6K: return k.matmul_q6_k;
    case WeightType::kF32: case WeightType::kF16: case WeightType::kBF16: case WeightType::kQ8Groups:
      break;
  }
  return nullptr;
}

void q8_block_sums(int32_t* sum, const int8_t* q, int n) {
  for (int b = 0; b < n / kBlockValues; b++) {
    int32_t total = 0;
    for (int i = 0; i < kBlockValues; i++) total += q[b * kBlockValues + i];
    sum[b] = total;
  }
}

void rope_angles(float* cos_sin, int head_size, int pos, float theta) {
  const int step = head_size % 2 == 0 ? 2 : 1;
  for (int d = 0; d < head_size; d += step) {
    const float freq = 1.0f / std::pow(theta, static_cast<float>(d) / head_size);
    const float val = static_cast<float>(pos) * freq;
    cos_sin[2 * d] = std::cos(val);
    cos_sin[2 * d + 1] = std::sin(val);
  }
}

float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f) return float_of(sign | 0x7f800000u | (mant << 13));  // inf, NaN
  if (exp != 0) return float_of(sign | ((exp + 112) << 23) | (mant << 13));
  if (mant == 0) return float_of(sign);  // +-0
  // Subnormal half: value = mant * 2^-24, exactly representable as a normal float.
  const float mag = static_cast<float>(mant) * 0x1p-24f;
  return sign != 0 ? -mag : mag;
}

uint16_t fp32_to_fp16(float f) {
  const uint32_t u = bits_of(f);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  const uint32_t abs = u & 0x7fffffffu;
  if (abs >= 0x7f800000u)  // inf stays inf, NaN stays a (quiet) NaN
    return sign | (abs > 0x7f800000u ? 0x7e00u : 0x7c00u);
  if (abs >= 0x477ff000u) return sign | 0x7c00u;  // rounds to >= 65520: overflow to inf
  if (abs < 0x38800000u) {
    // Result is subnormal (or zero): scale so that the half ulp 2^-24 becomes 1, round to even.
    const float scaled = float_of(abs) * 0x1p24f;  // exact: |f| < 2^-14 keeps it in range
    // Adding 2^23 makes the FPU round the fraction away with round-to-nearest-even.
    const float rounded = (scaled + 0x1p23f) - 0x1p23f;
    return sign | static_cast<uint16_t>(rounded);
  }
  // Normal: rebias exponent, round mantissa from 23 to 10 bits to nearest even.
  const uint32_t mant_odd = (abs >> 13) & 1u;
  const uint32_t rounded = abs + 0xfffu + mant_odd;
  return sign | static_cast<uint16_t>((rounded - 0x38000000u) >> 13);
}

float bf16_to_fp32(uint16_t h) { return float_of(uint32_t(h) << 16); }

uint16_t fp32_to_bf16(float f) {
  const uint32_t u = bits_of(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40);  // NaN stays a quiet NaN
  return uint16_t((u + 0x7fffu + ((u >> 16) & 1)) >> 16);  // to nearest, ties to even
}

}  // namespace bf::llm
