// Programs that die: each argument picks a way (crash_report_test.py checks the one-line report
// and that the exit status is the native build's).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int recurse_forever(int n) {
  volatile char pad[64];
  pad[n % 64] = (char)n;
  return recurse_forever(n + 1) + pad[3];
}
__attribute__((noinline)) static void store_through(int* p) { *p = 1; }
__attribute__((noinline)) static int divide(int a, int b) { return a / b; }

int main(int argc, char** argv) {
  const char* how = argc > 1 ? argv[1] : "";
  printf("start %s\n", how);
  fflush(stdout);
  if (!strcmp(how, "segv")) store_through((int*)16);
  if (!strcmp(how, "fpe")) printf("%d\n", divide(1, argc - 2));
  if (!strcmp(how, "abort")) abort();
  if (!strcmp(how, "overflow")) printf("%d\n", recurse_forever(0));
  if (!strcmp(how, "host")) printf("%zu\n", strlen((const char*)(argc * 8)));
  return 0;
}
