// 0/1 knapsack by dynamic programming over capacities, many item sets.
#include <stdio.h>
#include <stdlib.h>

static long knapsack(int n, const int* w, const int* v, int cap, long* best) {
  for (int c = 0; c <= cap; c++) best[c] = 0;
  for (int i = 0; i < n; i++)
    for (int c = cap; c >= w[i]; c--) {
      long with = best[c - w[i]] + v[i];
      if (with > best[c]) best[c] = with;
    }
  return best[cap];
}

int main(int argc, char** argv) {
  int n = 200, cap = 20000, rounds = 48 * (argc > 1 ? atoi(argv[1]) : 1);
  int *w = malloc(n * sizeof(int)), *v = malloc(n * sizeof(int));
  long* best = malloc((cap + 1) * sizeof(long));
  unsigned s = 17;
  long total = 0;
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < n; i++) {
      s = s * 1103515245u + 12345u, w[i] = 1 + (s >> 16) % 400;
      s = s * 1103515245u + 12345u, v[i] = 1 + (s >> 16) % 1000;
    }
    total += knapsack(n, w, v, cap, best);
  }
  printf("%ld\n", total);
  free(w), free(v), free(best);
  return 0;
}
