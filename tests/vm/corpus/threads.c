// Threads whose start routine is interpreted code, with a mutex, a condition variable and
// atomics; the result must not depend on scheduling.
#include <pthread.h>
#include <stdio.h>

#define N 4
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long shared_sum = 0;
static int ready = 0;
static int atomic_count = 0;

static void* worker(void* arg) {
  long id = (long)arg, local = 0;
  for (long i = 0; i < 20000; i++) local += (i * (id + 1)) % 7;
  for (int i = 0; i < 1000; i++) __atomic_fetch_add(&atomic_count, 1, __ATOMIC_SEQ_CST);
  pthread_mutex_lock(&lock);
  shared_sum += local;
  ready++;
  pthread_cond_signal(&cond);
  pthread_mutex_unlock(&lock);
  return (void*)(local % 1000);
}

int main(void) {
  pthread_t t[N];
  for (long i = 0; i < N; i++) pthread_create(&t[i], NULL, worker, (void*)i);
  pthread_mutex_lock(&lock);
  while (ready < N) pthread_cond_wait(&cond, &lock);
  pthread_mutex_unlock(&lock);
  long rets = 0;
  for (int i = 0; i < N; i++) { void* r; pthread_join(t[i], &r); rets += (long)r; }
  int expected = 0;
  __atomic_compare_exchange_n(&expected, &expected, 5, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  printf("sum %ld rets %ld atomic %d cas %d\n", shared_sum, rets, atomic_count, expected);
  return 0;
}
