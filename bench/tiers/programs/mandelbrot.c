// mandelbrot: the set on an n x n grid, 50 iterations per point; prints a checksum of the bitmap.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int escapes(double cr, double ci) {
  double zr = 0, zi = 0;
  for (int i = 0; i < 50; i++) {
    double t = zr * zr - zi * zi + cr;
    zi = 2 * zr * zi + ci;
    zr = t;
    if (zr * zr + zi * zi > 4) return 1;
  }
  return 0;
}

int main(int argc, char** argv) {
  int n = 1600 * (argc > 1 ? atoi(argv[1]) : 1);
  uint32_t sum = 0, inside = 0;
  for (int y = 0; y < n; y++) {
    uint8_t byte = 0;
    for (int x = 0; x < n; x++) {
      int in = !escapes(2.0 * x / n - 1.5, 2.0 * y / n - 1.0);
      inside += in;
      byte = (uint8_t)(byte << 1 | in);
      if ((x & 7) == 7) sum = sum * 31 + byte, byte = 0;
    }
  }
  printf("%u %u\n", inside, sum);
  return 0;
}
