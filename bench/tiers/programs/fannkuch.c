// fannkuch-redux: the most pancake flips over all permutations of 1..n, and a checksum.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  int n = argc > 1 && atoi(argv[1]) > 1 ? 10 + (atoi(argv[1]) > 3) : 10;
  int perm[16], perm1[16], count[16];
  int max_flips = 0, checksum = 0, sign = 1, r = n;
  for (int i = 0; i < n; i++) perm1[i] = i;
  for (;;) {
    while (r != 1) count[r - 1] = r, r--;
    for (int i = 0; i < n; i++) perm[i] = perm1[i];
    int flips = 0;
    for (int k; (k = perm[0]) != 0; flips++)
      for (int i = 0, j = k; i < j; i++, j--) {
        int t = perm[i];
        perm[i] = perm[j], perm[j] = t;
      }
    if (flips > max_flips) max_flips = flips;
    checksum += sign * flips;
    sign = -sign;
    for (;;) {
      if (r == n) {
        printf("%d\nPfannkuchen(%d) = %d\n", checksum, n, max_flips);
        return 0;
      }
      int p0 = perm1[0];
      for (int i = 0; i < r; i++) perm1[i] = perm1[i + 1];
      perm1[r] = p0;
      if (--count[r] > 0) break;
      r++;
    }
  }
}
