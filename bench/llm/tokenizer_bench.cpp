// The tokenizer on a long prompt: the engine's heap merge against run.c's O(n^2) merge loop
// (tests/lib/run_c_merge.h), measured in the same run, with both vocabularies. The tokens must
// be identical. usage: llm_tokenizer_bench SHARED_DIR [BYTES=27648]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "llm/tokenizer.h"
#include "run_c_merge.h"
#include "story_text.h"

namespace {

using namespace bf::llm;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s SHARED_DIR [BYTES=27648]\n", argv[0]);
    return 2;
  }
  const std::string shared = argv[1];
  const size_t bytes = argc > 2 ? strtoul(argv[2], nullptr, 10) : 27648;
  const std::string text = bench::story(bytes);
  printf("%zu-byte prompt; best of 3 (run.c: 1 run)\n", text.size());
  printf("%-14s %8s %14s %12s %8s\n", "tokenizer", "tokens", "run.c O(n^2)", "heap", "speedup");
  int failures = 0;
  for (const auto& [file, vocab] : {std::pair<const char*, int>{"tok512.bin", 512}, {"tokenizer.bin", 32000}}) {
    Tokenizer tok;
    Status st;
    if (!tok.load_bin((shared + "/models/" + file).c_str(), vocab, st)) {
      report_error(file, st);
      return 1;
    }
    std::vector<int> ids(Tokenizer::max_tokens(text.c_str()));
    double best = 1e300;
    int n = 0;
    for (int round = 0; round < 3; round++) {
      Clock::time_point t = Clock::now();
      n = tok.encode(text.c_str(), true, false, ids.data());
      best = std::min(best, ms_since(t));
    }
    ids.resize(size_t(n));
    std::vector<int> symbols(Tokenizer::max_tokens(text.c_str()));
    Clock::time_point t = Clock::now();
    symbols.resize(size_t(tok.symbols(text.c_str(), true, symbols.data())));
    std::vector<int> reference = test::merge_like_run_c(tok, symbols);
    const double quadratic = ms_since(t);
    const bool same = reference == ids;
    failures += !same;
    printf("%-14s %8d %11.1f ms %9.2f ms %7.0fx%s\n", file, n, quadratic, best, quadratic / best,
           same ? "" : "  TOKENS DIFFER");
  }
  return failures ? 1 : 0;
}
