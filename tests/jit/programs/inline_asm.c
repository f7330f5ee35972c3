// Inline assembly: tier 0 cannot run it, so `auto` compiles such functions before their first
// call and O1-O3 compile them with the rest; --tier=interp refuses with one line.
#include <stdio.h>

static int add_asm(int a, int b) {
  int r;
  __asm__("leal (%1,%2), %0" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
static unsigned long long cycles(void) {
  unsigned lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return ((unsigned long long)hi << 32) | lo;
}
static int plain(int x) { return x * 3 + 1; }  // interpreted under auto, calling compiled code

int main(void) {
  int s = 0;
  for (int i = 0; i < 100; i++) s += add_asm(plain(i), 2 * i);
  unsigned long long t0 = cycles(), t1 = cycles();
  printf("%d %d\n", s, t1 >= t0);
  return 0;
}
