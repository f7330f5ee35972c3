// Iterative radix-2 FFT and its inverse on complex doubles (separate re/im arrays).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static void fft(int n, double* re, double* im, int inverse) {
  for (int i = 1, j = 0; i < n; i++) {
    int bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      double t = re[i]; re[i] = re[j]; re[j] = t;
      t = im[i]; im[i] = im[j]; im[j] = t;
    }
  }
  for (int len = 2; len <= n; len <<= 1) {
    double ang = 2 * 3.141592653589793 / len * (inverse ? -1 : 1);
    double wr = cos(ang), wi = sin(ang);
    for (int i = 0; i < n; i += len) {
      double cr = 1, ci = 0;
      for (int j = 0; j < len / 2; j++) {
        int a = i + j, b = i + j + len / 2;
        double xr = re[b] * cr - im[b] * ci, xi = re[b] * ci + im[b] * cr;
        re[b] = re[a] - xr, im[b] = im[a] - xi;
        re[a] += xr, im[a] += xi;
        double t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr, cr = t;
      }
    }
  }
  if (inverse)
    for (int i = 0; i < n; i++) re[i] /= n, im[i] /= n;
}

int main(int argc, char** argv) {
  int n = 1 << 18, rounds = 8 * (argc > 1 ? atoi(argv[1]) : 1);
  double *re = malloc(n * sizeof(double)), *im = malloc(n * sizeof(double));
  for (int i = 0; i < n; i++) re[i] = sin(i * 0.001) + (i % 5), im[i] = 0;
  double check = 0;
  for (int r = 0; r < rounds; r++) {
    fft(n, re, im, 0);
    check += fabs(re[r + 1]) + fabs(im[r + 1]);
    fft(n, re, im, 1);
  }
  printf("%.6f %.6f\n", check, re[12345]);
  free(re), free(im);
  return 0;
}
