/* Mixed tiers: the test compiles hot_mid, hot_top and by_value while cold_leaf stays
   interpreted, then calls through function pointers the program saved before the tier-up.
   `bareflow`-free: it is plain C, and prints the same thing in every tier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef long (*op_fn)(long);

struct pair {
  int a;
  double b;
};

long cold_leaf(long x) { return x * 3 + 1; }

long hot_mid(long x, op_fn f) {
  long s = 0;
  for (int i = 0; i < 10; i++) s += f(x + i) + cold_leaf(i);
  return s;
}

long hot_top(long x) { return hot_mid(x, cold_leaf) ^ x; }

/* byval aggregate, narrow and float results across the tiers */
double by_value(struct pair p, signed char c, float f) { return p.a * p.b + c + f; }
signed char narrow(long x) { return (signed char)(x * 37); }
_Bool is_odd(long x) { return x & 1; }
/* passed byval in memory (more than 16 bytes): its entry keeps the closure once compiled */
struct triple {
  long a, b, c;
};
long sum_triple(struct triple t) { return t.a + 2 * t.b + 3 * t.c; }

int compare_longs(const void* a, const void* b) {
  long x = *(const long*)a, y = *(const long*)b;
  return (x > y) - (x < y);
}

/* Saved by the "capture" run, used by the "use" run after the tier-up. */
op_fn saved_leaf;
long (*saved_mid)(long, op_fn);
long (*saved_top)(long);
double (*saved_by_value)(struct pair, signed char, float);
int (*saved_compare)(const void*, const void*);

static void report(void) {
  long v[8] = {5, -3, 9, 0, 12, -7, 1, 4};
  qsort(v, 8, sizeof v[0], saved_compare); /* host code calls back into the program */
  struct pair p = {3, 2.5};
  printf("top %ld mid %ld leaf %ld\n", saved_top(7), saved_mid(2, saved_leaf), saved_leaf(4));
  printf("direct %ld %ld\n", hot_top(11), hot_mid(1, hot_top));
  printf("value %.3f narrow %d %d odd %d %d\n", saved_by_value(p, -5, 0.25f), narrow(5), narrow(-9),
         is_odd(3), is_odd(8));
  struct triple t = {1, 2, 3};
  printf("triple %ld\n", sum_triple(t));
  printf("sorted");
  for (int i = 0; i < 8; i++) printf(" %ld", v[i]);
  printf("\n");
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "capture") == 0) {
    saved_leaf = cold_leaf;
    saved_mid = hot_mid;
    saved_top = hot_top;
    saved_by_value = by_value;
    saved_compare = compare_longs;
  }
  if (!saved_leaf) return 2;
  report();
  return 0;
}
