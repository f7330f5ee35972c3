// Empty inline assembly, the barrier programs use to hide a value from the optimizer (gcc's
// torture tests are full of it): `asm("" : "+r"(x))` and its kin run no instruction, so every
// tier runs them, tier 0 included: a register output keeps the value of the input tied to it.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef float f4 __attribute__((vector_size(16)));

static int opaque_int(int x) {
  __asm__("" : "+r"(x));
  return x;
}
static long long opaque_ll(long long x) {
  __asm__ volatile("" : "+r"(x) : : "memory");
  return x;
}
static double opaque_double(double x) {
  __asm__("" : "+x"(x));
  return x;
}
static void* opaque_pointer(void* p) {
  __asm__("" : "=r"(p) : "0"(p));
  return p;
}
static f4 opaque_vector(f4 v) {
  __asm__("" : "+x"(v));
  return v;
}
static void swap_hidden(int* a, unsigned char* b) {  // two outputs: a struct result
  int x = *a;
  unsigned char y = *b;
  __asm__("" : "+r"(x), "+q"(y));
  *a = x + 1, *b = y + 2;
}

int main(int argc, char** argv) {
  (void)argv;
  int n = 1000 + argc;
  long long sum = 0;
  for (int i = 0; i < n; i++) {
    sum += opaque_int(i) * 3;
    __asm__ volatile("" : : : "memory");  // a compiler barrier in the loop
  }
  printf("sum %lld\n", sum);
  printf("ll %lld %lld\n", opaque_ll(-5), opaque_ll(INT64_MIN + argc));
  printf("double %.17g %.17g\n", opaque_double(1.0 / 3), opaque_double(-0.0));
  char buf[8] = "abcdefg";
  char* p = opaque_pointer(buf + 2);
  printf("pointer %s %d\n", p, p == buf + 2);
  f4 v = opaque_vector((f4){1.5f, -2.0f, 3.25f, (float)argc});
  printf("vector %g %g %g %g\n", v[0], v[1], v[2], v[3]);
  int a = 41;
  unsigned char b = 254;
  swap_hidden(&a, &b);
  printf("two %d %u\n", a, b);
  int x = 7;
  __asm__("" : "+m"(x));  // a memory operand: the empty template leaves x as it was
  __asm__("" : : "r"(&x), "m"(x) : "memory", "cc");
  printf("memory %d\n", x);
  return 0;
}
