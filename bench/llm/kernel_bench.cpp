// Microbenchmark of every kernel, each kernel set on the same data, then a table of the speedup
// of each set over the scalar reference (measured in this run).
//   build-*/bench/llm/llm_kernel_bench [--benchmark_min_time=0.2] [--benchmark_filter=...]
// read_bandwidth/*: a plain streaming read of a buffer as large as the largest F32 matmul's
// weights, the limit a memory-bound matmul can reach; the table ends with each set's F32 matmul as
// a share of it.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "llm/kernels.h"
#include "llm/threadpool.h"
#include "llm/weight_types.h"

namespace bf::llm {
namespace {

std::vector<float> random_floats(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

struct Q8 {
  std::vector<int8_t> q;
  std::vector<float> s;
};

Q8 quantized(size_t n, int gs, unsigned seed) {
  auto x = random_floats(n, seed);
  Q8 m{std::vector<int8_t>(n), std::vector<float>(n / gs)};
  scalar_kernels().quantize_q8(m.q.data(), m.s.data(), x.data(), static_cast<int>(n), gs);
  return m;
}

// Shapes of the models the engine targets: dim 288/768/2048, hidden 768/2048/5632, vocab 32000.
void register_all(const Kernels* k) {
  const std::string set = k->name;
  struct MatShape {
    int n, d;
  };
  for (MatShape s :
       {MatShape{288, 288}, MatShape{768, 2048}, MatShape{288, 32000}, MatShape{2048, 5632}}) {
    const std::string shape = std::to_string(s.d) + "x" + std::to_string(s.n);
    benchmark::RegisterBenchmark(("matmul_f32/" + shape + "/" + set).c_str(),
                                 [k, s](benchmark::State& st) {
                                   auto w = random_floats(size_t(s.n) * s.d, 1);
                                   auto x = random_floats(s.n, 2);
                                   std::vector<float> out(s.d);
                                   for (auto _ : st) {
                                     k->matmul_f32(out.data(), x.data(), w.data(), s.n, s.d);
                                     benchmark::DoNotOptimize(out.data());
                                   }
                                   st.SetBytesProcessed(st.iterations() * int64_t(s.n) * s.d * 4);
                                 });
    benchmark::RegisterBenchmark(
        ("matmul_q8/" + shape + "/gs32/" + set).c_str(), [k, s](benchmark::State& st) {
          const Q8 w = quantized(size_t(s.n) * s.d, 32, 3);
          const Q8 x = quantized(s.n, 32, 4);
          std::vector<float> out(s.d);
          for (auto _ : st) {
            k->matmul_q8(out.data(), x.q.data(), x.s.data(), w.q.data(), w.s.data(), s.n, s.d, 32);
            benchmark::DoNotOptimize(out.data());
          }
          st.SetBytesProcessed(st.iterations() * int64_t(s.n) * s.d * (32 + 4) / 32);
        });
    // The GGUF formats: weights made by quantize_row from normal floats, x quantized by 32.
    for (WeightType t : {WeightType::kF16, WeightType::kBF16, WeightType::kQ8_0, WeightType::kQ4_0,
                         WeightType::kQ4_1, WeightType::kQ5_0, WeightType::kQ5_1, WeightType::kQ4K,
                         WeightType::kQ5K, WeightType::kQ6K}) {
      const std::string name = std::string("matmul_") + weight_type_info(t).name + "/";
      benchmark::RegisterBenchmark((name + shape + "/" + set).c_str(), [k, s, t](benchmark::State& st) {
        const auto floats = random_floats(size_t(s.n) * s.d, 5);
        std::vector<uint8_t> w(weight_bytes(t, uint64_t(s.n) * s.d));
        for (int r = 0; r < s.d; r++)
          quantize_row(t, floats.data() + size_t(r) * s.n, w.data() + weight_bytes(t, uint64_t(r) * s.n), s.n);
        const auto xf = random_floats(s.n, 6);
        const Q8 x = quantized(s.n, 32, 6);
        std::vector<int32_t> sums(s.n / 32);
        q8_block_sums(sums.data(), x.q.data(), s.n);
        const Q8Input in{x.q.data(), x.s.data(), sums.data()};
        const auto* halves = reinterpret_cast<const uint16_t*>(w.data());
        std::vector<float> out(s.d);
        for (auto _ : st) {
          if (t == WeightType::kF16)
            k->matmul_f16(out.data(), xf.data(), halves, s.n, s.d);
          else if (t == WeightType::kBF16)
            k->matmul_bf16(out.data(), xf.data(), halves, s.n, s.d);
          else
            block_matmul(*k, t)(out.data(), in, w.data(), s.n, s.d);
          benchmark::DoNotOptimize(out.data());
        }
        st.SetBytesProcessed(st.iterations() * int64_t(w.size()));
      });
    }
  }
  for (int n : {768, 5632}) {
    const std::string sz = std::to_string(n);
    benchmark::RegisterBenchmark(("quantize_q8/" + sz + "/" + set).c_str(),
                                 [k, n](benchmark::State& st) {
                                   auto x = random_floats(n, 7);
                                   std::vector<int8_t> q(n);
                                   std::vector<float> s(n / 32);
                                   for (auto _ : st) {
                                     k->quantize_q8(q.data(), s.data(), x.data(), n, 32);
                                     benchmark::DoNotOptimize(q.data());
                                   }
                                 });
    benchmark::RegisterBenchmark(("rmsnorm/" + sz + "/" + set).c_str(),
                                 [k, n](benchmark::State& st) {
                                   auto x = random_floats(n, 8), w = random_floats(n, 9);
                                   std::vector<float> out(n);
                                   for (auto _ : st) {
                                     k->rmsnorm(out.data(), x.data(), w.data(), n, 1e-5f);
                                     benchmark::DoNotOptimize(out.data());
                                   }
                                 });
    benchmark::RegisterBenchmark(("swiglu/" + sz + "/" + set).c_str(),
                                 [k, n](benchmark::State& st) {
                                   auto h = random_floats(n, 10), g = random_floats(n, 11);
                                   for (auto _ : st) {
                                     k->swiglu(h.data(), g.data(), n);
                                     benchmark::DoNotOptimize(h.data());
                                   }
                                 });
  }
  for (int n : {256, 1024}) {
    benchmark::RegisterBenchmark(("softmax/" + std::to_string(n) + "/" + set).c_str(),
                                 [k, n](benchmark::State& st) {
                                   // Softmax of a softmax: still a valid input, no reset needed.
                                   auto y = random_floats(n, 12);
                                   for (auto _ : st) {
                                     k->softmax(y.data(), n);
                                     benchmark::DoNotOptimize(y.data());
                                   }
                                 });
  }
  benchmark::RegisterBenchmark(("rope/768h64/" + set).c_str(), [k](benchmark::State& st) {
    auto x = random_floats(768, 13);
    std::vector<float> cs(2 * 64);
    int pos = 0;
    for (auto _ : st) {
      rope_angles(cs.data(), 64, pos++ & 1023, 10000.0f);
      k->rope(x.data(), 768, 64, cs.data());
      benchmark::DoNotOptimize(x.data());
    }
  });
  for (int n : {48, 64, 128}) {
    const std::string sz = std::to_string(n);
    benchmark::RegisterBenchmark(("dot/" + sz + "/" + set).c_str(), [k, n](benchmark::State& st) {
      auto a = random_floats(n, 14), b = random_floats(n, 15);
      for (auto _ : st) benchmark::DoNotOptimize(k->dot(a.data(), b.data(), n));
    });
    benchmark::RegisterBenchmark(("axpy/" + sz + "/" + set).c_str(), [k, n](benchmark::State& st) {
      auto y = random_floats(n, 16), x = random_floats(n, 17);
      for (auto _ : st) {
        k->axpy(y.data(), 1e-3f, x.data(), n);
        benchmark::DoNotOptimize(y.data());
      }
    });
  }
}

void touch_rows(void* ctx, int begin, int end) {
  benchmark::DoNotOptimize(static_cast<int*>(ctx)[begin] += end);
}

struct MatmulJob {
  const Kernels* k;
  float* out;
  const float* x;
  const float* w;
  int n;
};

void matmul_rows(void* ctx, int begin, int end) {
  auto* j = static_cast<MatmulJob*>(ctx);
  j->k->matmul_f32(j->out + begin, j->x, j->w + size_t(begin) * j->n, j->n, end - begin);
}

// The fixed cost of one parallel_for (wake the workers, wait for the last): every matmul of a
// forward pass pays it, so it bounds how small a matrix is still worth splitting.
void register_threadpool() {
  for (int threads : {1, 2}) {
    benchmark::RegisterBenchmark(
        ("threadpool/parallel_for_empty/threads:" + std::to_string(threads)).c_str(),
        [threads](benchmark::State& st) {
          ThreadPool pool(threads);
          int rows[64] = {};
          for (auto _ : st) pool.parallel_for(64, touch_rows, rows);
        })
        ->UseRealTime();
    // A layer-sized matmul (cache-resident, as in a small model): what splitting gains.
    benchmark::RegisterBenchmark(
        ("threadpool/matmul_f32_768x768/threads:" + std::to_string(threads)).c_str(),
        [threads](benchmark::State& st) {
          ThreadPool pool(threads);
          auto w = random_floats(768 * 768, 18), x = random_floats(768, 19);
          std::vector<float> out(768);
          MatmulJob job{&kernels(), out.data(), x.data(), w.data(), 768};
          for (auto _ : st) pool.parallel_for(768, matmul_rows, &job);
        })
        ->UseRealTime();
  }
}

// Sums a buffer with four independent accumulators of 256- or 512-bit vectors: loads are the only
// limit. Same size and allocation as the largest matmul_f32 case's weights.
constexpr int kLargestN = 2048, kLargestD = 5632;
const std::string kLargestShape = std::to_string(kLargestD) + "x" + std::to_string(kLargestN);

// Generic vectors of W floats, inlined into callers that allow the width's instructions.
template <int W>
[[gnu::always_inline]] inline float read_sum(const float* p, size_t n) {
  typedef float V __attribute__((ext_vector_type(W)));
  V a[4] = {};
  for (size_t i = 0; i + 4 * W <= n; i += 4 * W)
    for (int k = 0; k < 4; k++) {
      V v;
      std::memcpy(&v, p + i + k * W, sizeof v);
      a[k] += v;
    }
  const V s = (a[0] + a[1]) + (a[2] + a[3]);
  return s[0] + s[W - 1];
}
__attribute__((target("avx2"))) float read_sum_avx2(const float* p, size_t n) { return read_sum<8>(p, n); }
__attribute__((target("avx512f"))) float read_sum_avx512(const float* p, size_t n) { return read_sum<16>(p, n); }

void register_read_bandwidth() {
  struct Reader {
    const char* name;
    float (*sum)(const float*, size_t);
  };
  for (Reader r : {Reader{"avx2", read_sum_avx2}, Reader{"avx512", read_sum_avx512}}) {
    if (r.sum == read_sum_avx2 ? !avx2_kernels() : !avx512_kernels()) continue;
    benchmark::RegisterBenchmark(("read_bandwidth/" + kLargestShape + "/" + r.name).c_str(),
                                 [r](benchmark::State& st) {
                                   const size_t n = size_t(kLargestN) * kLargestD;
                                   auto w = random_floats(n, 1);
                                   for (auto _ : st) benchmark::DoNotOptimize(r.sum(w.data(), n));
                                   st.SetBytesProcessed(st.iterations() * int64_t(n) * 4);
                                 });
  }
}

// Prints the usual console output, then "kernel/shape: scalar time, other time, ratio", on CPU
// time: on a machine shared with other processes it excludes the time the OS ran them instead.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.run_type != Run::RT_Iteration || r.error_occurred) continue;
      const std::string name = r.benchmark_name();
      const size_t slash = name.rfind('/');
      times_[name.substr(0, slash)][name.substr(slash + 1)] = r.GetAdjustedCPUTime();
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\n%-34s %12s %12s %12s %9s %11s\n", "kernel", "scalar", "avx2", "avx512",
                "avx2/sc", "avx512/avx2");
    for (const auto& [kernel, sets] : times_) {
      auto s = sets.find("scalar"), v = sets.find("avx2"), z = sets.find("avx512");
      if (s == sets.end() || v == sets.end()) continue;
      std::printf("%-34s %12.3g %12.3g", kernel.c_str(), s->second, v->second);
      if (z != sets.end())
        std::printf(" %12.3g %8.2fx %10.2fx\n", z->second, s->second / v->second, v->second / z->second);
      else
        std::printf(" %12s %8.2fx %11s\n", "-", s->second / v->second, "-");
    }
    // The F32 matmul against the faster of the plain reads of the same bytes, measured in this run.
    auto reads = times_.find("read_bandwidth/" + kLargestShape), mm = times_.find("matmul_f32/" + kLargestShape);
    if (reads == times_.end() || mm == times_.end()) return;
    double limit = 0;
    for (const auto& [set, t] : reads->second) limit = limit == 0 ? t : std::min(limit, t);
    for (const auto& [set, t] : mm->second)
      std::printf("matmul_f32/%s/%s: %.0f%% of the read bandwidth\n", kLargestShape.c_str(), set.c_str(),
                  100 * limit / t);
  }

 private:
  std::map<std::string, std::map<std::string, double>> times_;
};

}  // namespace
}  // namespace bf::llm

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  bf::llm::register_all(&bf::llm::scalar_kernels());
  if (const bf::llm::Kernels* k = bf::llm::avx2_kernels()) bf::llm::register_all(k);
  if (const bf::llm::Kernels* k = bf::llm::avx512_kernels()) bf::llm::register_all(k);
  bf::llm::register_threadpool();
  bf::llm::register_read_bandwidth();
  bf::llm::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
