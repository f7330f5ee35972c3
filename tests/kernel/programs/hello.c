// Prints its arguments to stdout, one line to stderr, and exits with 7: enough to check argv,
// both output streams and the exit status of a static program in the unikernel.
#include <stdio.h>

int main(int argc, char** argv) {
  printf("hello from %s, %d args\n", argv[0], argc);
  for (int i = 1; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
  fprintf(stderr, "hello on stderr\n");
  return 7;
}
