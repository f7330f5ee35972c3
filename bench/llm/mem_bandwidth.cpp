// Memory read bandwidth, the ceiling of a memory-bound matmul: a stream-like sum over a buffer
// far larger than the caches, with 1 and 2 threads (the engine's ThreadPool), best of several,
// on 4 KiB pages and on 2 MiB pages (TLB misses cost a second thread more than the first).
//   llm_mem_bandwidth [--mb 1024] [--reps 5] [--threads-max 2] [--pages 4k|2m|both]
// Prints one line per page size and thread count: "read_bandwidth pages=4k threads=N
// gb_per_s=X" and "read_bandwidth pages=2m ..." (2m: the share of the buffer the kernel really
// gave as huge pages is printed as huge_fraction).
#include <immintrin.h>
#include <sys/mman.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "huge_pages.h"
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
  const char* pages = "both";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--mb") == 0)
      mb = std::atol(argv[i + 1]);
    else if (std::strcmp(argv[i], "--reps") == 0)
      reps = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--pages") == 0)
      pages = argv[i + 1];
    else if (std::strcmp(argv[i], "--threads-max") == 0)
      threads_max = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "bareflow: llm_mem_bandwidth: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  const bool want_4k = std::strcmp(pages, "4k") == 0 || std::strcmp(pages, "both") == 0;
  const bool want_2m = std::strcmp(pages, "2m") == 0 || std::strcmp(pages, "both") == 0;
  if (mb < 1 || reps < 1 || threads_max < 1 || threads_max > 8 || !(want_4k || want_2m)) {
    std::fprintf(stderr,
                 "bareflow: llm_mem_bandwidth: bad --mb, --reps, --threads-max or --pages\n");
    return 2;
  }
  constexpr int kRows = 64;  // slices: enough for any thread count here to split evenly
  const size_t bytes = static_cast<size_t>(mb) << 20;
  const long vectors_per_row = static_cast<long>(bytes / 32 / kRows) & ~3L;
  const double read_bytes = static_cast<double>(vectors_per_row) * kRows * 32;
  constexpr size_t kHuge = 2u << 20;
  SumJob job{nullptr, vectors_per_row, {}};
  for (const bool huge : {false, true}) {
    if (!(huge ? want_2m : want_4k)) continue;
    // One mapping per page size, 2 MiB-aligned so that every 2 MiB of it can be one huge page.
    const size_t span = bytes + kHuge;
    void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) {
      std::fprintf(stderr, "bareflow: llm_mem_bandwidth: cannot allocate %ld MB\n", mb);
      return 1;
    }
    void* buf = reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(raw) + kHuge - 1) & ~(kHuge - 1));
    madvise(raw, span, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    std::memset(buf, 0x3c, bytes);  // touch every page before timing
    const double huge_fraction = huge ? bf::llm::huge_page_bytes(buf) / double(bytes) : 0.0;
    job.data = static_cast<const __m256*>(buf);
    for (int threads = 1; threads <= threads_max; threads++) {
      bf::llm::ThreadPool pool(threads);
      bf::llm::PoolStats stats;
      pool.set_stats(&stats);
      double best = 1e30;
      for (int rep = 0; rep < reps; rep++) {
        const auto t0 = std::chrono::steady_clock::now();
        pool.parallel_for(kRows, sum_rows, &job);
        const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
        if (dt.count() < best) best = dt.count();
      }
      std::printf("read_bandwidth pages=%s threads=%d gb_per_s=%.2f", huge ? "2m" : "4k",
                  pool.size(), read_bytes / best / 1e9);
      if (huge) std::printf(" huge_fraction=%.2f", huge_fraction);
      if (stats.split_calls > 0)
        std::printf(" caller_share=%.2f",
                    double(stats.caller_chunks) / double(stats.caller_chunks + stats.worker_chunks));
      std::printf("\n");
    }
    munmap(raw, span);
  }
  double check = 0;
  for (double p : job.partial) check += p;
  if (check == 42.0) std::puts("");  // keeps the sums alive
  return 0;
}
