// Edit distances between pairs of generated words (DP with one row), all pairs of a list.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int distance(const char* a, int n, const char* b, int m, int* row) {
  for (int j = 0; j <= m; j++) row[j] = j;
  for (int i = 1; i <= n; i++) {
    int diag = row[0];
    row[0] = i;
    for (int j = 1; j <= m; j++) {
      int up = row[j], best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      diag = up, row[j] = best;
    }
  }
  return row[m];
}

int main(int argc, char** argv) {
  int words = 1000 * (argc > 1 ? atoi(argv[1]) : 1);
  char (*w)[40] = malloc(words * sizeof *w);
  int* len = malloc(words * sizeof(int));
  unsigned s = 2;
  for (int i = 0; i < words; i++) {
    s = s * 1103515245u + 12345u;
    len[i] = 10 + (s >> 16) % 28;
    for (int j = 0; j < len[i]; j++) s = s * 1103515245u + 12345u, w[i][j] = 'a' + (s >> 16) % 6;
  }
  int row[41];
  long total = 0;
  for (int i = 0; i < words; i++)
    for (int j = i + 1; j < words; j++) total += distance(w[i], len[i], w[j], len[j], row);
  printf("%ld\n", total);
  free(w), free(len);
  return 0;
}
