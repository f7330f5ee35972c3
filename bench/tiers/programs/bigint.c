// Arbitrary-precision arithmetic on base-10^9 limbs: factorial and digits of 2^n.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct { uint32_t* d; int n; } Big;

static void mul_small(Big* a, uint32_t m) {
  uint64_t carry = 0;
  for (int i = 0; i < a->n; i++) {
    uint64_t v = (uint64_t)a->d[i] * m + carry;
    a->d[i] = (uint32_t)(v % 1000000000u), carry = v / 1000000000u;
  }
  while (carry) a->d[a->n++] = (uint32_t)(carry % 1000000000u), carry /= 1000000000u;
}

static uint32_t digit_sum(const Big* a) {
  uint32_t s = 0;
  for (int i = 0; i < a->n; i++)
    for (uint32_t v = a->d[i]; v; v /= 10) s += v % 10;
  return s;
}

int main(int argc, char** argv) {
  int n = 8000 * (argc > 1 ? atoi(argv[1]) : 1);
  Big f = {calloc(n * 2 + 16, sizeof(uint32_t)), 1};
  f.d[0] = 1;
  for (int i = 2; i <= n; i++) mul_small(&f, (uint32_t)i);
  Big p = {calloc(n + 16, sizeof(uint32_t)), 1};
  p.d[0] = 1;
  for (int i = 0; i < 8 * n; i++) mul_small(&p, 2);
  printf("%d %u %d %u\n", f.n, digit_sum(&f), p.n, digit_sum(&p));
  free(f.d), free(p.d);
  return 0;
}
