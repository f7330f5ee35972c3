// Monte Carlo estimates (pi, a Gaussian integral) from a xorshift128+ generator.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t s0 = 0x12345678abcdefull, s1 = 0xfedcba9876543210ull;

static uint64_t next(void) {
  uint64_t x = s0, y = s1;
  s0 = y;
  x ^= x << 23;
  s1 = x ^ y ^ (x >> 17) ^ (y >> 26);
  return s1 + y;
}

static double uniform(void) { return (next() >> 11) * (1.0 / 9007199254740992.0); }

int main(int argc, char** argv) {
  long n = 20000000L * (argc > 1 ? atoi(argv[1]) : 1), inside = 0;
  double gauss = 0;
  for (long i = 0; i < n; i++) {
    double x = uniform(), y = uniform();
    inside += x * x + y * y <= 1;
    gauss += exp(-x * x);
  }
  printf("%.6f %.6f\n", 4.0 * inside / n, gauss / n);
  return 0;
}
