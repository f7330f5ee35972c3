// Shapes the translator optimises: single-block loops whose carried values share the phi's
// slot (and loops where they must not), swapped phis, shuffles that are slices or splats
// (with poison lanes), float vectors of 4 and 8 lanes, addresses folded through GEP chains
// into loads and stores, and indirect calls through a table of function pointers.
#include <stdint.h>
#include <stdio.h>

// No a * b + c contraction: the native build (baseline x86-64) would not fuse it, the JIT
// tiers (host CPU, FMA) would, and the test compares exact bits.
#pragma clang fp contract(off)

typedef float f32x8 __attribute__((ext_vector_type(8)));
typedef float f32x4 __attribute__((ext_vector_type(4)));

static float hsum(f32x8 v) {
  f32x4 lo = __builtin_shufflevector(v, v, 0, 1, 2, 3);
  f32x4 hi = __builtin_shufflevector(v, v, 4, 5, 6, 7);
  f32x4 s4 = lo + hi;
  f32x4 s2 = s4 + __builtin_shufflevector(s4, s4, 2, 3, -1, -1);
  f32x4 s1 = s2 + __builtin_shufflevector(s2, s2, 1, -1, -1, -1);
  return s1[0];
}

__attribute__((noinline)) float vdot(const float* a, const float* b, int n) {
  f32x8 acc0 = 0, acc1 = 0;
  int j = 0;
  for (; j + 16 <= n; j += 16) {
    f32x8 x0, y0, x1, y1;
    __builtin_memcpy(&x0, a + j, 32), __builtin_memcpy(&y0, b + j, 32);
    __builtin_memcpy(&x1, a + j + 8, 32), __builtin_memcpy(&y1, b + j + 8, 32);
    acc0 = x0 * y0 + acc0;
    acc1 = x1 * y1 + acc1;
  }
  float s = hsum(acc0 + acc1);
  for (; j < n; j++) s += a[j] * b[j];
  return s;
}

__attribute__((noinline)) void vscale(float* y, const float* x, float k, float div, int n) {
  f32x8 kv = k;          // splat of a scalar
  f32x4 dv = div;
  int j = 0;
  for (; j + 8 <= n; j += 8) {
    f32x8 xv;
    __builtin_memcpy(&xv, x + j, 32);
    f32x8 r = (xv - kv) * kv / (kv + 1.0f);
    __builtin_memcpy(y + j, &r, 32);
  }
  for (; j + 4 <= n; j += 4) {
    f32x4 xv;
    __builtin_memcpy(&xv, x + j, 16);
    f32x4 r = (xv + dv) * dv - xv / dv;
    __builtin_memcpy(y + j, &r, 16);
  }
  for (; j < n; j++) y[j] = x[j] * k;
}

struct item { int32_t key; float weight; int64_t tag; double score; };

__attribute__((noinline)) void fill(struct item* it, int n) {
  for (int i = 0; i < n; i++) {  // stores through folded struct-field addresses
    it[i].key = (i * 7919) % 1000 - 500;
    it[i].weight = (float)(i % 13) * 0.5f;
    it[i].tag = (int64_t)i * 1000003;
    it[i].score = (double)i / 7.0;
  }
}

__attribute__((noinline)) int64_t walk(const struct item* it, int n) {
  int64_t s = 0;
  for (int i = 0; i < n; i++) s += it[i].key * 3 + it[i].tag + (int64_t)(it[i].weight * 4) + (int64_t)it[i].score;
  return s;
}

// The phi is read after the value carried into it is computed: no shared slot.
__attribute__((noinline)) uint32_t late_use(const uint32_t* a, int n) {
  uint32_t prev = 1, acc = 0;
  for (int i = 0; i < n; i++) {
    uint32_t next = prev * 2654435761u + a[i];
    acc ^= prev + (next >> 7);
    prev = next;
  }
  return acc ^ prev;
}

// Swapped and chained phis: parallel moves.
__attribute__((noinline)) uint64_t fib_mix(int n) {
  uint64_t a = 0, b = 1, c = 7;
  for (int i = 0; i < n; i++) {
    uint64_t t = a + b;
    a = b;
    b = t;
    c = c * 31 + a;
  }
  return a ^ b ^ c;
}

// The counter is used after the loop: it keeps its own slot and the back-edge moves it.
__attribute__((noinline)) int count_until(const int* a, int n, int limit) {
  int i = 0, s = 0;
  for (; i < n; i++) {
    s += a[i];
    if (s > limit) break;
  }
  return i * 1000 + s;
}

static int add1(int x) { return x + 1; }
static int dbl(int x) { return x * 2; }
static int neg(int x) { return -x; }
static int (*const table[])(int) = {add1, dbl, neg};

int main(void) {
  static float a[203], b[203], y[203];
  for (int i = 0; i < 203; i++) {
    a[i] = (float)(i % 11) * 0.125f - 0.5f;
    b[i] = (float)(i % 7) * 0.25f + 0.1f;
  }
  printf("vdot %a %a %a\n", vdot(a, b, 203), vdot(a, b, 64), vdot(a, b, 7));
  vscale(y, a, 1.5f, 3.0f, 203);
  float ys = 0;
  for (int i = 0; i < 203; i++) ys += y[i] * (float)(i + 1);
  printf("vscale %a %a %a\n", ys, y[0], y[202]);

  static struct item items[300];
  fill(items, 300);
  printf("walk %lld\n", (long long)walk(items, 300));

  static uint32_t u[500];
  for (int i = 0; i < 500; i++) u[i] = (uint32_t)i * 2246822519u;
  printf("late_use %u fib_mix %llu\n", late_use(u, 500), (unsigned long long)fib_mix(90));

  static int ints[100];
  for (int i = 0; i < 100; i++) ints[i] = i % 9;
  printf("count_until %d %d\n", count_until(ints, 100, 150), count_until(ints, 100, 10000));

  int x = 5;
  for (int i = 0; i < 30; i++) x = table[i % 3](x) % 100000;
  printf("table %d\n", x);
  return 0;
}
