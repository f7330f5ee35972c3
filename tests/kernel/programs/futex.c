// The futex operations, through the raw system call: the value check, relative and absolute
// timeouts (CLOCK_MONOTONIC and CLOCK_REALTIME), bitsets, REQUEUE, CMP_REQUEUE and WAKE_OP, with
// waiter threads blocked on them. Prints "futex ok" and exits 0.
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static long futex(atomic_int* uaddr, int op, int val, const void* timeout_or_val2, atomic_int* uaddr2, int val3) {
  return syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);
}

static double now_s(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void sleep_ms(int ms) {
  struct timespec d = {0, ms * 1000000L};
  nanosleep(&d, NULL);
}

static atomic_int word_a, word_b, ready, woken;

struct Waiter {
  atomic_int* on;
  int bitset;
};

static void* waiter(void* arg) {
  struct Waiter* w = arg;
  atomic_fetch_add(&ready, 1);
  long r = w->bitset ? futex(w->on, FUTEX_WAIT_BITSET, 0, NULL, NULL, w->bitset) : futex(w->on, FUTEX_WAIT, 0, NULL, NULL, 0);
  CHECK(r == 0);
  atomic_fetch_add(&woken, 1);
  return NULL;
}

// Starts n waiters and gives them time to block.
static void start_waiters(pthread_t* t, struct Waiter* w, int n) {
  atomic_store(&ready, 0);
  atomic_store(&woken, 0);
  for (int i = 0; i < n; i++) CHECK(pthread_create(&t[i], NULL, waiter, &w[i]) == 0);
  while (atomic_load(&ready) < n) sched_yield();
  sleep_ms(50);
  CHECK(atomic_load(&woken) == 0);
}

static void join_all(pthread_t* t, int n) {
  for (int i = 0; i < n; i++) CHECK(pthread_join(t[i], NULL) == 0);
}

int main(void) {
  // The value differs: EAGAIN at once.
  atomic_store(&word_a, 1);
  CHECK(futex(&word_a, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0) == -1 && errno == EAGAIN);
  atomic_store(&word_a, 0);

  // A relative timeout (FUTEX_WAIT) and absolute ones (FUTEX_WAIT_BITSET) really wait.
  struct timespec rel = {0, 150 * 1000000L};
  double t0 = now_s(CLOCK_MONOTONIC);
  CHECK(futex(&word_a, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0) == -1 && errno == ETIMEDOUT);
  CHECK(now_s(CLOCK_MONOTONIC) - t0 >= 0.15);
  struct timespec abs;
  clock_gettime(CLOCK_MONOTONIC, &abs);
  abs.tv_nsec += 100 * 1000000L;
  if (abs.tv_nsec >= 1000000000L) abs.tv_sec++, abs.tv_nsec -= 1000000000L;
  t0 = now_s(CLOCK_MONOTONIC);
  CHECK(futex(&word_a, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY) == -1 && errno == ETIMEDOUT);
  CHECK(now_s(CLOCK_MONOTONIC) - t0 >= 0.09);
  clock_gettime(CLOCK_REALTIME, &abs);
  abs.tv_nsec += 100 * 1000000L;
  if (abs.tv_nsec >= 1000000000L) abs.tv_sec++, abs.tv_nsec -= 1000000000L;
  double r0 = now_s(CLOCK_REALTIME);
  CHECK(futex(&word_a, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY) == -1 &&
        errno == ETIMEDOUT);
  CHECK(now_s(CLOCK_REALTIME) - r0 >= 0.09);
  CHECK(futex(&word_a, FUTEX_WAIT_BITSET, 0, NULL, NULL, 0) == -1 && errno == EINVAL);  // empty bitset

  pthread_t t[3];
  // Bitsets: a wake with bit 2 skips the waiter on bit 1.
  struct Waiter bits[2] = {{&word_a, 1}, {&word_a, 2}};
  start_waiters(t, bits, 2);
  CHECK(futex(&word_a, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 2) == 1);
  sleep_ms(30);
  CHECK(atomic_load(&woken) == 1);
  CHECK(futex(&word_a, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 1) == 1);
  join_all(t, 2);

  // REQUEUE: one of three woken, two moved to word_b, then woken there.
  struct Waiter on_a[3] = {{&word_a, 0}, {&word_a, 0}, {&word_a, 0}};
  start_waiters(t, on_a, 3);
  CHECK(futex(&word_a, FUTEX_REQUEUE, 1, (void*)2L, &word_b, 0) == 3);
  sleep_ms(30);
  CHECK(atomic_load(&woken) == 1);
  CHECK(futex(&word_a, FUTEX_WAKE, INT_MAX, NULL, NULL, 0) == 0);  // nobody left on word_a
  CHECK(futex(&word_b, FUTEX_WAKE, INT_MAX, NULL, NULL, 0) == 2);
  join_all(t, 3);

  // CMP_REQUEUE checks the value first.
  start_waiters(t, on_a, 2);
  CHECK(futex(&word_a, FUTEX_CMP_REQUEUE, 0, (void*)1L, &word_b, 5) == -1 && errno == EAGAIN);
  CHECK(futex(&word_a, FUTEX_CMP_REQUEUE, 1, (void*)1L, &word_b, 0) == 2);
  CHECK(futex(&word_b, FUTEX_WAKE, 1, NULL, NULL, 0) == 1);
  join_all(t, 2);

  // WAKE_OP: word_b += 5 and, as its old value was 0 (== 0), waiters on both words are woken.
  struct Waiter both[2] = {{&word_a, 0}, {&word_b, 0}};
  start_waiters(t, both, 2);
  int op = FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0);
  CHECK(futex(&word_a, FUTEX_WAKE_OP, 1, (void*)1L, &word_b, op) == 2);
  CHECK(atomic_load(&word_b) == 5);
  join_all(t, 2);
  printf("futex ok\n");
  return 0;
}
