// Persistent workers woken per parallel_for. Per-token matmuls take tens of microseconds, so a
// worker first spins on the job's generation (wake-up well under a microsecond) and only then
// sleeps on a condition variable (so an idle pool costs no CPU).
//
// Rows are cut into chunks; each thread has a share of them and the caller is one of the
// threads. On a machine shared with other processes a worker may not get a core for
// milliseconds; the others then take its share's chunks from the back, so it delays only the
// chunk it holds, and the pool is never much slower than the caller alone.
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
// Each thread owns a contiguous share of the rows, cut into kChunksPerThread chunks that it
// runs front to back; a thread that has finished its share takes chunks from the back of the
// others'. So each thread reads the same rows every token (they stay in its core's caches when
// they fit), a claim touches only the claimer's own cache line unless it steals (an empty
// parallel_for costs ~0.13 us against 0.1-1.3 us when both threads claimed from one shared
// counter), the last chunks are short (1/8 of a share), and a late thread delays nothing but
// the chunk it is running.
constexpr int kChunksPerThread = 8;
constexpr int kMaxChunks = 0xffff;

// A share's word: the job generation in the high 32 bits, then the share's first and one past
// its last unclaimed chunk (16 bits each). Owner and thieves claim with a compare-exchange of
// the whole word, so a chunk is run once, and never under another job's generation.
constexpr uint64_t share_word(uint32_t generation, uint32_t front, uint32_t back) {
  return (static_cast<uint64_t>(generation) << 32) | (front << 16) | back;
}
constexpr uint32_t word_generation(uint64_t w) { return static_cast<uint32_t>(w >> 32); }
constexpr uint32_t word_front(uint64_t w) { return static_cast<uint32_t>(w >> 16) & 0xffff; }
constexpr uint32_t word_back(uint64_t w) { return static_cast<uint32_t>(w) & 0xffff; }

// One cache line (and then some, for the adjacent-line prefetcher) per share: the owner's claims
// do not bounce a line that another thread is claiming on.
struct Share {
  std::atomic<uint64_t> word{0};
  char pad[120];
};

struct PoolState;
struct Worker {
  PoolState* pool;
  int index;  // its share; the caller's is 0
};

struct PoolState {
  pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t wake = PTHREAD_COND_INITIALIZER;  // workers: a new job or stop
  pthread_cond_t done = PTHREAD_COND_INITIALIZER;  // caller: the last chunk finished
  bool stop = false;                               // guarded by mu

  std::atomic<uint32_t> generation{0};  // of the current job; workers wait for it to change
  std::atomic<int> chunks_done{0};      // of the current job
  // The current job: written by the caller before it publishes the generation (release), read
  // by a thread only after it claimed a chunk of that job (acquire), and not rewritten before
  // every chunk of it is done.
  ThreadPool::RangeFn fn = nullptr;
  void* ctx = nullptr;
  int n = 0;
  int chunk = 0;     // rows per chunk (the last one may be shorter)
  int n_chunks = 0;

  Share* shares = nullptr;  // one per thread
  int n_threads = 1;
  pthread_t* threads = nullptr;
  Worker* workers = nullptr;
  int n_workers = 0;

  // The next chunk of share `s` from its front (owner) or its back (thief); -1 if none is left
  // in job `gen`.
  int claim(int s, uint32_t gen, bool from_back) {
    std::atomic<uint64_t>& word = shares[s].word;
    uint64_t w = word.load(std::memory_order_acquire);
    for (;;) {
      if (word_generation(w) != gen) return -1;
      const uint32_t front = word_front(w), back = word_back(w);
      if (front >= back) return -1;
      const uint64_t next = from_back ? share_word(gen, front, back - 1)
                                      : share_word(gen, front + 1, back);
      if (word.compare_exchange_weak(w, next, std::memory_order_acq_rel,
                                     std::memory_order_acquire))
        return static_cast<int>(from_back ? back - 1 : front);
    }
  }

