// The second module of two_main.c's program, built with -DSCALE=3 and -DSCALE=4: the same
// file path with other content must be another module to the code cache.
#ifndef SCALE
#define SCALE 3
#endif

const char* lib_name = "two_lib";

unsigned mix(unsigned x, unsigned i) { return (x ^ (i * SCALE)) * 2654435761u + (x >> 7); }
