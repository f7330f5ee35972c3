/* --drop-unexecuted: the profiled run calls `often` only; `rarely` runs when the program is
   given an argument, which the profiled run was not. */
#include <stdio.h>

__attribute__((noinline)) int often(int x) { return x * 3 + 1; }

__attribute__((noinline)) int rarely(int x) {
  printf("rarely %d\n", x);
  return x - 1;
}

int main(int argc, char** argv) {
  int sum = 0;
  for (int i = 0; i < 100; i++) sum += often(i);
  printf("sum %d\n", sum);
  if (argc > 1) sum += rarely(sum);
  printf("end %d\n", sum);
  return 0;
}
