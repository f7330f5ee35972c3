// Naive recursive Fibonacci: nothing but calls and returns.
#include <stdio.h>
#include <stdlib.h>

static long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

int main(int argc, char** argv) {
  int n = 38 + (argc > 1 ? atoi(argv[1]) - 1 : 0);
  printf("%ld\n", fib(n));
  return 0;
}
