// Complex arithmetic that clang lowers to compiler-rt/libgcc calls (__muldc3, __divdc3,
// __mulsc3, __divsc3) and other builtins it emits: 128-bit division (__divti3, __udivti3,
// __modti3), __builtin_popcountll, __builtin_ctz/clz, overflow checks.
#include <complex.h>
#include <stdio.h>

__attribute__((noinline)) double complex mul(double complex a, double complex b) { return a * b; }
__attribute__((noinline)) double complex div_(double complex a, double complex b) { return a / b; }
__attribute__((noinline)) float complex mulf(float complex a, float complex b) { return a * b; }
__attribute__((noinline)) float complex divf(float complex a, float complex b) { return a / b; }
__attribute__((noinline)) __int128 divi(__int128 a, __int128 b) { return a / b; }
__attribute__((noinline)) unsigned __int128 divu(unsigned __int128 a, unsigned __int128 b) { return a / b; }
__attribute__((noinline)) __int128 modi(__int128 a, __int128 b) { return a % b; }

static void show(const char* what, double complex z) { printf("%s %.17g %+.17gi\n", what, creal(z), cimag(z)); }

int main(void) {
  double complex a = 1.5 + 2.25 * I, b = -0.75 + 4.0 * I;
  show("mul", mul(a, b));
  show("div", div_(a, b));
  show("div by small", div_(a, 1e-300 + 1e-300 * I));
  double inf = __builtin_inf();
  show("inf*finite", mul(inf + 0.0 * I, 1.0 + 1.0 * I));
  show("div by zero", div_(1.0 + 1.0 * I, 0.0 + 0.0 * I));
  float complex fa = 1.5f - 0.5f * I, fb = 3.0f + 2.0f * I;
  float complex fm = mulf(fa, fb), fd = divf(fa, fb);
  printf("mulf %.9g %+.9gi divf %.9g %+.9gi\n", crealf(fm), cimagf(fm), crealf(fd), cimagf(fd));
  __int128 big = (__int128)123456789012345678LL * 1000000007;
  unsigned __int128 ubig = (unsigned __int128)-1 / 3;
  __int128 q = divi(big, -987654321), r = modi(big, 987654321);
  unsigned __int128 uq = divu(ubig, 12345);
  printf("i128 %lld %lld %llu %llu\n", (long long)q, (long long)r, (unsigned long long)(uq >> 64),
         (unsigned long long)uq);
  unsigned long long bits = 0xf0f0f0f0f0f0f0f0ULL;
  printf("bits %d %d %d\n", __builtin_popcountll(bits), __builtin_ctzll(bits), __builtin_clzll(bits >> 3));
  long res;
  int of = __builtin_mul_overflow(1L << 40, 1L << 30, &res);
  printf("overflow %d\n", of);
  return 0;
}
