/* Export from the code cache's profile store: `work` is hot, so that a warm run gets it compiled
   from the cache at start (uncounted); `rarely` runs only when the program is given an argument. */
#include <stdio.h>

__attribute__((noinline)) unsigned work(unsigned x) {
  for (int i = 0; i < 100; i++) x = x * 1664525u + 1013904223u;
  return x;
}

__attribute__((noinline)) unsigned rarely(unsigned x) {
  printf("rarely %u\n", x);
  return x / 2;
}

int main(int argc, char** argv) {
  unsigned s = 1;
  for (int i = 0; i < 20000; i++) s = work(s);
  printf("s %u\n", s);
  if (argc > 1) s = rarely(s);
  printf("end %u\n", s);
  return 0;
}
