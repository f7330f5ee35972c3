// __attribute__((constructor)) and ((destructor)), with and without priorities: constructors
// run before main in priority order and may set globals main reads; destructors run at exit
// after the handlers main registered with atexit, in the reverse order.
#include <stdio.h>
#include <stdlib.h>

static int order[16], n_order;
static int ready = -1;
static const char* greeting = "uninitialised";

__attribute__((constructor)) static void plain_ctor(void) {
  order[n_order++] = 3;
  ready = 42;
}
__attribute__((constructor(200))) static void late_ctor(void) { order[n_order++] = 2; greeting = "hello"; }
__attribute__((constructor(101))) static void early_ctor(void) { order[n_order++] = 1; }
__attribute__((constructor)) static void second_plain_ctor(void) { order[n_order++] = 4; ready += 1; }

__attribute__((destructor)) static void plain_dtor(void) { printf("dtor plain (ready %d)\n", ready); }
__attribute__((destructor(101))) static void early_dtor(void) { printf("dtor 101, last\n"); fflush(stdout); }
__attribute__((destructor(300))) static void late_dtor(void) { printf("dtor 300\n"); }

static void handler(void) { printf("atexit handler\n"); }

int main(void) {
  printf("ready %d, %s\n", ready, greeting);
  for (int i = 0; i < n_order; i++) printf("%d%c", order[i], i + 1 < n_order ? ' ' : '\n');
  atexit(handler);
  return ready == 43 ? 0 : 1;
}
