// Knuth-Morris-Pratt search of many patterns in a generated text, against a naive search.
#include <stdio.h>
#include <stdlib.h>

static int kmp_count(const char* t, int n, const char* p, int m, int* fail) {
  fail[0] = -1;
  for (int i = 1, k = -1; i < m; i++) {
    while (k >= 0 && p[k + 1] != p[i]) k = fail[k];
    if (p[k + 1] == p[i]) k++;
    fail[i] = k;
  }
  int count = 0;
  for (int i = 0, k = -1; i < n; i++) {
    while (k >= 0 && p[k + 1] != t[i]) k = fail[k];
    if (p[k + 1] == t[i]) k++;
    if (k == m - 1) count++, k = fail[k];
  }
  return count;
}

static int naive_count(const char* t, int n, const char* p, int m) {
  int count = 0;
  for (int i = 0; i + m <= n; i++) {
    int j = 0;
    while (j < m && t[i + j] == p[j]) j++;
    count += j == m;
  }
  return count;
}

int main(int argc, char** argv) {
  int n = 1 << 21, patterns = 12 * (argc > 1 ? atoi(argv[1]) : 1);
  char* t = malloc(n);
  unsigned s = 77;
  for (int i = 0; i < n; i++) s = s * 1103515245u + 12345u, t[i] = "ab"[(s >> 16) % 2];
  int fail[32];
  long total = 0;
  for (int q = 0; q < patterns; q++) {
    char p[32];
    int m = 6 + q % 10;
    for (int j = 0; j < m; j++) s = s * 1103515245u + 12345u, p[j] = "ab"[(s >> 16) % 2];
    int a = kmp_count(t, n, p, m, fail), b = naive_count(t, n, p, m);
    if (a != b) return printf("mismatch\n"), 1;
    total += a;
  }
  printf("%ld\n", total);
  free(t);
  return 0;
}
