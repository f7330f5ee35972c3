// std::sort, std::nth_element, std::partial_sort and the heap algorithms on plain arrays of structs, with lambdas.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

struct Item {
  uint32_t key, group;
  float weight;
};

int main(int argc, char** argv) {
  const int n = 500000, rounds = 3 * (argc > 1 ? std::atoi(argv[1]) : 1);
  Item* items = new Item[n];
  uint32_t s = 5, check = 0;
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < n; i++) {
      s = s * 1664525u + 1013904223u;
      items[i] = {s >> 8, s % 97, float(s % 1000) / 7.0f};
    }
    std::sort(items, items + n, [](const Item& a, const Item& b) { return a.key < b.key; });
    check = check * 31 + items[n / 2].key;
    std::nth_element(items, items + n / 3, items + n, [](const Item& a, const Item& b) { return a.group < b.group || (a.group == b.group && a.key < b.key); });
    check = check * 31 + items[n / 3].key;
    std::partial_sort(items, items + 1000, items + n, [](const Item& a, const Item& b) { return a.key > b.key; });
    check = check * 31 + items[999].key;
    std::make_heap(items, items + n, [](const Item& a, const Item& b) { return a.weight < b.weight; });
    for (int i = 0; i < 1000; i++) std::pop_heap(items, items + n - i, [](const Item& a, const Item& b) { return a.weight < b.weight; });
    check = check * 31 + items[n - 1].key;
  }
  std::printf("%u\n", check);
  delete[] items;
  return 0;
}
