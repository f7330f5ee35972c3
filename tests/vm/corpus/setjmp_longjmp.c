// setjmp/longjmp and sigsetjmp/siglongjmp: back through several frames, with volatile locals
// intact; a setjmp re-armed in a loop (the stack must not grow); two jmp_bufs armed in one
// call; nested setjmps in caller and callee; a signal handler that siglongjmps (the signal mask
// restored); a longjmp out of a qsort comparator (through the C library's frames); VLAs
// between the setjmp and the longjmp.
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static jmp_buf env, env2, outer_env, inner_env;
static sigjmp_buf sig_env;
static int depth_reached;

__attribute__((noinline)) void dive(int depth, int target) {
  volatile char pad[256];  // each frame takes some stack
  pad[0] = (char)depth;
  depth_reached = depth + pad[0] - depth;
  if (depth == target) longjmp(env, depth * 10);
  dive(depth + 1, target);
  printf("not reached %d\n", pad[0]);
}

__attribute__((noinline)) int basic(void) {
  volatile int counter = 0;
  volatile double sum = 1.5;
  int r = setjmp(env);
  counter++;
  sum *= 2;
  if (r == 0) dive(0, 5);
  printf("basic: r %d counter %d sum %.1f depth %d\n", r, counter, sum, depth_reached);
  return r;
}

__attribute__((noinline)) void jump_zero(void) { longjmp(env, 0); }

__attribute__((noinline)) void zero_value(void) {
  int r = setjmp(env);
  if (r == 0) jump_zero();
  printf("longjmp(env, 0) gives %d\n", r);
}

__attribute__((noinline)) void thrower(int i) {
  int vla[1024 + i % 7];  // 4 KB a call: 800 MB over the loop if a longjmp did not free it
  for (int k = 0; k < 64; k++) vla[k] = i + k;
  if (vla[3] >= 0) longjmp(env, i + 1);
}

// A setjmp re-armed 200,000 times in one call: neither stack may grow with it.
__attribute__((noinline)) void rearm_loop(void) {
  volatile long total = 0;
  for (volatile int i = 0; i < 200000; i++) {
    int r = setjmp(env);
    if (r == 0) thrower(i);
    total += r;
  }
  printf("rearm: total %ld\n", total);
}

// Two jmp_bufs armed in one call; the earlier one taken after the later was armed.
__attribute__((noinline)) void jump_to(jmp_buf b, int v) { longjmp(b, v); }
__attribute__((noinline)) void two_buffers(void) {
  volatile int stage = 0;
  int a = setjmp(env);
  if (a) {
    printf("two buffers: back at the first with %d, stage %d\n", a, stage);
    return;
  }
  stage = 1;
  int b = setjmp(env2);
  if (b == 0) {
    stage = 2;
    jump_to(env2, 7);
  }
  printf("two buffers: back at the second with %d, stage %d\n", b, stage);
  stage = 3;
  jump_to(env, 9);
}

// Nested: the callee's own setjmp, then a longjmp past it to the caller's.
__attribute__((noinline)) void inner(int n) {
  volatile int tries = 0;
  if (setjmp(inner_env) < 3) {
    tries++;
    if (tries < 3) longjmp(inner_env, tries);
    printf("inner: tries %d\n", tries);
    longjmp(outer_env, 100 + n);
  }
}
__attribute__((noinline)) void outer(void) {
  volatile int rounds = 0;
  int r = setjmp(outer_env);
  rounds++;
  if (rounds <= 3) inner(rounds);
  printf("outer: r %d rounds %d\n", r, rounds);
}

// A signal handler that siglongjmps: the mask saved by sigsetjmp comes back (SIGUSR1 is
// blocked while its handler runs).
static void on_usr1(int sig) { siglongjmp(sig_env, sig); }
__attribute__((noinline)) void signals(void) {
  signal(SIGUSR1, on_usr1);
  volatile int raised = 0;
  int r = sigsetjmp(sig_env, 1);
  if (r == 0) {
    raised++;
    raise(SIGUSR1);
    printf("not reached\n");
  }
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  printf("signal: r %d raised %d usr1 blocked %d\n", r == SIGUSR1, raised, sigismember(&now, SIGUSR1));
  signal(SIGUSR1, SIG_DFL);
}

// Out of a qsort comparator: through the C library's frames.
static int comparisons;
static int compare(const void* a, const void* b) {
  if (++comparisons == 10) longjmp(env, 42);
  return *(const int*)a - *(const int*)b;
}
__attribute__((noinline)) void from_qsort(void) {
  int v[100];
  for (int i = 0; i < 100; i++) v[i] = (i * 37) % 100;
  int r = setjmp(env);
  if (r == 0) {
    qsort(v, 100, sizeof v[0], compare);
    printf("not reached\n");
  }
  printf("qsort: r %d after %d comparisons\n", r, comparisons);
}

int main(void) {
  int r = basic();
  zero_value();
  rearm_loop();
  two_buffers();
  outer();
  signals();
  from_qsort();
  return r == 50 ? 0 : 1;
}
