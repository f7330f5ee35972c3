// OSR entry into a loop of a function that makes an indirect call before it: the JIT routes
// indirect calls through a resolver, which splits blocks, and an OSR entry must still start
// at the loop tier 0 is in (it once started at an earlier block and ran code twice).
#include <stdio.h>

static int twice(int x) { return 2 * x; }
static int thrice(int x) { return 3 * x; }
int (*volatile pick[2])(int) = {twice, thrice};

int main(void) {
  long a = 0;
  for (int i = 0; i < 2000; i++) a += pick[i & 1](i);
  printf("first loop %ld\n", a);
  long b = pick[0](21) + pick[1](1);
  printf("between %ld\n", b);
  for (int i = 0; i < 5000; i++) b += pick[i % 2](i) ^ i;
  printf("second loop %ld\n", b);
  return 0;
}
