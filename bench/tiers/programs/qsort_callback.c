// qsort with a comparison callback: libc calls back into the program for every comparison.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct { uint32_t key; uint32_t payload; } Record;

static int by_key(const void* a, const void* b) {
  const Record *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return (x->payload > y->payload) - (x->payload < y->payload);
}

int main(int argc, char** argv) {
  int n = 400000, rounds = 3 * (argc > 1 ? atoi(argv[1]) : 1);
  Record* r = malloc(n * sizeof(Record));
  uint32_t s = 1, check = 0;
  for (int round = 0; round < rounds; round++) {
    for (int i = 0; i < n; i++) s = s * 1664525u + 1013904223u, r[i].key = s >> 12, r[i].payload = i;
    qsort(r, n, sizeof(Record), by_key);
    for (int i = 0; i < n; i += 97) check = check * 31 + r[i].key + r[i].payload;
  }
  printf("%u\n", check);
  free(r);
  return 0;
}
