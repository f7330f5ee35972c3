// k-nucleotide-like: count every k-mer (k = 1..12) of a generated DNA string in an open-addressing
// hash table; prints the most frequent of each length.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { uint64_t key; uint32_t count; } Entry;

static Entry* table;
static uint32_t capacity;

static void add(uint64_t key) {
  uint32_t i = (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 40) & (capacity - 1);
  while (table[i].count && table[i].key != key) i = (i + 1) & (capacity - 1);
  table[i].key = key;
  table[i].count++;
}

int main(int argc, char** argv) {
  int n = 1000000 * (argc > 1 ? atoi(argv[1]) : 1);
  char* dna = malloc(n);
  uint32_t s = 7;
  for (int i = 0; i < n; i++) s = s * 1103515245u + 12345u, dna[i] = "ACGT"[(s >> 16) & 3];
  capacity = 1u << 22;
  table = calloc(capacity, sizeof(Entry));
  static const uint8_t code[256] = {['A'] = 0, ['C'] = 1, ['G'] = 2, ['T'] = 3};
  for (int k = 1; k <= 12; k++) {
    memset(table, 0, capacity * sizeof(Entry));
    uint64_t mask = (k == 32) ? ~0ull : ((1ull << (2 * k)) - 1), key = 0;
    for (int i = 0; i < n; i++) {
      key = ((key << 2) | code[(uint8_t)dna[i]]) & mask;
      if (i >= k - 1) add(key | (uint64_t)k << 56);
    }
    Entry best = {0, 0};
    for (uint32_t i = 0; i < capacity; i++)
      if (table[i].count > best.count || (table[i].count == best.count && table[i].count && table[i].key < best.key))
        best = table[i];
    char mer[13];
    for (int j = 0; j < k; j++) mer[k - 1 - j] = "ACGT"[(best.key >> (2 * j)) & 3];
    mer[k] = 0;
    printf("%s %u\n", mer, best.count);
  }
  free(table), free(dna);
  return 0;
}
