// The run ends through exit() whether main returns or calls it: handlers registered with
// atexit still run interpreted code, loops included, after the JIT has stopped (a loop that
// waited there for an OSR entry that can no longer come once hung the run).
#include <stdio.h>
#include <stdlib.h>

static int table[64];

static int checksum(int rounds) {
  int sum = 0;
  for (int r = 0; r < rounds; r++)
    for (int i = 0; i < 64; i++) sum = sum * 31 + table[i] + r;
  return sum;
}

static void second(void) { printf("second handler: %d\n", checksum(50)); }
static void first(void) {
  for (int i = 0; i < 64; i++) table[i] = i * i;
  printf("first handler: %d\n", checksum(100));
}

int main(int argc, char** argv) {
  atexit(second);
  atexit(first);  // runs before `second`
  for (int i = 0; i < 64; i++) table[i] = i;
  printf("main: %d\n", checksum(10));
  if (argc > 1) exit(3);
  return 0;
}
