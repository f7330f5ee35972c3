// Persistent workers woken per parallel_for. Per-token matmuls take tens of microseconds, so a
// worker first spins on the job word (wake-up well under a microsecond) and only then sleeps on
// a condition variable (so an idle pool costs no CPU).
//
// Rows are cut into a few chunks per thread, claimed one at a time by whoever is running: the
// caller and every worker that woke up. On a machine shared with other processes a worker may
// not get a core for milliseconds; it then delays only the chunk it holds, never a fixed share
// of the rows, and the pool is never slower than the caller alone.
#include "llm/threadpool.h"

#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace bf::llm {

namespace {

// How long a thread spins on an atomic before blocking. Measured: with workers asleep, a
// parallel_for costs ~20 us (futex wake, and on a busy machine the woken thread may take the
// caller's core); the gaps inside a token (norms, attention, sampling) are tens of microseconds,
// so workers spin through them and sleep only between bursts of tokens.
constexpr int64_t kSpinNanos = 200 * 1000;
constexpr int kPollsPerClockRead = 256;

int64_t now_nanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// A spin-wait hint (x86 `pause`): leaves the core's other hardware thread the issue slots and
// ends the loop without a memory-order flush. Not in the bitcode build: BareFlow's interpreter
// runs generic LLVM IR, no x86 intrinsics.
inline void cpu_relax() {
#if defined(__x86_64__) && !defined(BF_LLM_BITCODE)
  __builtin_ia32_pause();
#endif
}

// Polls done() until it holds or kSpinNanos pass; returns its last value. Yields between
// rounds of polls: when the OS has put a spinning worker on the caller's core (a busy
// machine), the caller gets the core back at once instead of after a time slice.
template <typename Done>
bool spin_until(Done done) {
  const int64_t deadline = now_nanos() + kSpinNanos;
  for (;;) {
    for (int i = 0; i < kPollsPerClockRead; i++) {
      if (done()) return true;
      cpu_relax();
    }
    if (now_nanos() > deadline) return done();
    sched_yield();
  }
}
// Chunk sizes shrink as the job goes (guided scheduling): each of the first chunks takes half of
// a thread's share of the rows left, the last ones 1/kFinalChunksPerThread of a thread's share.
// Long first chunks are long sequential reads of weight rows; short last ones keep the caller's
// wait for the slower thread short (measured: with 4 equal chunks per thread the caller idled
// ~6% of a 110M-shape token).
constexpr int kFinalChunksPerThread = 8;
constexpr int kMaxHeadChunks = 32;  // the shrinking chunks; the rest are all final-sized

// The job word: generation in the high 32 bits, the job's chunk count in the next 16 and the
// next unclaimed chunk in the low 16. Count and index travel in one word so that a claim (a
// compare-exchange of the whole word) can never pair one job's index with another's count.
constexpr int kMaxChunks = 0xffff;

constexpr uint64_t job_word(uint32_t generation, uint32_t n_chunks, uint32_t next) {
  return (static_cast<uint64_t>(generation) << 32) | (n_chunks << 16) | next;
}
constexpr uint32_t word_generation(uint64_t w) { return static_cast<uint32_t>(w >> 32); }
constexpr uint32_t word_chunks(uint64_t w) { return static_cast<uint32_t>(w >> 16) & 0xffff; }
constexpr uint32_t word_next(uint64_t w) { return static_cast<uint32_t>(w) & 0xffff; }

struct PoolState {
  pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t wake = PTHREAD_COND_INITIALIZER;  // workers: a new job or stop
  pthread_cond_t done = PTHREAD_COND_INITIALIZER;  // caller: the last chunk finished
  bool stop = false;                               // guarded by mu

  std::atomic<uint64_t> job{0};     // job_word(generation, chunks, next chunk)
  std::atomic<int> chunks_done{0};  // of the current job
  // The current job: written by the caller before it publishes the job word (release), read by
  // a thread only after it claimed a chunk of that job (acquire), and not rewritten before
  // every chunk of it is done.
  ThreadPool::RangeFn fn = nullptr;
  void* ctx = nullptr;
  int n = 0;
  int head_bounds[kMaxHeadChunks + 1] = {};  // chunk i < n_head is [head_bounds[i], [i + 1])
  int n_head = 0;
  int final_chunk = 0;  // rows of each chunk after the head (the last one may be shorter)

  void chunk_rows(int index, int* begin, int* end) const {
    if (index < n_head) {
      *begin = head_bounds[index];
      *end = head_bounds[index + 1];
      return;
    }
    *begin = head_bounds[n_head] + (index - n_head) * final_chunk;
    *end = n - *begin < final_chunk ? n : *begin + final_chunk;
  }

  pthread_t* threads = nullptr;
  int n_workers = 0;

  // Claims and runs chunks of job `generation` until none is left; returns how many this
  // thread ran, and sets *finished_last if it finished the job's last chunk.
  int run_chunks(uint32_t generation, bool* finished_last) {
    int ran = 0;
    uint64_t word = job.load(std::memory_order_acquire);
    for (;;) {
      if (word_generation(word) != generation) return ran;
      const uint32_t index = word_next(word), total = word_chunks(word);
      if (index >= total) return ran;
      if (!job.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel,
                                     std::memory_order_acquire))
        continue;  // `word` was reloaded
      int begin, end;
      chunk_rows(static_cast<int>(index), &begin, &end);
      fn(ctx, begin, end);
      ran++;
      if (chunks_done.fetch_add(1, std::memory_order_acq_rel) + 1 == static_cast<int>(total))
        *finished_last = true;
      word = job.load(std::memory_order_acquire);
    }
  }
};

