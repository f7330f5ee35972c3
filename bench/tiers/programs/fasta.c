// fasta: generate DNA sequences by weighted random choice from a linear congruential generator,
// and by repeating a string; prints checksums of the text instead of the text.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t seed = 42;
static double next_random(double max) {
  seed = (seed * 3877 + 29573) % 139968;
  return max * seed / 139968;
}

typedef struct { char c; double p; } Weighted;

static uint32_t hash_line(uint32_t h, const char* s, int n) {
  for (int i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
  return h;
}

static uint32_t repeat(const char* alu, int n) {
  int len = (int)strlen(alu), pos = 0;
  char line[61];
  uint32_t h = 2166136261u;
  while (n > 0) {
    int m = n < 60 ? n : 60;
    for (int i = 0; i < m; i++) line[i] = alu[pos], pos = (pos + 1) % len;
    h = hash_line(h, line, m);
    n -= m;
  }
  return h;
}

static uint32_t random_text(Weighted* w, int k, int n) {
  double cum = 0;
  for (int i = 0; i < k; i++) cum += w[i].p, w[i].p = cum;
  char line[61];
  uint32_t h = 2166136261u;
  while (n > 0) {
    int m = n < 60 ? n : 60;
    for (int i = 0; i < m; i++) {
      double r = next_random(1.0);
      int j = 0;
      while (j < k - 1 && w[j].p < r) j++;
      line[i] = w[j].c;
    }
    h = hash_line(h, line, m);
    n -= m;
  }
  return h;
}

int main(int argc, char** argv) {
  int n = 2500000 * (argc > 1 ? atoi(argv[1]) : 1);
  static const char alu[] = "GGCCGGGCGCGGTGGCTCACGCCTGTAATCCCAGCACTTTGGGAGGCCGAGGCGGGCGGATCACCTGAGGTCAGGAGTTCGAGACCAGCCTGGCCAACATGGTGAAACCCCGTCTCTACTAAAAATACAAAAATTAGCCGGG";
  Weighted iub[] = {{'a', 0.27}, {'c', 0.12}, {'g', 0.12}, {'t', 0.27}, {'B', 0.02}, {'D', 0.02}, {'H', 0.02},
                    {'K', 0.02}, {'M', 0.02}, {'N', 0.02}, {'R', 0.02}, {'S', 0.02}, {'V', 0.02}, {'W', 0.02}, {'Y', 0.02}};
  Weighted homo[] = {{'a', 0.3029549426680}, {'c', 0.1979883004921}, {'g', 0.1975473066391}, {'t', 0.3015094502008}};
  printf("%08x\n", repeat(alu, 2 * n));
  printf("%08x\n", random_text(iub, 15, 3 * n));
  printf("%08x\n", random_text(homo, 4, 5 * n));
  return 0;
}
