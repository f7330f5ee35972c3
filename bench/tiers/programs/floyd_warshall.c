// All-pairs shortest paths (Floyd-Warshall) on a generated dense graph.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  int n = 500 + 100 * (argc > 1 ? atoi(argv[1]) - 1 : 0);
  int* d = malloc((size_t)n * n * sizeof(int));
  unsigned s = 9;
  for (int i = 0; i < n * n; i++) s = s * 1103515245u + 12345u, d[i] = (s >> 16) % 7 ? 1 + (s >> 20) % 100 : 1 << 28;
  for (int i = 0; i < n; i++) d[i * n + i] = 0;
  for (int k = 0; k < n; k++)
    for (int i = 0; i < n; i++) {
      int dik = d[i * n + k];
      for (int j = 0; j < n; j++)
        if (dik + d[k * n + j] < d[i * n + j]) d[i * n + j] = dik + d[k * n + j];
    }
  long sum = 0;
  for (int i = 0; i < n * n; i++) sum += d[i];
  printf("%ld\n", sum);
  free(d);
  return 0;
}