void* worker_main(void* arg) {
  PoolState& s = *static_cast<PoolState*>(arg);
  uint32_t seen = 0;
  for (;;) {
    uint32_t gen = seen;
    const bool woke = spin_until([&] {
      gen = word_generation(s.job.load(std::memory_order_acquire));
      return gen != seen;
    });
    if (!woke) {
      pthread_mutex_lock(&s.mu);
      while ((gen = word_generation(s.job.load(std::memory_order_acquire))) == seen && !s.stop)
        pthread_cond_wait(&s.wake, &s.mu);
      const bool stop = s.stop;
      pthread_mutex_unlock(&s.mu);
      if (stop) return nullptr;
    }
    seen = gen;
    bool finished_last = false;
    s.run_chunks(gen, &finished_last);
    if (finished_last) {
      // Signal under the lock: the caller checks chunks_done under it before sleeping.
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
    if (pthread_create(&shared_->threads[i - 1], nullptr, &worker_main,
                       static_cast<PoolState*>(shared_)) != 0)
      break;  // run with the threads we have
    shared_->n_workers++;
  }
  n_threads_ = shared_->n_workers + 1;
}

ThreadPool::~ThreadPool() {
  if (shared_ == nullptr) return;
  pthread_mutex_lock(&shared_->mu);
  shared_->stop = true;
  pthread_cond_broadcast(&shared_->wake);
  pthread_mutex_unlock(&shared_->mu);
  for (int i = 0; i < shared_->n_workers; i++) pthread_join(shared_->threads[i], nullptr);
  pthread_cond_destroy(&shared_->wake);
  pthread_cond_destroy(&shared_->done);
  pthread_mutex_destroy(&shared_->mu);
  delete[] shared_->threads;
  delete shared_;
}

void ThreadPool::set_stats(PoolStats* stats) { stats_ = stats; }

void ThreadPool::parallel_for(int n, RangeFn fn, void* ctx, int align) {
  if (stats_ == nullptr) return run(n, fn, ctx, align);
  const int64_t t0 = now_nanos();
  run(n, fn, ctx, align);
  stats_->calls++;
  stats_->nanos_inside += now_nanos() - t0;
}

void ThreadPool::run(int n, RangeFn fn, void* ctx, int align) {
  if (n <= 0) return;
  if (align < 1) align = 1;
  // In units of `align` rows.
  const int blocks = (n + align - 1) / align;
  const int want = n_threads_ * kFinalChunksPerThread;
  int final_blocks = (blocks + want - 1) / want;
  constexpr int kMaxFinalChunks = kMaxChunks - kMaxHeadChunks - 1;
  if (blocks / final_blocks > kMaxFinalChunks)
    final_blocks = (blocks + kMaxFinalChunks - 1) / kMaxFinalChunks;
  if (shared_ == nullptr || final_blocks >= blocks) {
    fn(ctx, 0, n);  // one thread, or too few rows to split
    return;
  }
  Shared& s = *shared_;
  s.fn = fn;
  s.ctx = ctx;
  s.n = n;
  s.final_chunk = final_blocks * align;
  int head = 0, done_blocks = 0;
  s.head_bounds[0] = 0;
  while (head < kMaxHeadChunks) {
    const int size = (blocks - done_blocks) / (2 * n_threads_);
    if (size <= final_blocks) break;
    done_blocks += size;
    s.head_bounds[++head] = done_blocks * align;
  }
  s.n_head = head;
  const int rest = n - s.head_bounds[head];
  const int n_chunks = head + (rest + s.final_chunk - 1) / s.final_chunk;
  s.chunks_done.store(0, std::memory_order_relaxed);
  const uint32_t generation = word_generation(s.job.load(std::memory_order_relaxed)) + 1;
  pthread_mutex_lock(&s.mu);
  s.job.store(job_word(generation, n_chunks, 0), std::memory_order_release);
  pthread_cond_broadcast(&s.wake);
  pthread_mutex_unlock(&s.mu);

  bool finished_last = false;
  const int ran = s.run_chunks(generation, &finished_last);
  const int64_t tail_start = stats_ != nullptr ? now_nanos() : 0;
  if (!spin_until([&] { return s.chunks_done.load(std::memory_order_acquire) == n_chunks; })) {
    pthread_mutex_lock(&s.mu);
    while (s.chunks_done.load(std::memory_order_acquire) != n_chunks)
      pthread_cond_wait(&s.done, &s.mu);
    pthread_mutex_unlock(&s.mu);
  }
  if (stats_ != nullptr) {
    stats_->split_calls++;
    stats_->caller_chunks += ran;
    stats_->worker_chunks += n_chunks - ran;
    stats_->nanos_tail += now_nanos() - tail_start;
  }
}

int cpu_count() {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : static_cast<int>(n);
}

}  // namespace bf::llm