  void run_chunk(int index, bool* finished_last) {
    // The job may be replaced as soon as chunks_done counts this chunk: read it all before.
    const int begin = index * chunk, total = n_chunks;
    const int end = n - begin < chunk ? n : begin + chunk;
    fn(ctx, begin, end);
    if (chunks_done.fetch_add(1, std::memory_order_acq_rel) + 1 == total) *finished_last = true;
  }

  // Runs share `self` of job `gen`, then whatever is left of the others'; returns how many
  // chunks this thread ran, and sets *finished_last if it finished the job's last chunk.
  int run_chunks(int self, uint32_t gen, bool* finished_last) {
    int ran = 0;
    for (int index; (index = claim(self, gen, false)) >= 0; ran++) run_chunk(index, finished_last);
    for (int k = 1; k < n_threads; k++) {
      const int victim = (self + k) % n_threads;
      for (int index; (index = claim(victim, gen, true)) >= 0; ran++)
        run_chunk(index, finished_last);
    }
    return ran;
  }
};

void* worker_main(void* arg) {
  const Worker& me = *static_cast<const Worker*>(arg);
  PoolState& s = *me.pool;
  uint32_t seen = 0;
  for (;;) {
    uint32_t gen = seen;
    const bool woke = spin_until([&] {
      gen = s.generation.load(std::memory_order_acquire);
      return gen != seen;
    });
    if (!woke) {
      pthread_mutex_lock(&s.mu);
      while ((gen = s.generation.load(std::memory_order_acquire)) == seen && !s.stop)
        pthread_cond_wait(&s.wake, &s.mu);
      const bool stop = s.stop;
      pthread_mutex_unlock(&s.mu);
      if (stop) return nullptr;
    }
    seen = gen;
    bool finished_last = false;
    s.run_chunks(me.index, gen, &finished_last);
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
  shared_->workers = new Worker[n_threads - 1];
  shared_->shares = new Share[n_threads];
  for (int i = 1; i < n_threads; i++) {
    shared_->workers[i - 1] = {shared_, i};
    if (pthread_create(&shared_->threads[i - 1], nullptr, &worker_main,
                       &shared_->workers[i - 1]) != 0)
      break;  // run with the threads we have
    shared_->n_workers++;
  }
  n_threads_ = shared_->n_workers + 1;
  shared_->n_threads = n_threads_;
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
  delete[] shared_->workers;
  delete[] shared_->shares;
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
  const int blocks = (n + align - 1) / align;  // units of `align` rows
  const int want = n_threads_ * kChunksPerThread;
  int chunk = (blocks + want - 1) / want * align;
  if ((n + chunk - 1) / chunk > kMaxChunks)
    chunk = ((n + kMaxChunks - 1) / kMaxChunks + align - 1) / align * align;
  const int n_chunks = (n + chunk - 1) / chunk;
  if (shared_ == nullptr || n_chunks <= 1) {
    fn(ctx, 0, n);  // one thread, or too few rows to split
    return;
  }
  Shared& s = *shared_;
  s.fn = fn;
  s.ctx = ctx;
  s.n = n;
  s.chunk = chunk;
  s.n_chunks = n_chunks;
  s.chunks_done.store(0, std::memory_order_relaxed);
  const uint32_t generation = s.generation.load(std::memory_order_relaxed) + 1;
  for (int t = 0; t < n_threads_; t++)
    s.shares[t].word.store(share_word(generation, uint32_t(int64_t(n_chunks) * t / n_threads_),
                                      uint32_t(int64_t(n_chunks) * (t + 1) / n_threads_)),
                           std::memory_order_relaxed);
  pthread_mutex_lock(&s.mu);
  s.generation.store(generation, std::memory_order_release);
  pthread_cond_broadcast(&s.wake);
  pthread_mutex_unlock(&s.mu);

  bool finished_last = false;
  const int ran = s.run_chunks(0, generation, &finished_last);
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
