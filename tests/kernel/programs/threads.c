// Threads in the unikernel, through the C library's pthreads (glibc or musl): the mode in argv[1]
// picks what is checked. Each mode prints one line ending in "ok" on success and exits 0.
//   basic     create and join, thread ids, thread-local storage, a mutex and a condition variable
//             (producers and consumers), SSE registers kept per thread across switches,
//             pthread_exit values, a detached thread, pthread_kill and tgkill with signal 0
//   timed     a timed condition wait and a sleep last as long as asked, while another thread runs
//   preempt   two threads spinning on each other's flags (needs preemption on one CPU)
//   deadlock  every thread waits forever: the kernel reports it
//   main-exit the first thread ends with pthread_exit; the last one ends the program
//   exit      a thread calls exit(3) while the first waits in pthread_join
//   ticks     a thread per CPU spins 300 ms with no other to run: the timer interrupts them about
//             once a slice (/proc/interrupts), not continually
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static long gettid_raw(void) { return syscall(SYS_gettid); }

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

// basic ------------------------------------------------------------------------------------------

enum { kWorkers = 4, kItems = 200, kQueue = 8 };
static __thread int tls_value = -1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;
static int queue[kQueue], q_head, q_count, consumed_sum, consumed_count;
static long tids[kWorkers];

static void put(int v) {
  pthread_mutex_lock(&lock);
  while (q_count == kQueue) pthread_cond_wait(&not_full, &lock);
  queue[(q_head + q_count++) % kQueue] = v;
  pthread_cond_signal(&not_empty);
  pthread_mutex_unlock(&lock);
}

static int take(void) {
  pthread_mutex_lock(&lock);
  while (q_count == 0) pthread_cond_wait(&not_empty, &lock);
  int v = queue[q_head];
  q_head = (q_head + 1) % kQueue, q_count--;
  pthread_cond_signal(&not_full);
  pthread_mutex_unlock(&lock);
  return v;
}

// Fills xmm0-7 with a pattern of `seed`, yields `rounds` times, and checks the registers.
static int sse_survives_switches(unsigned seed, int rounds) {
  unsigned in[8][4] __attribute__((aligned(16))), out[8][4] __attribute__((aligned(16)));
  for (int r = 0; r < 8; r++)
    for (int i = 0; i < 4; i++) in[r][i] = seed * 2654435761u + r * 97 + i;
  __asm__ volatile(
      "movdqa 0(%0), %%xmm0\n movdqa 16(%0), %%xmm1\n movdqa 32(%0), %%xmm2\n movdqa 48(%0), %%xmm3\n"
      "movdqa 64(%0), %%xmm4\n movdqa 80(%0), %%xmm5\n movdqa 96(%0), %%xmm6\n movdqa 112(%0), %%xmm7\n"
      :: "r"(in) : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7");
  for (int i = 0; i < rounds; i++) {
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_sched_yield) : "rcx", "r11", "memory");
  }
  __asm__ volatile(
      "movdqa %%xmm0, 0(%0)\n movdqa %%xmm1, 16(%0)\n movdqa %%xmm2, 32(%0)\n movdqa %%xmm3, 48(%0)\n"
      "movdqa %%xmm4, 64(%0)\n movdqa %%xmm5, 80(%0)\n movdqa %%xmm6, 96(%0)\n movdqa %%xmm7, 112(%0)\n"
      :: "r"(out) : "memory");
  return memcmp(in, out, sizeof in) == 0;
}

static void* producer(void* arg) {
  int id = (int)(long)arg;
  tls_value = id;
  tids[id] = gettid_raw();
  CHECK(sse_survives_switches(id + 1, 20));
  for (int i = 0; i < kItems; i++) {
    put(id * 1000 + i);
    if (i % 16 == 0) sched_yield();
  }
  CHECK(tls_value == id);
  return (void*)(long)(id + 100);
}

static void* consumer(void* arg) {
  int id = (int)(long)arg;
  tls_value = id;
  tids[id] = gettid_raw();
  CHECK(sse_survives_switches(id + 1, 20));
  int sum = 0;
  for (int i = 0; i < kItems; i++) sum += take();
  pthread_mutex_lock(&lock);
  consumed_sum += sum;
  consumed_count += kItems;
  pthread_mutex_unlock(&lock);
  CHECK(tls_value == id);
  pthread_exit((void*)(long)(id + 100));
}

static volatile int detached_ran;
static void* detached(void* arg) {
  detached_ran = 1;
  return NULL;
}

static int basic(void) {
  tls_value = 99;
  pthread_t t[kWorkers];
  for (long i = 0; i < kWorkers; i++)
    CHECK(pthread_create(&t[i], NULL, i < 2 ? producer : consumer, (void*)i) == 0);
  CHECK(pthread_kill(t[3], 0) == 0);  // running, or ended and not yet joined: 0 either way
  CHECK(syscall(SYS_tgkill, getpid(), gettid_raw(), 0) == 0);
  for (int i = 0; i < kWorkers; i++) {
    void* ret;
    CHECK(pthread_join(t[i], &ret) == 0);
    CHECK(ret == (void*)(long)(i + 100));
  }
  int expect = 0;
  for (int p = 0; p < 2; p++)
    for (int i = 0; i < kItems; i++) expect += p * 1000 + i;
  CHECK(consumed_count == 2 * kItems && consumed_sum == expect);
  CHECK(tls_value == 99);
  for (int i = 0; i < kWorkers; i++) {
    CHECK(tids[i] != getpid() && tids[i] > 1);
    for (int j = 0; j < i; j++) CHECK(tids[i] != tids[j]);
  }
  CHECK(syscall(SYS_tgkill, getpid(), 99999, 0) == -1 && errno == ESRCH);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t d;
  CHECK(pthread_create(&d, &attr, detached, NULL) == 0);
  while (!detached_ran) sched_yield();
  CHECK(sse_survives_switches(7, 5));
  printf("basic ok: %d threads, %d items\n", kWorkers, consumed_count);
  return 0;
}

