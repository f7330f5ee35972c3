// A chained hash map from strings to counts: generated words, strcmp, strdup-like copies.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Item { struct Item* next; char* word; int count; } Item;

static uint32_t hash(const char* s) {
  uint32_t h = 5381;
  while (*s) h = h * 33 + (uint8_t)*s++;
  return h;
}

static Item** buckets;
enum { NBUCKETS = 1 << 20 };

static void count(const char* w) {
  Item** slot = &buckets[hash(w) & (NBUCKETS - 1)];
  for (Item* it = *slot; it; it = it->next)
    if (!strcmp(it->word, w)) {
      it->count++;
      return;
    }
  Item* it = malloc(sizeof(Item));
  size_t len = strlen(w) + 1;
  it->word = memcpy(malloc(len), w, len);
  it->count = 1, it->next = *slot, *slot = it;
}

int main(int argc, char** argv) {
  int n = 1500000 * (argc > 1 ? atoi(argv[1]) : 1);
  buckets = calloc(NBUCKETS, sizeof(Item*));
  uint32_t s = 11;
  char word[16];
  for (int i = 0; i < n; i++) {
    s = s * 1664525u + 1013904223u;
    int len = 3 + (s >> 29);
    uint32_t x = (s >> 8) % 200000;
    for (int j = 0; j < len; j++) word[j] = "etaoinshrdlucmfw"[(x >> (j * 2)) & 15], x = x * 7 + j;
    word[len] = 0;
    count(word);
  }
  long distinct = 0, top = 0;
  for (int b = 0; b < NBUCKETS; b++)
    for (Item* it = buckets[b]; it; it = it->next) {
      distinct++;
      if (it->count > top) top = it->count;
    }
  printf("%ld %ld\n", distinct, top);
  for (int b = 0; b < NBUCKETS; b++)
    for (Item* it = buckets[b], *next; it; it = next) next = it->next, free(it->word), free(it);
  free(buckets);
  return 0;
}
