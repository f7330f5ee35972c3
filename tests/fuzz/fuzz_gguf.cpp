// libFuzzer target: GGUF files from arbitrary bytes, with their embedded vocabulary.
#include "fuzz_util.h"
#include "llm/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bf::llm;
  Buffer<double> storage;
  std::span<const uint8_t> bytes = fuzz::aligned_copy(storage, data, size);
  Model m;
  Status st;
  if (!parse_gguf(bytes, m, st)) return 0;
  fuzz::run_two_positions(m);
  Tokenizer tok;
  if (m.vocab.count && tok.load_gguf(m.vocab, st)) {
    int ids[64];
    int n = tok.encode("Once upon a time", true, true, ids);
    for (int i = 1; i < n; i++) (void)tok.decode(ids[i - 1], ids[i]);
  }
  return 0;
}
