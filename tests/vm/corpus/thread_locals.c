// Thread-locals (__thread, _Thread_local): each thread sees its own copy, initialised from the
// initializer; the main thread's copy is untouched by the others.
#include <pthread.h>
#include <stdio.h>
#include <string.h>

__thread int counter = 7;
_Thread_local long long big[4] = {1, 2, 3, 4};
__thread char name[16];
static __thread double total;
__thread int* self_ptr;
int shared_seen[4];

struct Pair { int a; short b; };
__thread struct Pair pair = {10, 20};

__attribute__((noinline)) void bump(int by) {
  counter += by;
  big[by % 4] += by;
  total += by * 0.5;
}

__attribute__((noinline)) int* counter_address(void) { return &counter; }

static void* worker(void* arg) {
  int id = (int)(long)arg & 3, quiet = (int)(long)arg & 4;
  snprintf(name, sizeof name, "worker%d", id);
  self_ptr = &counter;
  for (int i = 0; i < 1000; i++) bump(id + 1);
  pair.a += id;
  shared_seen[id] = counter;
  // The address of this thread's copy is stable and its own.
  if (counter_address() != self_ptr || self_ptr != &counter) return (void*)1;
  if (!quiet)
    printf("%s: counter %d big %lld %lld %lld %lld total %.1f pair %d %d\n", name, counter, big[0], big[1],
         big[2], big[3], total, pair.a, pair.b);
  return 0;
}

int main(void) {
  strcpy(name, "main");
  bump(5);
  pthread_t t[4];
  // One at a time, so that the output order is fixed.
  for (long i = 0; i < 4; i++) {
    pthread_create(&t[i], 0, worker, (void*)i);
    void* r;
    pthread_join(t[i], &r);
    if (r) printf("thread %ld: address of its copy changed\n", i);
  }
  // Concurrently (quiet: the order would vary): each thread's copy starts from the initializer.
  for (long i = 0; i < 4; i++) pthread_create(&t[i], 0, worker, (void*)(i | 4));
  int bad = 0;
  for (long i = 0; i < 4; i++) {
    void* r;
    pthread_join(t[i], &r);
    if (r) printf("thread %ld: address of its copy changed\n", i), bad++;
  }
  for (int i = 0; i < 4; i++) printf("seen %d\n", shared_seen[i]);
  printf("%s: counter %d big %lld %lld total %.1f pair %d bad %d\n", name, counter, big[1], big[0], total, pair.a,
         bad);
  return counter == 12 ? 0 : 1;
}
