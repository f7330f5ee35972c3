// libFuzzer target: llama2.c tokenizer.bin files. Input: the model's vocabulary size (u16, little
// endian), then the file. Every parsed vocabulary also encodes and decodes a few texts.
#include <cstring>

#include "llm/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bf::llm;
  if (size < 2) return 0;
  uint16_t vocab_size;
  memcpy(&vocab_size, data, 2);
  Tokenizer tok;
  Status st;
  if (!tok.parse_bin({data + 2, size - 2}, vocab_size, st)) return 0;
  static const char* const kTexts[] = {"Once upon a time", "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80",
                                       "\t  x\n", "\xff\xfe", ""};
  int ids[64];
  for (const char* text : kTexts) {
    int n = tok.encode(text, true, true, ids);
    for (int i = 1; i < n; i++) (void)tok.decode(ids[i - 1], ids[i]);
  }
  for (int id = 0; id < tok.vocab_size(); id++) (void)is_printable_piece(tok.decode(1, id));
  return 0;
}
