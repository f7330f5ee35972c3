// The CPUs a program sees and uses: the counts glibc reports (sysconf, get_nprocs, the affinity
// mask), and two spinning threads meeting while each runs on a CPU of its own (sched_getcpu).
// Prints "cpus N, threads met on CPUs A and B".
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/sysinfo.h>
#include <unistd.h>

static atomic_int arrived;
static int cpu_of[2];

static void* meet(void* arg) {
  int i = (int)(long)arg;
  atomic_fetch_add(&arrived, 1);
  while (atomic_load(&arrived) < 2) {
  }
  cpu_of[i] = sched_getcpu();  // both threads are spinning right now
  atomic_fetch_add(&arrived, 1);
  while (atomic_load(&arrived) < 4) {
  }
  return NULL;
}

int main(void) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set)) return 1;
  int n = (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (get_nprocs() != n || CPU_COUNT(&set) != n) {
    printf("FAIL: sysconf %d, get_nprocs %d, affinity %d\n", n, get_nprocs(), CPU_COUNT(&set));
    return 1;
  }
  pthread_t t[2];
  for (long i = 0; i < 2; i++) pthread_create(&t[i], NULL, meet, (void*)i);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  printf("cpus %d, threads met on CPUs %d and %d\n", n, cpu_of[0] < cpu_of[1] ? cpu_of[0] : cpu_of[1],
         cpu_of[0] < cpu_of[1] ? cpu_of[1] : cpu_of[0]);
  return 0;
}
