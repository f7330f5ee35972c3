// CRC-32 (reflected, table-driven) and Adler-32 over a generated buffer, many passes.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t table[256];

static void make_table(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
}

static uint32_t crc32(uint32_t crc, const uint8_t* p, size_t n) {
  crc = ~crc;
  for (size_t i = 0; i < n; i++) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

static uint32_t adler32(const uint8_t* p, size_t n) {
  uint32_t a = 1, b = 0;
  for (size_t i = 0; i < n; i++) a = (a + p[i]) % 65521, b = (b + a) % 65521;
  return b << 16 | a;
}

int main(int argc, char** argv) {
  size_t n = 1 << 22;
  int rounds = 12 * (argc > 1 ? atoi(argv[1]) : 1);
  uint8_t* buf = malloc(n);
  for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)((i * 2654435761u) >> 13);
  make_table();
  uint32_t crc = 0, ad = 0;
  for (int r = 0; r < rounds; r++) {
    crc = crc32(crc, buf, n);
    ad ^= adler32(buf, n);
    buf[r] ^= (uint8_t)crc;
  }
  printf("%08x %08x\n", crc, ad);
  free(buf);
  return 0;
}
