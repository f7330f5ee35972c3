// Many small distinct functions, each hot for a while in turn, called through a table of
// function pointers: many candidates for compilation at once.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define F(i)                                                               \
  static uint32_t f##i(uint32_t x) {                                       \
    for (int k = 0; k < 4; k++) x = (x ^ (x >> ((i % 7) + 3))) * (2654435761u + 2 * i) + k; \
    return x + i;                                                          \
  }
#define F8(a) F(a##0) F(a##1) F(a##2) F(a##3) F(a##4) F(a##5) F(a##6) F(a##7)
F8(1) F8(2) F8(3) F8(4) F8(5) F8(6) F8(7) F8(8)
#define R8(a) f##a##0, f##a##1, f##a##2, f##a##3, f##a##4, f##a##5, f##a##6, f##a##7,
static uint32_t (*const table[64])(uint32_t) = {R8(1) R8(2) R8(3) R8(4) R8(5) R8(6) R8(7) R8(8)};

int main(int argc, char** argv) {
  int phases = 64 * (argc > 1 ? atoi(argv[1]) : 1);
  uint32_t x = 1;
  for (int p = 0; p < phases; p++) {
    // Each phase favours a window of 8 functions, so what is hot moves over the run.
    for (int i = 0; i < 200000; i++) x = table[(p + (x & 7)) & 63](x);
  }
  printf("%u\n", x);
  return 0;
}
