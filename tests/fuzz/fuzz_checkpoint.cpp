// libFuzzer target: llama2.c checkpoints (versions 0, 1, 2) from arbitrary bytes.
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bf::llm;
  Buffer<double> storage;
  std::span<const uint8_t> bytes = fuzz::aligned_copy(storage, data, size);
  Model m;
  Status st;
  if (parse_llama2c(bytes, m, st)) fuzz::run_two_positions(m);
  return 0;
}
