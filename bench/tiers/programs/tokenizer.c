// A tokenizer and recursive-descent evaluator for arithmetic expressions, over generated input.
#include <stdio.h>
#include <stdlib.h>

static const char* p;

static long expr(void);

static long atom(void) {
  while (*p == ' ') p++;
  if (*p == '(') {
    p++;
    long v = expr();
    while (*p == ' ') p++;
    p++;  // ')'
    return v;
  }
  if (*p == '-') return p++, -atom();
  long v = 0;
  while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
  return v;
}

static long term(void) {
  long v = atom();
  for (;;) {
    while (*p == ' ') p++;
    if (*p == '*') p++, v = (v * atom()) % 1000003;
    else if (*p == '%') {
      p++;
      long d = atom();
      v = d ? v % d : v;
    } else return v;
  }
}

static long expr(void) {
  long v = term();
  for (;;) {
    while (*p == ' ') p++;
    if (*p == '+') p++, v += term();
    else if (*p == '-') p++, v -= term();
    else return v;
  }
}

static unsigned seed = 3;
static char* emit(char* out, int depth) {
  seed = seed * 1103515245u + 12345u;
  int kind = depth > 6 ? 0 : (seed >> 16) % 4;
  if (kind == 0) return out + sprintf(out, "%u", (seed >> 8) % 1000);
  *out++ = '(';
  out = emit(out, depth + 1);
  out += sprintf(out, " %c ", "+-*%"[(seed >> 20) % 4]);
  out = emit(out, depth + 1);
  *out++ = ')';
  return out;
}

int main(int argc, char** argv) {
  int n = 60000 * (argc > 1 ? atoi(argv[1]) : 1);
  static char buf[1 << 16];
  long check = 0;
  for (int i = 0; i < n; i++) {
    *emit(buf, 0) = 0;
    for (int k = 0; k < 4; k++) p = buf, check = check * 31 + expr();
  }
  printf("%ld\n", check);
  return 0;
}
