// Persistent workers woken per parallel_for. Per-token matmuls take tens of microseconds, so a
// worker first spins on the job counter (wake-up in well under a microsecond) and only then
// sleeps on a condition variable (so an idle pool costs no CPU). The caller runs chunk 0.
#include "llm/threadpool.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace bf::llm {

namespace {
// Polls of an atomic before blocking: tens of microseconds, about the gap between two matmuls
// of one layer, so workers stay awake within a token and sleep between tokens.
constexpr int kSpinPolls = 1 << 15;
}  // namespace

namespace {

struct PoolState {
  pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t wake = PTHREAD_COND_INITIALIZER;  // workers: a new job or stop
  pthread_cond_t done = PTHREAD_COND_INITIALIZER;  // caller: the last worker finished
  std::atomic<uint32_t> generation{0};             // bumped once per job
  std::atomic<int> pending{0};                     // workers still running the current job
  bool stop = false;                               // guarded by mu

  // The current job: written by the caller before it bumps generation (release).
  ThreadPool::RangeFn fn = nullptr;
  void* ctx = nullptr;
  int n = 0;
  int chunk = 0;
  int n_threads = 1;

  pthread_t* threads = nullptr;
  int n_workers = 0;

  void run_chunk(int index) const {
    const int begin = index * chunk;
    if (begin >= n) return;
    const int end = n - begin < chunk ? n : begin + chunk;
    fn(ctx, begin, end);
  }
};

struct WorkerStart {
  PoolState* shared;
  int index;
};

void* worker_main(void* arg) {
  WorkerStart start = *static_cast<WorkerStart*>(arg);
  delete static_cast<WorkerStart*>(arg);
  PoolState& s = *start.shared;
  uint32_t seen = 0;
  for (;;) {
    uint32_t gen = s.generation.load(std::memory_order_acquire);
    for (int i = 0; gen == seen && i < kSpinPolls; i++)
      gen = s.generation.load(std::memory_order_acquire);
    if (gen == seen) {
      pthread_mutex_lock(&s.mu);
      while ((gen = s.generation.load(std::memory_order_acquire)) == seen && !s.stop)
        pthread_cond_wait(&s.wake, &s.mu);
      const bool stop = s.stop;
      pthread_mutex_unlock(&s.mu);
      if (stop) return nullptr;
    }
    seen = gen;
    if (s.fn == nullptr) return nullptr;  // the destructor's final generation
    s.run_chunk(start.index);
    if (s.pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // Signal under the lock: the caller checks `pending` under it before sleeping.
      pthread_mutex_lock(&s.mu);
      pthread_cond_signal(&s.done);
      pthread_mutex_unlock(&s.mu);
    }
  }
}

}  // namespace

struct ThreadPool::Shared : PoolState {};

ThreadPool::ThreadPool(int n_threads) {
  if (n_threads <= 1) return;  // one thread: no workers, no locks
  shared_ = new Shared;
  shared_->threads = new pthread_t[n_threads - 1];
  for (int i = 1; i < n_threads; i++) {
    auto* start = new WorkerStart{shared_, i};
    if (pthread_create(&shared_->threads[i - 1], nullptr, &worker_main, start) != 0) {
      delete start;
      break;  // run with the threads we have
    }
    shared_->n_workers++;
  }
  n_threads_ = shared_->n_workers + 1;
  shared_->n_threads = n_threads_;
}

ThreadPool::~ThreadPool() {
  if (shared_ == nullptr) return;
  pthread_mutex_lock(&shared_->mu);
  shared_->stop = true;
  shared_->fn = nullptr;
  shared_->generation.fetch_add(1, std::memory_order_release);
  pthread_cond_broadcast(&shared_->wake);
  pthread_mutex_unlock(&shared_->mu);
  for (int i = 0; i < shared_->n_workers; i++) pthread_join(shared_->threads[i], nullptr);
  pthread_cond_destroy(&shared_->wake);
  pthread_cond_destroy(&shared_->done);
  pthread_mutex_destroy(&shared_->mu);
  delete[] shared_->threads;
  delete shared_;
}

void ThreadPool::parallel_for(int n, RangeFn fn, void* ctx, int align) {
  if (n <= 0) return;
  if (align < 1) align = 1;
  int chunk = (n + n_threads_ - 1) / n_threads_;
  chunk = (chunk + align - 1) / align * align;
  if (shared_ == nullptr || chunk >= n) {
    fn(ctx, 0, n);  // one thread, or too few rows to split
    return;
  }
  Shared& s = *shared_;
  s.fn = fn;
  s.ctx = ctx;
  s.n = n;
  s.chunk = chunk;
  s.pending.store(s.n_workers, std::memory_order_relaxed);
  pthread_mutex_lock(&s.mu);
  s.generation.fetch_add(1, std::memory_order_release);
  pthread_cond_broadcast(&s.wake);
  pthread_mutex_unlock(&s.mu);

  s.run_chunk(0);

  for (int i = 0; i < kSpinPolls; i++)
    if (s.pending.load(std::memory_order_acquire) == 0) return;
  pthread_mutex_lock(&s.mu);
  while (s.pending.load(std::memory_order_acquire) != 0) pthread_cond_wait(&s.done, &s.mu);
  pthread_mutex_unlock(&s.mu);
}

int cpu_count() {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : static_cast<int>(n);
}

}  // namespace bf::llm
