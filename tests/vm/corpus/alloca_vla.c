// Variable-length arrays in loops (stacksave/stackrestore), alloca, deep-ish recursion.
#include <alloca.h>
#include <stdio.h>
#include <string.h>

static int vla_sum(int n) {
  int v[n];
  for (int i = 0; i < n; i++) v[i] = i * i - n;
  int s = 0; for (int i = 0; i < n; i++) s += v[i];
  return s;
}
static unsigned depth(unsigned n) { char pad[64]; memset(pad, (int)n, sizeof pad); return n ? pad[3] + depth(n - 1) : 0; }

int main(void) {
  long total = 0;
  for (int n = 1; n < 300; n += 7) {
    double m[n][3];
    for (int i = 0; i < n; i++) for (int j = 0; j < 3; j++) m[i][j] = i * 0.5 + j;
    total += (long)m[n - 1][2] + vla_sum(n);
  }
  char* p = alloca(100);
  strcpy(p, "alloca works");
  printf("%s %ld %u\n", p, total, depth(1000));
  return 0;
}
