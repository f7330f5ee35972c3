// Conway's game of life on a torus, byte per cell.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void step(int n, const unsigned char* g, unsigned char* next) {
  for (int y = 0; y < n; y++) {
    int up = (y + n - 1) % n, down = (y + 1) % n;
    for (int x = 0; x < n; x++) {
      int l = (x + n - 1) % n, r = (x + 1) % n;
      int c = g[up * n + l] + g[up * n + x] + g[up * n + r] + g[y * n + l] + g[y * n + r] + g[down * n + l] +
              g[down * n + x] + g[down * n + r];
      next[y * n + x] = c == 3 || (c == 2 && g[y * n + x]);
    }
  }
}

int main(int argc, char** argv) {
  int n = 512, gens = 60 * (argc > 1 ? atoi(argv[1]) : 1);
  unsigned char *g = malloc(n * n), *next = malloc(n * n);
  unsigned s = 1;
  for (int i = 0; i < n * n; i++) s = s * 1103515245u + 12345u, g[i] = (s >> 16) % 3 == 0;
  for (int i = 0; i < gens; i += 2) step(n, g, next), step(n, next, g);  // two generations a turn
  long alive = 0;
  for (int i = 0; i < n * n; i++) alive += g[i];
  printf("%ld\n", alive);
  free(g), free(next);
  return 0;
}
