// long double (x86_fp80) arithmetic, libm calls and printf of it, bit for bit: the bytes of a
// result, %Lg, conversions to integers, and a sum whose rounding is fp80's own.
#include <stdio.h>
#include <math.h>
#include <string.h>
__attribute__((noinline)) long double f(long double a, long double b) { return a * b + a / b - sqrtl(a); }
int main(void) {
  long double x = 1.0L / 3.0L, y = 7.25L;
  long double z = f(x, y);
  unsigned char bytes[16] = {0};
  memcpy(bytes, &z, 10);
  for (int i = 0; i < 10; i++) printf("%02x", bytes[i]);
  printf(" %.21Lg %Lg %d\n", z, powl(2.0L, 70.5L), (int)(z * 1000000));
  long double s = 0;
  for (int i = 1; i < 1000; i++) s += 1.0L / ((long double)i * i);
  printf("%.21Lg %lld\n", s, (long long)(s * 1e18L));
  return 0;
}
