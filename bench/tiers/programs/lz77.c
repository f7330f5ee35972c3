// LZ77-style compression with a hash of 3-byte prefixes, then decompression and a check.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WINDOW = 1 << 15, HASH_BITS = 14 };

static size_t compress(const uint8_t* in, size_t n, uint8_t* out) {
  static int32_t head[1 << HASH_BITS];
  memset(head, -1, sizeof head);
  size_t o = 0, i = 0;
  while (i < n) {
    size_t best_len = 0, best_off = 0;
    if (i + 3 <= n) {
      uint32_t h = ((in[i] << 16 | in[i + 1] << 8 | in[i + 2]) * 2654435761u) >> (32 - HASH_BITS);
      int32_t cand = head[h];
      head[h] = (int32_t)i;
      if (cand >= 0 && i - cand < WINDOW) {
        size_t len = 0;
        while (i + len < n && len < 255 && in[cand + len] == in[i + len]) len++;
        if (len >= 4) best_len = len, best_off = i - cand;
      }
    }
    if (best_len) {
      out[o++] = 1, out[o++] = (uint8_t)best_len, out[o++] = (uint8_t)(best_off >> 8), out[o++] = (uint8_t)best_off;
      i += best_len;
    } else {
      out[o++] = 0, out[o++] = in[i++];
    }
  }
  return o;
}

static size_t decompress(const uint8_t* in, size_t n, uint8_t* out) {
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    if (in[i] == 0) {
      out[o++] = in[i + 1], i += 2;
    } else {
      size_t len = in[i + 1], off = (size_t)in[i + 2] << 8 | in[i + 3];
      for (size_t k = 0; k < len; k++, o++) out[o] = out[o - off];
      i += 4;
    }
  }
  return o;
}

int main(int argc, char** argv) {
  size_t n = 1 << 22;
  int rounds = 4 * (argc > 1 ? atoi(argv[1]) : 1);
  uint8_t *in = malloc(n), *packed = malloc(2 * n + 16), *back = malloc(n);
  uint32_t s = 21;
  for (size_t i = 0; i < n; i++) {
    s = s * 1103515245u + 12345u;
    in[i] = (s >> 16) % 8 == 0 && i > 100 ? in[i - 1 - (s >> 20) % 90] : "the quick brown fox "[(i + (s >> 28)) % 20];
  }
  size_t total = 0;
  for (int r = 0; r < rounds; r++) {
    size_t m = compress(in, n, packed);
    if (decompress(packed, m, back) != n || memcmp(in, back, n)) return printf("roundtrip failed\n"), 1;
    total += m;
    in[r * 1000] ^= 0x55;
  }
  printf("%zu\n", total);
  free(in), free(packed), free(back);
  return 0;
}
