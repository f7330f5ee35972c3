// A small pool of POSIX threads that splits a range of rows among workers. One thread is a
// first-class mode: a pool of size 1 runs the work on the caller's thread, with no locking.
#pragma once

namespace bf::llm {

class ThreadPool {
 public:
  // fn(ctx, begin, end) processes rows [begin, end).
  using RangeFn = void (*)(void* ctx, int begin, int end);

  // n_threads >= 1 (the caller counts as one of them). Returns the pool with fewer threads when
  // pthread_create fails (a unikernel may not create threads): never an error.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Runs fn over [0, n) split in contiguous chunks (multiples of `align` rows, except the last),
  // a few per thread, claimed by whichever thread is free; returns when all are done.
  void parallel_for(int n, RangeFn fn, void* ctx, int align = 1);

 private:
  struct Shared;
  Shared* shared_ = nullptr;
  int n_threads_ = 1;
};

// Number of online CPUs (sysconf), at least 1.
int cpu_count();

}  // namespace bf::llm
