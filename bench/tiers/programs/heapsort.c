// Heap sort of doubles (sift-down loops, unpredictable branches).
#include <stdio.h>
#include <stdlib.h>

static void sift(double* a, int root, int n) {
  for (;;) {
    int child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && a[child] < a[child + 1]) child++;
    if (a[root] >= a[child]) return;
    double t = a[root];
    a[root] = a[child], a[child] = t;
    root = child;
  }
}

static void heap_sort(double* a, int n) {
  for (int i = n / 2 - 1; i >= 0; i--) sift(a, i, n);
  for (int end = n - 1; end > 0; end--) {
    double t = a[0];
    a[0] = a[end], a[end] = t;
    sift(a, 0, end);
  }
}

int main(int argc, char** argv) {
  int n = 1000000, rounds = 1 * (argc > 1 ? atoi(argv[1]) : 1);
  double* a = malloc(n * sizeof(double));
  unsigned s = 99;
  double check = 0;
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < n; i++) s = s * 69069u + 1, a[i] = (s >> 8) / 16777216.0;
    heap_sort(a, n);
    for (int i = 1; i < n; i++)
      if (a[i - 1] > a[i]) return printf("unsorted\n"), 1;
    check += a[n / 2] + a[n / 7];
  }
  printf("%.12f\n", check);
  free(a);
  return 0;
}
