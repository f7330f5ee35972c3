// One large function (a long unrolled hash of 4x64 lanes in one body): a big unit to compile,
// hot from its first call.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MIX(i) s[i & 15] = (s[i & 15] ^ s[(i * 7 + 3) & 15]) * (0x9E3779B1u + 2 * i) + (s[(i + 5) & 15] >> ((i % 13) + 1));
#define MIX8(a) MIX(a##0) MIX(a##1) MIX(a##2) MIX(a##3) MIX(a##4) MIX(a##5) MIX(a##6) MIX(a##7)
#define MIX64(b) MIX8(b##0) MIX8(b##1) MIX8(b##2) MIX8(b##3) MIX8(b##4) MIX8(b##5) MIX8(b##6) MIX8(b##7)

static void round_function(uint32_t s[16]) {
  MIX64(1) MIX64(2) MIX64(3) MIX64(4)
}

int main(int argc, char** argv) {
  int rounds = 1200000 * (argc > 1 ? atoi(argv[1]) : 1);
  uint32_t s[16];
  for (int i = 0; i < 16; i++) s[i] = i * 0x01000193u + 1;
  for (int r = 0; r < rounds; r++) s[r & 15] += r, round_function(s);
  uint32_t h = 0;
  for (int i = 0; i < 16; i++) h = h * 31 + s[i];
  printf("%08x\n", h);
  return 0;
}
