// The llama2.c tokenizer: byte-pair merges by score over a SentencePiece vocabulary, with a
// dummy leading space and byte fallback (<0xXX> tokens, id = byte + 3). Encoding and decoding
// follow llama2.c run.c exactly, so token ids and printed text match its reference outputs.
#pragma once

#include <cstdint>
#include <span>

#include "llm/buffer.h"
#include "llm/model.h"
#include "llm/status.h"

namespace bf::llm {

constexpr int kBosToken = 1;
constexpr int kEosToken = 2;

class Tokenizer {
 public:
  // llama2.c tokenizer.bin: int32 max_token_length, then per token float32 score, int32 length,
  // bytes. The file must hold exactly `vocab_size` tokens.
  bool parse_bin(std::span<const uint8_t> bytes, int vocab_size, Status& st);
  bool load_bin(const char* path, int vocab_size, Status& st);
  // The vocabulary embedded in a GGUF file; SentencePiece's U+2581 becomes a space.
  bool load_gguf(const GgufVocab& vocab, Status& st);

  int vocab_size() const { return vocab_size_; }
  // BOS and EOS: 1 and 2, or what a GGUF vocabulary names.
  int bos_id() const { return bos_id_; }
  int eos_id() const { return eos_id_; }
  const char* piece(int id) const { return pool_.data() + offsets_[id]; }
  float score(int id) const { return scores_[id]; }

  // Writes the ids of `text` (NUL-terminated) to `tokens`, which must hold
  // max_tokens(text) ids; returns how many, or -1 when memory runs out. BOS first when `bos`,
  // EOS last when `eos`. O(n log n) in the text's length; safe to call from several threads.
  // With `parse_special`, the text of a special token (a GGUF control or user-defined token,
  // such as <|im_start|>; for tokenizer.bin <s> and </s>) becomes that token, as chat templates
  // need; otherwise it is plain text.
  int encode(const char* text, bool bos, bool eos, int* tokens, bool parse_special = false) const;
  static int max_tokens(const char* text);
  // encode's two steps: the symbols before merging (BOS, the dummy space, one piece per code
  // point or its bytes), then run.c's pair merges over them (the new count, or -1).
  int symbols(const char* text, bool bos, int* tokens) const;
  int merge(int* tokens, int n) const;

  // The bytes to print for `token` following `prev`: the leading space is dropped after BOS,
  // and <0xXX> pieces become the byte itself. Never null.
  const char* decode(int prev, int token) const;

  // -1 when `s` is not a piece.
  int lookup(const char* s) const;

 private:
  struct Special {
    const char* text;
    uint32_t len;
    int id;
  };
  bool finish(Status& st);  // builds the sorted index
  bool find_specials(const GgufVocab* v, Status& st);  // nullptr: tokenizer.bin
  const Special* special_at(const char* s) const;  // the longest special token starting s
  int symbols(const char* text, size_t size, bool bos, int* tokens) const;

  int vocab_size_ = 0;
  Buffer<char> pool_;         // NUL-terminated pieces, back to back
  Buffer<uint32_t> offsets_;  // (vocab_size) piece start in pool_
  Buffer<float> scores_;      // (vocab_size)
  Buffer<int32_t> sorted_;    // (vocab_size) ids ordered by piece (strcmp), for lookup
  size_t max_piece_len_ = 0;
  Buffer<Special> specials_;  // longest first
  int bos_id_ = kBosToken;
  int eos_id_ = kEosToken;
  char byte_pieces_[512] = {};  // each byte as a 1-char string
};

// run.c's safe_printf rule: a lone byte that is neither printable nor whitespace is not shown.
bool is_printable_piece(const char* piece);

}  // namespace bf::llm
