// Over-aligned arguments through `...` once the registers are used up: a 32-byte-aligned struct
// after stack-passed doubles was placed at a 16-byte offset of the overflow area, where the
// callee's va_arg (which aligns its pointer to 32) did not look (found by gcc's torture tests).
#include <stdarg.h>
#include <stdio.h>

struct Plain { double a, b, c, d; };
struct Wide { double a, b, c, d; } __attribute__((aligned(32)));
struct Pair { long long a, b; } __attribute__((aligned(16)));
typedef double v4d __attribute__((vector_size(32)));

static double sum_after(int skip, int kind, ...) {
  va_list ap;
  va_start(ap, kind);
  double s = 0;
  for (int i = 0; i < skip; i++) s += va_arg(ap, double) * 1000;
  if (kind == 0) { struct Plain p = va_arg(ap, struct Plain); s += p.a + 2 * p.b + 3 * p.c + 4 * p.d; }
  if (kind == 1) { struct Wide w = va_arg(ap, struct Wide); s += w.a + 2 * w.b + 3 * w.c + 4 * w.d; }
  if (kind == 2) { struct Pair p = va_arg(ap, struct Pair); s += (double)p.a + 2.0 * (double)p.b; }
  if (kind == 3) { v4d v = va_arg(ap, v4d); s += v[0] + 2 * v[1] + 3 * v[2] + 4 * v[3]; }
  s += va_arg(ap, int) * 0.5;  // what follows the aligned argument
  va_end(ap);
  return s;
}

int main(void) {
  struct Plain p = {1, 2, 3, 4};
  struct Wide w = {5, 6, 7, 8};
  struct Pair q = {9, 10};
  v4d v = {11, 12, 13, 14};
  printf("%g %g %g %g\n", sum_after(0, 0, p, 7), sum_after(0, 1, w, 7), sum_after(0, 2, q, 7), sum_after(0, 3, v, 7));
  printf("%g %g %g %g\n", sum_after(1, 0, 0.5, p, 7), sum_after(1, 1, 0.5, w, 7), sum_after(1, 2, 0.5, q, 7),
         sum_after(1, 3, 0.5, v, 7));
  printf("%g %g %g %g\n", sum_after(9, 0, 1., 2., 3., 4., 5., 6., 7., 8., 9., p, 7),
         sum_after(9, 1, 1., 2., 3., 4., 5., 6., 7., 8., 9., w, 7),
         sum_after(9, 2, 1., 2., 3., 4., 5., 6., 7., 8., 9., q, 7),
         sum_after(9, 3, 1., 2., 3., 4., 5., 6., 7., 8., 9., v, 7));
  printf("%g %g\n", sum_after(10, 1, 1., 2., 3., 4., 5., 6., 7., 8., 9., 10., w, 7),
         sum_after(11, 1, 1., 2., 3., 4., 5., 6., 7., 8., 9., 10., 11., w, 7));
  return 0;
}
