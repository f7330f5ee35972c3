// LU decomposition with partial pivoting, then a solve, repeated on fresh matrices.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int lu(int n, double* a, int* piv) {
  for (int k = 0; k < n; k++) {
    int p = k;
    for (int i = k + 1; i < n; i++)
      if (fabs(a[i * n + k]) > fabs(a[p * n + k])) p = i;
    piv[k] = p;
    if (a[p * n + k] == 0) return 0;
    if (p != k)
      for (int j = 0; j < n; j++) {
        double t = a[k * n + j];
        a[k * n + j] = a[p * n + j], a[p * n + j] = t;
      }
    for (int i = k + 1; i < n; i++) {
      double f = a[i * n + k] /= a[k * n + k];
      for (int j = k + 1; j < n; j++) a[i * n + j] -= f * a[k * n + j];
    }
  }
  return 1;
}

static void solve(int n, const double* lu, const int* piv, double* b) {
  for (int k = 0; k < n; k++) {
    double t = b[k];
    b[k] = b[piv[k]], b[piv[k]] = t;
  }
  for (int i = 0; i < n; i++)
    for (int j = 0; j < i; j++) b[i] -= lu[i * n + j] * b[j];
  for (int i = n - 1; i >= 0; i--) {
    for (int j = i + 1; j < n; j++) b[i] -= lu[i * n + j] * b[j];
    b[i] /= lu[i * n + i];
  }
}

int main(int argc, char** argv) {
  int n = 300, rounds = 30 * (argc > 1 ? atoi(argv[1]) : 1);
  double *a = malloc(n * n * sizeof(double)), *b = malloc(n * sizeof(double));
  int* piv = malloc(n * sizeof(int));
  unsigned s = 5;
  double check = 0;
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < n * n; i++) s = s * 1103515245u + 12345u, a[i] = ((s >> 9) & 1023) / 512.0 - 1;
    for (int i = 0; i < n; i++) b[i] = i % 7;
    if (!lu(n, a, piv)) return printf("singular\n"), 1;
    solve(n, a, piv, b);
    check += b[0] + b[n - 1];
  }
  printf("%.6e\n", check);
  free(a), free(b), free(piv);
  return 0;
}
