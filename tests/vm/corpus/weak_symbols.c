// Weak symbols: an undefined weak function is null (extern_weak), a weak definition is used
// when nothing overrides it, and libc functions commonly called (ffs, signal, strtok_r, ...)
// resolve.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

extern int maybe_missing(int) __attribute__((weak));
extern int also_missing __attribute__((weak));
__attribute__((weak)) int hook(int x) { return x + 1; }

static volatile sig_atomic_t got;
static void on_signal(int s) { got = s; }

int main(void) {
  printf("missing function %s, missing datum %s\n", maybe_missing ? "present" : "null",
         &also_missing ? "present" : "null");
  printf("hook %d\n", hook(41));
  printf("ffs %d %d %d\n", ffs(0), ffs(0x50), ffsll(1LL << 40));
  signal(SIGUSR1, on_signal);
  raise(SIGUSR1);
  printf("signal %d\n", got == SIGUSR1);
  char text[] = "a,b;;c";
  char* save;
  for (char* t = strtok_r(text, ",;", &save); t; t = strtok_r(NULL, ",;", &save)) printf("[%s]", t);
  printf("\n");
  int n = 0;
  char word[16];
  sscanf("42 apples", "%d %15s", &n, word);
  printf("sscanf %d %s\n", n, word);
  printf("strverscmp %d\n", strverscmp("a10", "a9") > 0);
  return 0;
}
