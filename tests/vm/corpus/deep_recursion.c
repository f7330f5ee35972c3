// Recursion as deep as the native build runs with the default 8 MiB stack: 100,000
// calls deep, each frame with a local array, not a tail call.
#include <stdio.h>

static int depth_sum(int n, int salt) {
  volatile char local[24];
  local[n % 24] = (char)(n + salt);
  if (n == 0) return 0;
  int below = depth_sum(n - 1, salt ^ n);
  return below + local[n % 24] % 7;
}

static long ackermann_like(long m, long n) {  // deep, mutual with itself through two paths
  if (m == 0) return n + 1;
  if (n == 0) return ackermann_like(m - 1, 1);
  return ackermann_like(m - 1, ackermann_like(m, n - 1));
}

int main(void) {
  printf("%d\n", depth_sum(100000, 3));
  printf("%d\n", depth_sum(30000, 5));
  printf("%ld\n", ackermann_like(2, 3000));
  return 0;
}
