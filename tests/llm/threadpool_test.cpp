// The pool must hand every row to exactly one thread, in chunks aligned as asked, whatever the
// sizes; a pool of one must run on the caller's thread.
#include "llm/threadpool.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <vector>

namespace bf::llm {
namespace {

struct CountCtx {
  std::vector<std::atomic<int>>* hits;
  int align;
  int n;
  std::atomic<int> misaligned{0};
};

void count_rows(void* p, int begin, int end) {
  auto* c = static_cast<CountCtx*>(p);
  // Every chunk starts on a multiple of align and, unless it is the last, ends on one.
  if (begin % c->align != 0 || (end != c->n && end % c->align != 0) || begin >= end)
    c->misaligned.fetch_add(1);
  for (int i = begin; i < end; i++) (*c->hits)[i].fetch_add(1);
}

TEST(ThreadPool, EveryRowExactlyOnce) {
  for (int threads : {1, 2, 3, 4, 7}) {
    ThreadPool pool(threads);
    ASSERT_GE(pool.size(), 1);
    ASSERT_LE(pool.size(), threads);
    for (int n : {1, 2, 3, 5, 8, 31, 64, 100, 1000, 32000}) {
      for (int align : {1, 2, 4, 8, 16, 64}) {
        std::vector<std::atomic<int>> hits(n);
        CountCtx ctx{&hits, align, n};
        pool.parallel_for(n, count_rows, &ctx, align);
        EXPECT_EQ(ctx.misaligned.load(), 0) << threads << " threads, n=" << n << " align=" << align;
        for (int i = 0; i < n; i++)
          ASSERT_EQ(hits[i].load(), 1)
              << "row " << i << ", " << threads << " threads, n=" << n << " align=" << align;
      }
    }
  }
}

TEST(ThreadPool, ZeroRowsCallsNothing) {
  ThreadPool pool(2);
  std::vector<std::atomic<int>> hits(1);
  CountCtx ctx{&hits, 1, 0};
  pool.parallel_for(0, count_rows, &ctx);
  EXPECT_EQ(hits[0].load(), 0);
}

struct ThreadCtx {
  pthread_t seen[64];
  int calls = 0;
};

void record_thread(void* p, int, int) {
  auto* c = static_cast<ThreadCtx*>(p);
  c->seen[c->calls++] = pthread_self();  // size 1 only: no concurrent calls
}

TEST(ThreadPool, SizeOneRunsOnCaller) {
  ThreadPool pool(1);
  EXPECT_EQ(pool.size(), 1);
  ThreadCtx ctx;
  pool.parallel_for(1000, record_thread, &ctx, 4);
  ASSERT_EQ(ctx.calls, 1);
  EXPECT_TRUE(pthread_equal(ctx.seen[0], pthread_self()));
}

struct SumCtx {
  const std::vector<int>* v;
  std::atomic<long> total{0};
};

void sum_rows(void* p, int begin, int end) {
  auto* c = static_cast<SumCtx*>(p);
  long s = 0;
  for (int i = begin; i < end; i++) s += (*c->v)[i];
  c->total.fetch_add(s);
}

// Many back-to-back jobs, as a forward pass issues them: none may be lost or run twice.
TEST(ThreadPool, ManySmallJobs) {
  ThreadPool pool(2);
  std::vector<int> v(257);
  for (int i = 0; i < 257; i++) v[i] = i;
  for (int rep = 0; rep < 20000; rep++) {
    SumCtx ctx{&v};
    pool.parallel_for(257, sum_rows, &ctx, 8);
    ASSERT_EQ(ctx.total.load(), 257L * 256 / 2) << "job " << rep;
  }
}

// Regression: consecutive jobs with different chunk counts. A worker arriving late for a job
// once claimed a chunk of the next one against the old job's count (rows run twice).
TEST(ThreadPool, JobsOfChangingSizes) {
  ThreadPool pool(3);
  std::vector<int> v(257);
  for (int i = 0; i < 257; i++) v[i] = i;
  for (int rep = 0; rep < 30000; rep++) {
    const int n = rep % 2 == 0 ? 5 : 257;
    SumCtx ctx{&v};
    pool.parallel_for(n, sum_rows, &ctx);
    ASSERT_EQ(ctx.total.load(), long(n) * (n - 1) / 2) << "job " << rep << ", n=" << n;
  }
}

struct SlowWorkerCtx {
  pthread_t caller;
  std::vector<std::atomic<int>>* hits;
  std::atomic<int> slow_calls{0};
};

void slow_on_workers(void* p, int begin, int end) {
  auto* c = static_cast<SlowWorkerCtx*>(p);
  // A worker that is slow (as when the OS gives its core to another process): the caller must
  // wait for the chunk it holds, through the sleeping path, and nothing may run twice.
  // Every chunk takes a little while, so that the workers wake up and claim some.
  const bool on_worker = !pthread_equal(pthread_self(), c->caller);
  usleep(on_worker && c->slow_calls.fetch_add(1) < 3 ? 5000 : 300);
  for (int i = begin; i < end; i++) (*c->hits)[i].fetch_add(1);
}

TEST(ThreadPool, SlowWorkerDelaysOnlyItsChunk) {
  ThreadPool pool(3);
  for (int rep = 0; rep < 5; rep++) {
    std::vector<std::atomic<int>> hits(1000);
    SlowWorkerCtx ctx{pthread_self(), &hits};
    pool.parallel_for(1000, slow_on_workers, &ctx, 4);
    for (int i = 0; i < 1000; i++) ASSERT_EQ(hits[i].load(), 1) << "row " << i << ", rep " << rep;
  }
}

struct StalledWorkerCtx {
  pthread_t caller;
  int n;
  std::vector<std::atomic<int>>* hits;
  std::atomic<int> rows_done{0};
  std::atomic<bool> worker_stalled{false};
  std::atomic<bool> timed_out{false};
};

void stall_first_worker_chunk(void* p, int begin, int end) {
  auto* c = static_cast<StalledWorkerCtx*>(p);
  // The worker's first chunk waits until every other row is done: the caller must take the rest
  // of the worker's share (stealing), not wait for the worker to come back for it.
  // The caller's chunks take a while, so that the worker wakes up and claims one.
  if (pthread_equal(pthread_self(), c->caller)) {
    usleep(300);
  } else if (!c->worker_stalled.exchange(true)) {
    int waited_ms = 0;
    while (c->rows_done.load() != c->n - (end - begin)) {
      if (++waited_ms > 5000) {
        c->timed_out = true;
        break;
      }
      usleep(1000);
    }
  }
  for (int i = begin; i < end; i++) (*c->hits)[i].fetch_add(1);
  c->rows_done.fetch_add(end - begin);
}

// (If the OS never runs the worker during a job, the caller runs it all and the job passes
// trivially; on an idle machine the worker claims a chunk in every job.)
TEST(ThreadPool, CallerTakesOverAStalledWorkersShare) {
  ThreadPool pool(2);
  for (int rep = 0; rep < 5; rep++) {
    std::vector<std::atomic<int>> hits(160);
    StalledWorkerCtx ctx{pthread_self(), 160, &hits};
    pool.parallel_for(160, stall_first_worker_chunk, &ctx);
    EXPECT_FALSE(ctx.timed_out.load()) << "rep " << rep << ": the caller left the share waiting";
    for (int i = 0; i < 160; i++) ASSERT_EQ(hits[i].load(), 1) << "row " << i << ", rep " << rep;
  }
}

TEST(ThreadPool, CpuCountIsPositive) { EXPECT_GE(cpu_count(), 1); }

}  // namespace
}  // namespace bf::llm
