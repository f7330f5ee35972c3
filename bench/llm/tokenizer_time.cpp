// Times Tokenizer::encode on the long story of story_text.h, in thread CPU time (a shared
// machine's other processes do not count) and wall time, best of REPS, and prints a hash of the
// ids so that two builds can be compared. It uses only the part of the tokenizer's interface that
// has not changed since the O(n^2) merge loop, so tokenizer_before_after.sh can build it against
// an older src/llm.  usage: llm_tokenizer_time SHARED_DIR [REPS=5] [BYTES=27648]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "llm/tokenizer.h"
#include "story_text.h"

namespace {

double thread_cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) * 1e-6;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace bf::llm;
  if (argc < 2) {
    fprintf(stderr, "usage: %s SHARED_DIR [REPS=5] [BYTES=27648]\n", argv[0]);
    return 2;
  }
  const std::string shared = argv[1];
  const int reps = argc > 2 ? atoi(argv[2]) : 5;
  const std::string text = bench::story(argc > 3 ? strtoul(argv[3], nullptr, 10) : 27648);
  for (const auto& [file, vocab] : {std::pair<const char*, int>{"tok512.bin", 512}, {"tokenizer.bin", 32000}}) {
    Tokenizer tok;
    Status st;
    if (!tok.load_bin((shared + "/models/" + file).c_str(), vocab, st)) {
      fprintf(stderr, "bareflow: %s/models/%s: %s\n", shared.c_str(), file, st.message());
      return 1;
    }
    std::vector<int> ids(size_t(Tokenizer::max_tokens(text.c_str())));
    double best_cpu = 1e300, best_wall = 1e300;
    int n = 0;
    for (int r = 0; r < reps; r++) {
      const auto wall = std::chrono::steady_clock::now();
      const double cpu = thread_cpu_ms();
      n = tok.encode(text.c_str(), true, false, ids.data());
      best_cpu = std::min(best_cpu, thread_cpu_ms() - cpu);
      best_wall = std::min(best_wall,
                           std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall).count());
    }
    uint64_t hash = 1469598103934665603ull;  // FNV-1a over the ids
    for (int i = 0; i < n; i++) hash = (hash ^ uint32_t(ids[size_t(i)])) * 1099511628211ull;
    printf("tokenizer=%s bytes=%zu tokens=%d cpu_ms=%.2f wall_ms=%.2f ids_hash=%016llx\n", file, text.size(), n,
           best_cpu, best_wall, (unsigned long long)hash);
  }
  return 0;
}
