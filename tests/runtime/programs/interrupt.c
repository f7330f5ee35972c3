// A program that takes SIGINT for itself (it sets a flag, as an interactive program does) and
// ends with hot functions left to compile: code_cache_test.py's `finish` interrupts the compiles
// of --finish-compiles at its exit, which must end the process at once, not run this handler.
#include <signal.h>
#include <stdio.h>

static volatile sig_atomic_t interrupted;
static void on_interrupt(int sig) {
  (void)sig;
  interrupted = 1;
}

#define F(n)                                                                  \
  __attribute__((noinline)) static unsigned f##n(unsigned x) {                \
    for (int i = 0; i < 40; i++) x = x * 2654435761u + n + (x >> (n % 13 + 1)); \
    return x;                                                                 \
  }
#define F8(n) F(n##0) F(n##1) F(n##2) F(n##3) F(n##4) F(n##5) F(n##6) F(n##7)
F8(1) F8(2) F8(3) F8(4) F8(5) F8(6) F8(7) F8(8) F8(9)
F8(10) F8(11) F8(12) F8(13) F8(14) F8(15) F8(16)
#define C8(n) x = f##n##0(x); x = f##n##1(x); x = f##n##2(x); x = f##n##3(x); \
  x = f##n##4(x); x = f##n##5(x); x = f##n##6(x); x = f##n##7(x);

int main(void) {
  signal(SIGINT, on_interrupt);
  unsigned x = 1;
  for (int r = 0; r < 1000; r++) {
    C8(1) C8(2) C8(3) C8(4) C8(5) C8(6) C8(7) C8(8)
    C8(9) C8(10) C8(11) C8(12) C8(13) C8(14) C8(15) C8(16)
  }
  printf("%u %d\n", x, (int)interrupted);
  return 0;
}
