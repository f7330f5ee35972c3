// Dense matrix multiply, doubles, i-k-j loop order (vectorisable inner loop).
#include <stdio.h>
#include <stdlib.h>

static void matmul(int n, const double* a, const double* b, double* c) {
  for (int i = 0; i < n * n; i++) c[i] = 0;
  for (int i = 0; i < n; i++)
    for (int k = 0; k < n; k++) {
      double aik = a[i * n + k];
      for (int j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
}

int main(int argc, char** argv) {
  int n = 400, rounds = 8 * (argc > 1 ? atoi(argv[1]) : 1);
  double *a = malloc(n * n * sizeof(double)), *b = malloc(n * n * sizeof(double)), *c = malloc(n * n * sizeof(double));
  for (int i = 0; i < n * n; i++) a[i] = (i % 17) * 0.25 - 2, b[i] = (i % 13) * 0.5 - 3;
  double trace = 0;
  for (int r = 0; r < rounds; r++) {
    matmul(n, a, b, c);
    for (int i = 0; i < n; i++) trace += c[i * n + i];
    a[r] += 1;
  }
  printf("%.6f\n", trace);
  free(a), free(b), free(c);
  return 0;
}
