// Sieve of Eratosthenes on a byte array, repeated; prints the count of primes and the last one.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  int n = 20000000, rounds = 3 * (argc > 1 ? atoi(argv[1]) : 1);
  char* composite = malloc(n + 1);
  int count = 0, last = 0;
  for (int r = 0; r < rounds; r++) {
    memset(composite, 0, n + 1);
    count = 0;
    for (long i = 2; i <= n; i++) {
      if (composite[i]) continue;
      count++, last = (int)i;
      for (long j = i * i; j <= n; j += i) composite[j] = 1;
    }
  }
  printf("%d %d\n", count, last);
  free(composite);
  return 0;
}
