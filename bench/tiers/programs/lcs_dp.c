// Longest common subsequence of two generated strings by dynamic programming (two rows).
#include <stdio.h>
#include <stdlib.h>

static int lcs(const char* a, int n, const char* b, int m, int* prev, int* cur) {
  for (int j = 0; j <= m; j++) prev[j] = 0;
  for (int i = 1; i <= n; i++) {
    cur[0] = 0;
    for (int j = 1; j <= m; j++) {
      if (a[i - 1] == b[j - 1]) cur[j] = prev[j - 1] + 1;
      else cur[j] = prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
    }
    int* t = prev;
    prev = cur, cur = t;
  }
  return prev[m];
}

int main(int argc, char** argv) {
  int n = 6000, rounds = 6 * (argc > 1 ? atoi(argv[1]) : 1);
  char *a = malloc(n), *b = malloc(n);
  int *prev = malloc((n + 1) * sizeof(int)), *cur = malloc((n + 1) * sizeof(int));
  unsigned s = 3;
  long total = 0;
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < n; i++) s = s * 1103515245u + 12345u, a[i] = "ACGT"[(s >> 16) & 3];
    for (int i = 0; i < n; i++) s = s * 1103515245u + 12345u, b[i] = "ACGT"[(s >> 16) & 3];
    total += lcs(a, n, b, n, prev, cur);
  }
  printf("%ld\n", total);
  free(a), free(b), free(prev), free(cur);
  return 0;
}
