// A small backtracking matcher (. * ^ $ and literals, in the style of a classic one) over many
// generated lines and patterns.
#include <stdio.h>
#include <stdlib.h>

static int match_here(const char* re, const char* text);

static int match_star(int c, const char* re, const char* text) {
  do {
    if (match_here(re, text)) return 1;
  } while (*text != '\0' && (*text++ == c || c == '.'));
  return 0;
}

static int match_here(const char* re, const char* text) {
  if (re[0] == '\0') return 1;
  if (re[1] == '*') return match_star(re[0], re + 2, text);
  if (re[0] == '$' && re[1] == '\0') return *text == '\0';
  if (*text != '\0' && (re[0] == '.' || re[0] == *text)) return match_here(re + 1, text + 1);
  return 0;
}

static int match(const char* re, const char* text) {
  if (re[0] == '^') return match_here(re + 1, text);
  do {
    if (match_here(re, text)) return 1;
  } while (*text++ != '\0');
  return 0;
}

int main(int argc, char** argv) {
  static const char* patterns[] = {"ab*c", "^a.*b$", "c.*d.*a", "b*a*b*c$", "^..a", "d.b*.c", "a.a.a", "^c*d*a*$"};
  int lines = 150000 * (argc > 1 ? atoi(argv[1]) : 1);
  char line[64];
  unsigned s = 6;
  long hits = 0;
  for (int i = 0; i < lines; i++) {
    int len = 8 + i % 48;
    for (int j = 0; j < len; j++) s = s * 1103515245u + 12345u, line[j] = "abcd"[(s >> 16) & 3];
    line[len] = 0;
    for (int p = 0; p < 8; p++) hits += match(patterns[p], line) << p;
  }
  printf("%ld\n", hits);
  return 0;
}
