// The main module of a program in two (two_lib.c): `bareflow run two_main.bc two_lib.ll --`
// links them at load and must print what the native link of both prints.
#include <stdio.h>

extern const char* lib_name;
unsigned mix(unsigned x, unsigned i);

int main(int argc, char** argv) {
  unsigned x = 1;
  for (unsigned i = 0; i < 3000000; i++) x = mix(x, i);
  printf("%s: %u", lib_name, x);
  for (int k = 1; k < argc; k++) printf(" [%s]", argv[k]);
  printf("\n");
  return argc - 1;  // a status that shows the arguments arrived, 0 without any
}
