// A small pool of POSIX threads that splits a range of rows among workers. One thread is a
// first-class mode: a pool of size 1 runs the work on the caller's thread, with no locking.
#pragma once

#include <cstdint>

namespace bf::llm {

// Where a pool's time goes, for benchmarks (off unless set_stats is given one; then each
// parallel_for reads the clock a few times).
struct PoolStats {
  uint64_t calls = 0;          // parallel_for calls
  uint64_t split_calls = 0;    // of them, cut into chunks for the workers
  uint64_t caller_chunks = 0;  // chunks the calling thread ran
  uint64_t worker_chunks = 0;  // chunks the workers ran
  int64_t nanos_inside = 0;    // wall time inside parallel_for
  int64_t nanos_tail = 0;      // the caller idle, waiting for workers' last chunks
};

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

  // Accumulate into *stats from now on (nullptr: stop). Only the calling thread reads it.
  void set_stats(PoolStats* stats);

 private:
  struct Shared;
  void run(int n, RangeFn fn, void* ctx, int align);

  Shared* shared_ = nullptr;
  PoolStats* stats_ = nullptr;
  int n_threads_ = 1;
};

// Number of online CPUs (sysconf), at least 1.
int cpu_count();

}  // namespace bf::llm
