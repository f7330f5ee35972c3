// Reads through a NULL pointer: the kernel must report the fault and exit 139 (128 + SIGSEGV).
#include <stdio.h>

int main(void) {
  volatile int* p = 0;
  printf("about to fault\n");
  fflush(stdout);
  return *p;
}
