// Whole-model decoding speed: forward passes over positions 0..N-1 of a checkpoint (greedy
// feedback of the argmax token, as generation does), timed after one warm-up pass.
//   llm_engine_bench MODEL [--threads N] [--tokens N] [--huge-pages] [--profile]
// Prints one line: "engine model=M kernels=K threads=T tokens=N tok_per_s=X weight_mb=W
// weight_gb_per_s=Y", where W counts every weight byte a token reads (all matrices, their
// scales and norms; one embedding row), so Y compares directly with read bandwidth, and
// cpu_per_thread is CPU time / (wall time * threads): well under 1 means other processes took
// the cores and the figure is not to be trusted.
#include <sys/mman.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "huge_pages.h"
#include "llm/model.h"
#include "llm/threadpool.h"
#include "llm/transformer.h"
#include "llm/weight_types.h"

namespace bf::llm {
namespace {

double matrix_bytes(const Matrix& m) {
  const double values = double(m.rows) * m.cols;
  if (m.type == WeightType::kQ8Groups) return values + values / m.group_size * 4;
  return double(weight_bytes(m.type, uint64_t(m.rows) * m.cols));
}

double weight_bytes_per_token(const Model& m) {
  const Config& c = m.config;
  double total = matrix_bytes(m.classifier) + c.dim * 4.0 /* rms_final */ +
                 matrix_bytes(m.token_embedding) / c.vocab_size /* one row */;
  for (int l = 0; l < c.n_layers; l++) {
    const LayerWeights& w = m.layers[l];
    total += 2 * c.dim * 4.0;  // the two norms
    for (const Matrix* mat : {&w.wq, &w.wk, &w.wv, &w.wo, &w.w1, &w.w2, &w.w3})
      total += matrix_bytes(*mat);
  }
  return total;
}

// The weights copied into anonymous memory backed by transparent huge pages, instead of the
// 4 KiB pages of a file mapping: shows what TLB misses cost the memory-bound matmuls.
bool load_into_huge_pages(const char* path, Model& model, size_t& size_out, Status& st) {
  FILE* f = std::fopen(path, "rb");
  if (f == nullptr) return st.fail("cannot open");
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  std::fseek(f, 0, SEEK_SET);
  constexpr size_t kHuge = 2u << 20;
  const size_t alloc = (static_cast<size_t>(size) + kHuge - 1) / kHuge * kHuge;
  void* p = mmap(nullptr, alloc, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return std::fclose(f), st.fail("cannot allocate %zu bytes", alloc);
  madvise(p, alloc, MADV_HUGEPAGE);
  const bool read_all = std::fread(p, 1, size, f) == static_cast<size_t>(size);
  std::fclose(f);
  if (!read_all) return st.fail("short read");
  size_out = static_cast<size_t>(size);
  // Never unmapped: the benchmark exits after one run.
  return parse_model(std::span<const uint8_t>(static_cast<const uint8_t*>(p), size), model, st);
}

int run(int argc, char** argv) {
  const char* path = nullptr;
  int threads = cpu_count(), tokens = 128;
  bool huge_pages = false, profile = false;
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
      threads = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--tokens") == 0 && i + 1 < argc)
      tokens = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--huge-pages") == 0)
      huge_pages = true;
    else if (std::strcmp(argv[i], "--profile") == 0)
      profile = true;
    else if (argv[i][0] != '-' && path == nullptr)
      path = argv[i];
    else {
      std::fprintf(stderr,
                   "usage: llm_engine_bench MODEL [--threads N] [--tokens N] [--huge-pages] [--profile]\n");
      return 2;
    }
  }
  if (path == nullptr || threads < 1 || tokens < 2) {
    std::fprintf(stderr,
                 "usage: llm_engine_bench MODEL [--threads N] [--tokens N] [--huge-pages] [--profile]\n");
    return 2;
  }
  Model model;
  Status st;
  size_t file_bytes = 0;
  if (huge_pages) {
    if (!load_into_huge_pages(path, model, file_bytes, st)) {
      report_error(path, st);
      return 1;
    }
  } else if (!load_model(path, model, st)) {
    report_error(path, st);
    return 1;
  } else {
    file_bytes = model.file.bytes().size();
  }
  ThreadPool pool(threads);
  Transformer tf;
  if (!tf.init(model, pool, tokens, st)) {
    report_error(path, st);
    return 1;
  }
  if (tf.max_positions() < tokens) tokens = tf.max_positions();
  const int vocab = model.config.vocab_size;
  // Warm-up: one pass faults the mapping in, so the timing sees memory, not the disk.
  tf.forward(1, 0);
  int token = 1;
  rusage ru0;
  getrusage(RUSAGE_SELF, &ru0);
  PoolStats stats;
  if (profile) pool.set_stats(&stats);
  std::vector<double> token_seconds(tokens);
  const auto t0 = std::chrono::steady_clock::now();
  auto t_prev = t0;
  for (int pos = 0; pos < tokens; pos++) {
    const float* logits = tf.forward(token, pos);
    int best = 0;
    for (int i = 1; i < vocab; i++)
      if (logits[i] > logits[best]) best = i;
    token = best;
    const auto t = std::chrono::steady_clock::now();
    token_seconds[pos] = std::chrono::duration<double>(t - t_prev).count();
    t_prev = t;
  }
  const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
  pool.set_stats(nullptr);
  rusage ru1;
  getrusage(RUSAGE_SELF, &ru1);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec * 1e-6; };
  const double cpu =
      seconds(ru1.ru_utime) - seconds(ru0.ru_utime) + seconds(ru1.ru_stime) - seconds(ru0.ru_stime);
  const double tok_per_s = tokens / dt.count();
  const double bytes = weight_bytes_per_token(model);
  // The median token is what the machine gives when no other process intrudes for long: a
  // shared machine's intrusions land on a few tokens and move the mean, not the median.
  std::sort(token_seconds.begin(), token_seconds.end());
  const double median_tok_per_s = 1 / token_seconds[tokens / 2];
  std::printf(
      "engine model=%s kernels=%s threads=%d tokens=%d tok_per_s=%.2f median_tok_per_s=%.2f "
      "weight_mb=%.1f weight_gb_per_s=%.2f cpu_per_thread=%.2f huge_fraction=%.2f\n",
      path, kernels().name, pool.size(), tokens, tok_per_s, median_tok_per_s, bytes / 1e6,
      bytes * tok_per_s / 1e9, cpu / dt.count() / pool.size(),
      huge_page_bytes(model.layers[0].wq.data) / double(file_bytes));
  if (profile) {
    // Per token: parallel_for calls, time inside them (the parallel part; on one thread the same
    // work, run inline), time outside (serial: norms, RoPE, residuals, quantizing x for Q8,
    // argmax), time the caller waited for the workers' last chunks, and the caller's share of
    // chunks (1/threads when the workers keep up).
    const double ms = 1e-6 / tokens, total_ms = dt.count() * 1e3 / tokens;
    const double chunks = double(stats.caller_chunks + stats.worker_chunks);
    std::printf(
        "profile calls_per_token=%.1f split_per_token=%.1f token_ms=%.3f inside_ms=%.3f "
        "outside_ms=%.3f tail_ms=%.3f us_per_call=%.2f caller_share=%.2f\n",
        double(stats.calls) / tokens, double(stats.split_calls) / tokens, total_ms,
        stats.nanos_inside * ms, total_ms - stats.nanos_inside * ms, stats.nanos_tail * ms,
        stats.calls ? stats.nanos_inside * 1e-3 / stats.calls : 0.0,
        chunks > 0 ? stats.caller_chunks / chunks : 1.0);
  }
  return 0;
}

}  // namespace
}  // namespace bf::llm

int main(int argc, char** argv) { return bf::llm::run(argc, argv); }
