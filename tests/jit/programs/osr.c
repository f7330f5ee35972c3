// main never returns to a caller while its loops run: only on-stack replacement moves them
// off the interpreter. The loops carry values of several types across iterations (integers of
// several widths, float, double, a vector, a pointer and a stack array defined before the
// loop), nest, and end in a return value that the exit status checks.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef float v4 __attribute__((vector_size(16)));

int main(int argc, char** argv) {
  long rounds = argc > 1 ? atol(argv[1]) : 3000;
  uint32_t table[64];
  for (int i = 0; i < 64; i++) table[i] = (uint32_t)(i * 2654435761u);
  uint64_t h = 1469598103934665603ull;
  uint16_t small = 7;
  float f = 0.5f;
  double d = 1.0;
  v4 v = {1, 2, 3, 4};
  const uint32_t* p = table;
  _Bool flip = 0;
  for (long r = 0; r < rounds; r++) {  // outer loop: values defined before it stay live
    for (int i = 0; i < 64; i++) {     // inner loop: the hot one
      h = (h ^ (p[i] + (uint64_t)r)) * 1099511628211ull;
      small = (uint16_t)(small * 31 + (h >> 60));
      flip ^= (h & 1);
    }
    f = f * 0.999f + (float)(h & 0xff) * 1e-3f;
    d = d * 1.0001 + (flip ? 0.25 : -0.125);
    v = v * 0.5f + (v4){f, (float)small, 1.0f, (float)(r & 7)};
    table[r & 63] ^= (uint32_t)h;
  }
  printf("h=%016llx small=%u flip=%d f=%.6f d=%.6f v=%.4f,%.4f,%.4f,%.4f\n", (unsigned long long)h,
         small, flip, f, d, v[0], v[1], v[2], v[3]);
  return (int)(h & 0x7f);
}
