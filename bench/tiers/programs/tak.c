// Takeuchi's function, the classic call benchmark, on integers and doubles.
#include <stdio.h>
#include <stdlib.h>

static int tak(int x, int y, int z) { return y < x ? tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y)) : z; }

static double takf(double x, double y, double z) {
  return y < x ? takf(takf(x - 1, y, z), takf(y - 1, z, x), takf(z - 1, x, y)) : z;
}

int main(int argc, char** argv) {
  int k = argc > 1 ? atoi(argv[1]) : 1, sum = 0;
  double fsum = 0;
  for (int i = 0; i < 20 * k; i++) sum += tak(24 + i % 2, 16, 8);
  for (int i = 0; i < 4 * k; i++) fsum += takf(22.0, 15.0, 8.0);
  printf("%d %.1f\n", sum, fsum);
  return 0;
}
