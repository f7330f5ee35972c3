// __builtin_*_overflow on 128-bit integers (llvm.*.with.overflow.i128): tier 0's kernels took
// only up to 64 bits and gave wrong results with exit status 0 (gcc's torture test pr84169).
#include <stdio.h>

typedef unsigned __int128 u128;
typedef __int128 i128;

__attribute__((noinline)) int mul_u(u128 a, u128 b, u128* r) { return __builtin_mul_overflow(a, b, r); }
__attribute__((noinline)) int mul_s(i128 a, i128 b, i128* r) { return __builtin_mul_overflow(a, b, r); }
__attribute__((noinline)) int add_u(u128 a, u128 b, u128* r) { return __builtin_add_overflow(a, b, r); }
__attribute__((noinline)) int add_s(i128 a, i128 b, i128* r) { return __builtin_add_overflow(a, b, r); }
__attribute__((noinline)) int sub_u(u128 a, u128 b, u128* r) { return __builtin_sub_overflow(a, b, r); }
__attribute__((noinline)) int sub_s(i128 a, i128 b, i128* r) { return __builtin_sub_overflow(a, b, r); }

static void show(const char* op, int i, int j, int ov, u128 r) {
  printf("%s %d %d: %d %016llx%016llx\n", op, i, j, ov, (unsigned long long)(r >> 64), (unsigned long long)r);
}

int main(void) {
  const u128 vals[] = {0, 1, 3, (u128)1 << 63, (u128)1 << 64, ((u128)1 << 100) + 12345, ~(u128)0,
                       ((u128)1 << 127) - 1, (u128)1 << 127};
  const int n = sizeof vals / sizeof vals[0];
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      u128 r;
      i128 s;
      int ov = mul_u(vals[i], vals[j], &r);
      show("mul_u", i, j, ov, r);
      ov = mul_s((i128)vals[i], (i128)vals[j], &s);
      show("mul_s", i, j, ov, (u128)s);
      ov = add_u(vals[i], vals[j], &r);
      show("add_u", i, j, ov, r);
      ov = add_s((i128)vals[i], (i128)vals[j], &s);
      show("add_s", i, j, ov, (u128)s);
      ov = sub_u(vals[i], vals[j], &r);
      show("sub_u", i, j, ov, r);
      ov = sub_s((i128)vals[i], (i128)vals[j], &s);
      show("sub_s", i, j, ov, (u128)s);
    }
  return 0;
}