// timed ------------------------------------------------------------------------------------------

static volatile long spins;
static volatile int stop;
static void* spinner(void* arg) {
  while (!stop) spins++;
  return NULL;
}

static int timed(void) {
  pthread_t t;
  CHECK(pthread_create(&t, NULL, spinner, NULL) == 0);
  pthread_mutex_lock(&lock);
  double t0 = now_s();
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_nsec += 200 * 1000000L;
  if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
  int r = pthread_cond_timedwait(&not_empty, &lock, &until);
  double waited = now_s() - t0;
  pthread_mutex_unlock(&lock);
  CHECK(r == ETIMEDOUT);
  CHECK(waited >= 0.2);
  long before = spins;
  t0 = now_s();
  struct timespec d = {0, 100 * 1000000L};
  CHECK(nanosleep(&d, NULL) == 0);
  double slept = now_s() - t0;
  CHECK(slept >= 0.1);
  CHECK(spins > before);  // the other thread ran while this one slept
  stop = 1;
  CHECK(pthread_join(t, NULL) == 0);
  printf("timed ok\n");
  return 0;
}

// preempt ----------------------------------------------------------------------------------------

static volatile int started, released;
static void* spin_until_released(void* arg) {
  started = 1;
  while (!released) {
  }
  return (void*)7;
}

static int preempt(void) {
  pthread_t t;
  CHECK(pthread_create(&t, NULL, spin_until_released, NULL) == 0);
  while (!started) {
  }
  released = 1;
  void* ret;
  CHECK(pthread_join(t, &ret) == 0 && ret == (void*)7);
  printf("preempt ok\n");
  return 0;
}

// deadlock, main-exit, exit ----------------------------------------------------------------------

static void* wait_forever(void* arg) {
  pthread_mutex_lock(&lock);
  for (;;) pthread_cond_wait(&not_empty, &lock);
}

static int deadlock(void) {
  pthread_t t;
  CHECK(pthread_create(&t, NULL, wait_forever, NULL) == 0);
  printf("waiting\n");
  fflush(stdout);
  pthread_join(t, NULL);
  printf("FAIL: joined a thread that never ends\n");
  return 1;
}

static void* outlive_main(void* arg) {
  struct timespec d = {0, 20 * 1000000L};
  nanosleep(&d, NULL);
  printf("main-exit ok\n");
  return NULL;
}

static int main_exit(void) {
  pthread_t t;
  CHECK(pthread_create(&t, NULL, outlive_main, NULL) == 0);
  pthread_exit(NULL);
}

static void* exit_program(void* arg) {
  printf("exit ok\n");
  fflush(stdout);
  exit(3);
}

static int exit_from_thread(void) {
  pthread_t t;
  CHECK(pthread_create(&t, NULL, exit_program, NULL) == 0);
  pthread_join(t, NULL);
  printf("FAIL: joined a thread that called exit\n");
  return 1;
}

// ticks ------------------------------------------------------------------------------------------

static void* spin_300ms(void* arg) {
  double end = now_s() + 0.3;
  while (now_s() < end) {
  }
  return NULL;
}

// The sum of the LOC row of /proc/interrupts.
static long timer_interrupts(void) {
  FILE* f = fopen("/proc/interrupts", "r");
  CHECK(f != NULL);
  char line[1024];
  long total = -1;
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "LOC:", 4)) {
      total = 0;
      for (char *p = line + 4, *end;; p = end) {
        long v = strtol(p, &end, 10);
        if (end == p) break;  // the row's name
        total += v;
      }
    }
  fclose(f);
  CHECK(total >= 0);
  return total;
}

static int ticks(void) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN), before = timer_interrupts();
  pthread_t t[16];
  for (long i = 0; i < cpus && i < 16; i++) CHECK(pthread_create(&t[i], NULL, spin_300ms, NULL) == 0);
  for (long i = 0; i < cpus && i < 16; i++) CHECK(pthread_join(t[i], NULL) == 0);
  long n = timer_interrupts() - before;
  // 10 ms slices: about 30 per CPU, with room for timed waits and a busy host.
  if (n > 100 * cpus) {
    printf("FAIL: %ld timer interrupts on %ld CPUs in 0.3 s\n", n, cpus);
    return 1;
  }
  printf("ticks ok\n");
  return 0;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char* mode = argc > 1 ? argv[1] : "basic";
  if (!strcmp(mode, "basic")) return basic();
  if (!strcmp(mode, "timed")) return timed();
  if (!strcmp(mode, "preempt")) return preempt();
  if (!strcmp(mode, "deadlock")) return deadlock();
  if (!strcmp(mode, "main-exit")) return main_exit();
  if (!strcmp(mode, "exit")) return exit_from_thread();
  if (!strcmp(mode, "ticks")) return ticks();
  printf("unknown mode %s\n", mode);
  return 2;
}
