// Memory read bandwidth, the ceiling of a memory-bound matmul: a stream-like sum over a buffer
// far larger than the caches, with 1 and 2 threads (the engine's ThreadPool), best of several.
//   llm_mem_bandwidth [--mb 1024] [--reps 5] [--threads-max 2]
// Prints one line per thread count: "read_bandwidth threads=N gb_per_s=X".
#include <immintrin.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "llm/threadpool.h"

namespace {

struct SumJob {
  const __m256* data;  // the buffer as 32-byte vectors
  long vectors_per_row;
  double partial[64];  // one per row (thread chunk); keeps the sums observable
};

// Each "row" of the parallel_for is a contiguous slice of the buffer; 4 independent
// accumulators keep the adds off the critical path so loads are the only limit.
void sum_rows(void* p, int begin, int end) {
  auto* job = static_cast<SumJob*>(p);
  for (int r = begin; r < end; r++) {
    const __m256* v = job->data + r * job->vectors_per_row;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (long i = 0; i + 4 <= job->vectors_per_row; i += 4) {
      a0 = _mm256_add_ps(a0, v[i]);
      a1 = _mm256_add_ps(a1, v[i + 1]);
      a2 = _mm256_add_ps(a2, v[i + 2]);
      a3 = _mm256_add_ps(a3, v[i + 3]);
    }
    const __m256 s = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
    float lanes[8];
    _mm256_storeu_ps(lanes, s);
    double t = 0;
    for (float x : lanes) t += x;
    job->partial[r] = t;
  }
}

}  // namespace

int main(int argc, char** argv) {
  long mb = 1024;
  int reps = 5, threads_max = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--mb") == 0)
      mb = std::atol(argv[i + 1]);
    else if (std::strcmp(argv[i], "--reps") == 0)
      reps = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--threads-max") == 0)
      threads_max = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "bareflow: llm_mem_bandwidth: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (mb < 1 || reps < 1 || threads_max < 1 || threads_max > 8) {
    std::fprintf(stderr, "bareflow: llm_mem_bandwidth: bad --mb, --reps or --threads-max\n");
    return 2;
  }
  constexpr int kRows = 64;  // slices: enough for any thread count here to split evenly
  const size_t bytes = static_cast<size_t>(mb) << 20;
  const long vectors_per_row = static_cast<long>(bytes / 32 / kRows) & ~3L;
  void* buf = std::aligned_alloc(64, bytes);
  if (buf == nullptr) {
    std::fprintf(stderr, "bareflow: llm_mem_bandwidth: cannot allocate %ld MB\n", mb);
    return 1;
  }
  std::memset(buf, 0x3c, bytes);  // touch every page before timing
  SumJob job{static_cast<const __m256*>(buf), vectors_per_row, {}};
  const double read_bytes = static_cast<double>(vectors_per_row) * kRows * 32;
  for (int threads = 1; threads <= threads_max; threads++) {
    bf::llm::ThreadPool pool(threads);
    double best = 1e30;
    for (int rep = 0; rep < reps; rep++) {
      const auto t0 = std::chrono::steady_clock::now();
      pool.parallel_for(kRows, sum_rows, &job);
      const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
      if (dt.count() < best) best = dt.count();
    }
    std::printf("read_bandwidth threads=%d gb_per_s=%.2f\n", pool.size(), read_bytes / best / 1e9);
  }
  double check = 0;
  for (double p : job.partial) check += p;
  if (check == 42.0) std::puts("");  // keeps the sums alive
  std::free(buf);
  return 0;
}
