// Top-down merge sort of integers, recursive, with a scratch buffer.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void merge_sort(int32_t* a, int32_t* tmp, int n) {
  if (n < 2) return;
  int mid = n / 2;
  merge_sort(a, tmp, mid);
  merge_sort(a + mid, tmp, n - mid);
  int i = 0, j = mid, k = 0;
  while (i < mid && j < n) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
  while (i < mid) tmp[k++] = a[i++];
  while (j < n) tmp[k++] = a[j++];
  memcpy(a, tmp, n * sizeof(int32_t));
}

int main(int argc, char** argv) {
  int n = 1 << 20, rounds = 4 * (argc > 1 ? atoi(argv[1]) : 1);
  int32_t *a = malloc(n * sizeof(int32_t)), *tmp = malloc(n * sizeof(int32_t));
  uint32_t s = 12345, check = 0;
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < n; i++) s ^= s << 13, s ^= s >> 17, s ^= s << 5, a[i] = (int32_t)s;
    merge_sort(a, tmp, n);
    for (int i = 1; i < n; i++)
      if (a[i - 1] > a[i]) return printf("unsorted\n"), 1;
    check = check * 31 + (uint32_t)a[n / 3];
  }
  printf("%u\n", check);
  free(a), free(tmp);
  return 0;
}
