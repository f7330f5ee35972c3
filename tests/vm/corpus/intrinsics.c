// The intrinsics clang emits for builtins: bit counting, byte swaps, overflow checks,
// saturation idioms, min/max/abs, memcpy/memmove/memset, fma, rotate.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

static uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

int main(void) {
  uint64_t h = 0;
  for (uint32_t i = 1; i < 2000; i += 13) {
    uint64_t v = (uint64_t)i * 0x9e3779b97f4a7c15ull;
    h += __builtin_popcountll(v) + __builtin_clzll(v | 1) + __builtin_ctzll(v | 0x8000000000000000ull);
    h += __builtin_popcount(i) + __builtin_clz(i) + __builtin_ctz(i);
    h ^= __builtin_bswap64(v) + __builtin_bswap32(i) + __builtin_bswap16((uint16_t)i);
    int r; h += __builtin_add_overflow((int)v, (int)i * 1000000, &r) + (unsigned)r;
    unsigned ur; h += __builtin_mul_overflow(i, i * 40000u, &ur) + ur;
    long lr; h += __builtin_sub_overflow((long)v, (long)i << 60, &lr);
    h += rotl(i * 2654435761u, i % 31 + 1);
    int a = (int)(v >> 40) - 8000000;
    h += abs(a) + (a < (int)i ? a : (int)i) + ((unsigned)a > i ? (unsigned)a : i);
    h += labs((long)v) % 1000;
  }
  char buf[64] = "abcdefghijklmnopqrstuvwxyz0123456789";
  memmove(buf + 3, buf, 20); memset(buf + 30, 'Z', 4); char cp[64]; memcpy(cp, buf, sizeof buf);
  printf("%llu %s\n", (unsigned long long)h, cp);
  double f = fma(1.0 + 1e-16, 1.0 - 1e-16, -1.0);
  printf("%a %a\n", f, fmaf(3.0f, 1.0f / 3.0f, -1.0f));
  uint8_t sat[8]; for (int i = 0; i < 8; i++) { int v = i * 70; sat[i] = v > 255 ? 255 : (uint8_t)v; }
  printf("%u %u %u\n", sat[1], sat[4], sat[7]);
  return 0;
}
