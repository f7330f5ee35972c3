// Built twice, with -DSCALE=3 and -DSCALE=4: two modules that differ in one constant, so that
// code cached for one must never run for the other. mix() is called often enough to tier up.
#include <stdio.h>

#ifndef SCALE
#define SCALE 3
#endif

static unsigned mix(unsigned x, unsigned i) { return (x ^ (i * SCALE)) * 2654435761u + (x >> 7); }

int main(void) {
  unsigned x = 1;
  for (unsigned i = 0; i < 3000000; i++) x = mix(x, i);
  printf("scale %d: %u\n", SCALE, x);
  return 0;
}
