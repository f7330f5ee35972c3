/* Times a csmith program's main (renamed csmith_main) inside the process, so that native and
   interpreted runs are compared on the same work, without process start or module loading. */
#include <stdio.h>
#include <time.h>

int csmith_main(int argc, char* argv[]);

int main(int argc, char* argv[]) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  int rc = csmith_main(argc, argv);
  clock_gettime(CLOCK_MONOTONIC, &b);
  fprintf(stderr, "csmith_main_ns %lld\n", (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
  return rc;
}
