// Clang vector extensions: arithmetic, shuffles, element access, compares and selects,
// conversions; and loops the auto-vectorizer turns into vector IR with reductions at -O2.
#include <stdint.h>
#include <stdio.h>

typedef float v8f __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
typedef int16_t v16s __attribute__((vector_size(32)));
typedef double v4d __attribute__((vector_size(32)));
typedef uint8_t v16b __attribute__((vector_size(16)));

static float dot(const float* a, const float* b, int n) { float s = 0; for (int i = 0; i < n; i++) s += a[i] * b[i]; return s; }
static int isum(const int* a, int n) { int s = 0; for (int i = 0; i < n; i++) s += a[i]; return s; }
static int imax(const int* a, int n) { int m = a[0]; for (int i = 1; i < n; i++) m = a[i] > m ? a[i] : m; return m; }
static void saxpy(float* y, const float* x, float a, int n) { for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i]; }
static void clampb(uint8_t* d, const int* s, int n) { for (int i = 0; i < n; i++) d[i] = (uint8_t)(s[i] < 0 ? 0 : s[i] > 255 ? 255 : s[i]); }

int main(void) {
  v8f a = {1, 2, 3, 4, 5, 6, 7, 8}, b = {0.5f, -1, 2, -2, 4, -4, 8, -8};
  v8f c = a * b + a / 3;
  v8i m = a > b;
  v8f sel = (v8f)((m & (v8i)a) | (~m & (v8i)b));
  v8f sh = __builtin_shufflevector(a, b, 7, 0, 9, 2, 15, 4, 3, 8);
  v8i iv = __builtin_convertvector(c * 10, v8i);
  v16s s16 = {1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12, 13, -14, 15, -16};
  s16 = s16 * 300 + (v16s){1};
  v4d dd = {1.5, 2.5, -3.5, 4.0};
  dd = dd * dd - 1;
  v16b bytes = {0};
  for (int i = 0; i < 16; i++) bytes[i] = (uint8_t)(i * 37);
  bytes = bytes + bytes;
  float ca = 0; int ci = 0, cm = 0;
  for (int i = 0; i < 8; i++) { ca += c[i] + sel[i] + sh[i]; ci += iv[i]; cm += m[i]; }
  printf("%a %d %d\n", ca, ci, cm);
  for (int i = 0; i < 16; i++) printf("%d ", s16[i]);
  printf("\n%.3f %.3f %u %u\n", dd[0], dd[3], bytes[5], bytes[15]);
  static float x[1003], y[1003]; static int ints[1003]; static uint8_t out[1003];
  for (int i = 0; i < 1003; i++) { x[i] = (float)(i % 17) * 0.25f; y[i] = (float)(i % 5); ints[i] = (i * 7919) % 600 - 200; }
  saxpy(y, x, 1.5f, 1003);
  clampb(out, ints, 1003);
  int bs = 0; for (int i = 0; i < 1003; i++) bs += out[i];
  printf("%a %d %d %d\n", dot(x, y, 1003), isum(ints, 1003), imax(ints, 1003), bs);
  return 0;
}
