// What the x86 intrinsic corpus programs (x86_sse.c, x86_avx2.c) share: four vectors each of
// bytes, floats and doubles filled from a seed the optimizer cannot see (NaNs, signed zeros,
// infinities, denormals and out-of-range values among the lanes), and the line printer.
#include <math.h>
#include <stdint.h>
#include <stdio.h>

// WIDTH bytes per vector: 16 for SSE, 32 for AVX. Lane i of vector v is the same in both.
static void fill_vectors(unsigned seed, int width, uint8_t* bytes, float* fl, double* db) {
  static const float fs[] = {1.5f, -2.25f, NAN,  -0.0f, 3e9f,  -3e9f, 0.5f,   2.5f,
                             -1.5f, INFINITY, 1e-40f, 7.0f, -7.75f, 0.0f, 100.5f, -100.5f};
  static const double ds[] = {2.5, -0.0, NAN, 1e300, -3.5, 0.25, -1e10, 6.0};
  uint32_t x = seed;
  for (int i = 0; i < 4 * width; i++) x = x * 1103515245u + 12345u, bytes[i] = (uint8_t)(x >> 16);
  for (int v = 0; v < 4; v++) {
    for (int i = 0; i < width / 4; i++) fl[v * (width / 4) + i] = fs[(v * 5 + i * 3 + seed) % 16];
    for (int i = 0; i < width / 8; i++) db[v * (width / 8) + i] = ds[(v * 3 + i + seed) % 8];
  }
}

// One line per result: the intrinsic's name, then the result's bytes in hex (V) or a number (N).
static void show(const char* name, const void* p, int n) {
  printf("%-22s", name);
  for (int i = 0; i < n; i++) printf("%02x", ((const uint8_t*)p)[i]);
  printf("\n");
}
#define V(name, expr)            \
  do {                           \
    __typeof__(expr) r_ = expr;  \
    show(name, &r_, sizeof r_);  \
  } while (0)
#define N(name, expr) printf("%-22s%lld\n", name, (long long)(expr))
