// N-queens: count all solutions by backtracking with bit masks (deep recursion).
#include <stdio.h>
#include <stdlib.h>

static long solve(int n, unsigned cols, unsigned d1, unsigned d2) {
  unsigned all = (1u << n) - 1;
  if (cols == all) return 1;
  long count = 0;
  unsigned free_ = all & ~(cols | d1 | d2);
  while (free_) {
    unsigned bit = free_ & -free_;
    free_ -= bit;
    count += solve(n, cols | bit, (d1 | bit) << 1, (d2 | bit) >> 1);
  }
  return count;
}

int main(int argc, char** argv) {
  int n = 13 + (argc > 1 && atoi(argv[1]) > 2);
  long total = 0;
  for (int r = 0; r < 6; r++) total += solve(n, 0, 0, 0);
  printf("%d %ld\n", n, total);
  return 0;
}
