// Threads of the same fixed integer work (a xorshift chain each), joined: under `--smp 2` two
// can run at once. Prints the time the work took (the guest's clock, without the boot) and a
// checksum, so that the work cannot be optimized away.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void* work(void* arg) {
  unsigned long x = (unsigned long)arg, steps = 200UL * 1000 * 1000;
  for (unsigned long i = 0; i < steps; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return (void*)x;
}

int main(int argc, char** argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  pthread_t t[16];
  unsigned long sum = 0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long i = 0; i < threads && i < 16; i++) pthread_create(&t[i], NULL, work, (void*)(i + 1));
  for (int i = 0; i < threads && i < 16; i++) {
    void* r;
    pthread_join(t[i], &r);
    sum += (unsigned long)r;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("work %.3f s, checksum %lx\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, sum);
  return 0;
}
