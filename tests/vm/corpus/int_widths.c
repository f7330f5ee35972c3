// Integer arithmetic at every width C offers, signed and unsigned, including wrap-around,
// division, shifts and bit-fields (which give odd widths in the IR).
#include <stdint.h>
#include <stdio.h>

struct Bits { unsigned a : 3; signed b : 5; unsigned c : 17; signed d : 29; uint64_t e : 41; };

static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ull; }

int main(void) {
  uint64_t h = 1469598103934665603ull;
  volatile int8_t s8 = -100; volatile uint8_t u8 = 200;
  volatile int16_t s16 = -30000; volatile uint16_t u16 = 60000;
  volatile int32_t s32 = -2000000000; volatile uint32_t u32 = 4000000000u;
  volatile int64_t s64 = -9000000000000000000ll; volatile uint64_t u64 = 18000000000000000000ull;
  for (int i = 1; i < 40; i++) {
    int8_t a8 = (int8_t)(s8 * i + u8); uint8_t b8 = (uint8_t)(u8 * i - s8);
    int16_t a16 = (int16_t)(s16 / i + u16 % (i + 1)); uint16_t b16 = (uint16_t)(u16 >> (i % 16));
    int32_t a32 = s32 / i - (s32 % (i + 3)); uint32_t b32 = u32 / (uint32_t)i ^ (u32 << (i % 32));
    int64_t a64 = s64 / i + (s64 >> (i % 63)); uint64_t b64 = u64 % (uint64_t)(i * 7919) + (u64 >> (i % 64));
    h = mix(h, (uint8_t)a8); h = mix(h, b8); h = mix(h, (uint16_t)a16); h = mix(h, b16);
    h = mix(h, (uint32_t)a32); h = mix(h, b32); h = mix(h, (uint64_t)a64); h = mix(h, b64);
    h = mix(h, (uint64_t)(int64_t)a8 * (uint64_t)(int64_t)a32);
    h = mix(h, (uint64_t)(a16 < b16) + (a32 > (int32_t)b32) * 2 + (a64 <= (int64_t)b64) * 4);
  }
  struct Bits bits = {5, -7, 100000, -100000000, 0x1ffffffffffull};
  for (int i = 0; i < 50; i++) {
    bits.a += i; bits.b -= i; bits.c *= 3; bits.d ^= i * 12345; bits.e += bits.c;
    h = mix(h, bits.a); h = mix(h, (uint64_t)(int64_t)bits.b); h = mix(h, bits.c);
    h = mix(h, (uint64_t)(int64_t)bits.d); h = mix(h, bits.e);
  }
  printf("hash %016llx\n", (unsigned long long)h);
  printf("%d %u %d %u %d %u %lld %llu\n", s8, u8, s16, u16, s32, u32, (long long)s64, (unsigned long long)u64);
  return (int)(h & 63);
}
