// switch (dense, sparse, with fall-through), loops with break/continue, goto, recursion,
// short-circuit logic and the conditional operator.
#include <stdio.h>

static int classify(int v) {
  switch (v) {
    case 0: return 10;
    case 1: case 2: return 20;
    case 3: v += 5; /* fall through */
    case 4: return v * 3;
    case 100: return -1;
    case 1000000: return -2;
    case -7: return 77;
    default: return v & 1 ? 1 : 2;
  }
}
static char grade(unsigned char c) {
  switch (c) { case 'a': case 'e': case 'i': case 'o': case 'u': return 'V'; case ' ': return '_'; default: return c >= 'a' && c <= 'z' ? 'C' : '?'; }
}
static int ackermann(int m, int n) { return m == 0 ? n + 1 : n == 0 ? ackermann(m - 1, 1) : ackermann(m - 1, ackermann(m, n - 1)); }

int main(void) {
  long s = 0;
  for (int i = -10; i < 1000010; i += 997) s += classify(i % 7 == 0 ? i % 5 : i);
  s += classify(100) + classify(1000000) + classify(-7) + classify(3);
  printf("classify %ld\n", s);
  const char* text = "the quick brown fox jumps over the lazy dog!";
  for (const char* p = text; *p; p++) putchar(grade((unsigned char)*p));
  putchar('\n');
  int n = 0, i = 0;
again:
  if (i < 50) { i++; if (i % 3 == 0) goto again; n += i; goto again; }
  printf("goto %d\n", n);
  int found = -1;
  for (int a = 1; a < 100 && found < 0; a++) {
    for (int b = a; b < 100; b++) {
      if ((a * b) % 7 != 3) continue;
      if (a + b > 30) { found = a * 100 + b; break; }
    }
  }
  printf("found %d ack %d\n", found, ackermann(2, 3));
  int x = 5, y = 0;
  if (x > 3 && (y = 7) && x++ < 10) y++;
  if (x < 0 || (y += 100) > 0) y++;
  printf("logic %d %d\n", x, y);
  do { x--; } while (x > -3);
  printf("do %d\n", x);
  return 0;
}
