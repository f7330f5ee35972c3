// A third module that defines two_lib.c's mix again: linking it with two_lib is refused.
unsigned mix(unsigned x, unsigned i) { return x + i; }
