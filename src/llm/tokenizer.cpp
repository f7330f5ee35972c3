#include "llm/tokenizer.h"

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "llm/byte_reader.h"
#include "llm/mapped_file.h"

namespace bf::llm {

bool Tokenizer::parse_bin(std::span<const uint8_t> bytes, int vocab_size, Status& st) {
  ByteReader r(bytes);
  int32_t max_token_length;
  if (!r.read(max_token_length)) return st.fail("file too short for a tokenizer header");
  if (max_token_length <= 0 || max_token_length > (1 << 16))
    return st.fail("bad tokenizer header: max_token_length %d", max_token_length);
  // First pass: count tokens and bytes, so that a vocabulary mismatch is reported as one.
  uint64_t count = 0, pool_bytes = 0;
  while (r.remaining() > 0) {
    float score;
    int32_t len;
    if (!r.read(score) || !r.read(len))
      return st.fail("file too short: token %" PRIu64 " is truncated", count);
    if (len < 0 || uint64_t(len) > r.remaining())
      return st.fail("file too short: token %" PRIu64 " declares %d bytes", count, len);
    r.skip(len);
    pool_bytes += uint64_t(len) + 1;
    count++;
  }
  if (vocab_size < 3) return st.fail("vocabulary of %d tokens is too small (needs <unk>, <s>, </s>)", vocab_size);
  if (count != uint64_t(vocab_size))
    return st.fail("tokenizer has %" PRIu64 " tokens but the model's vocabulary has %d", count,
                   vocab_size);
  vocab_size_ = vocab_size;
  if (!pool_.allocate(pool_bytes) || !offsets_.allocate(vocab_size) || !scores_.allocate(vocab_size))
    return st.fail("out of memory");
  r.seek(4);
  uint32_t at = 0;
  for (int i = 0; i < vocab_size; i++) {
    int32_t len;
    r.read(scores_[i]);
    r.read(len);
    offsets_[i] = at;
    memcpy(pool_.data() + at, r.here(), size_t(len));
    r.skip(len);
    at += uint32_t(len);
    pool_[at++] = '\0';
  }
  return finish(st);
}

bool Tokenizer::load_bin(const char* path, int vocab_size, Status& st) {
  MappedFile file;
  if (!file.open(path, st)) return false;
  return parse_bin(file.bytes(), vocab_size, st);
}

bool Tokenizer::load_gguf(const GgufVocab& v, Status& st) {
  if (v.count < 3 || v.count > uint64_t(kMaxModelSize))
    return st.fail("vocabulary of %" PRIu64 " tokens is not usable", v.count);
  vocab_size_ = int(v.count);
  // U+2581 (3 bytes) becomes one space, so the pool never grows beyond the GGUF strings.
  if (!pool_.allocate(v.tokens_bytes + v.count) || !offsets_.allocate(v.count) ||
      !scores_.allocate(v.count))
    return st.fail("out of memory");
  ByteReader r({v.tokens, v.tokens_bytes});
  uint32_t at = 0;
  for (int i = 0; i < vocab_size_; i++) {
    uint64_t len;
    if (!r.read(len) || len > r.remaining()) return st.fail("truncated vocabulary");
    const char* s = reinterpret_cast<const char*>(r.here());
    r.skip(len);
    offsets_[i] = at;
    for (uint64_t k = 0; k < len; k++) {
      if (k + 2 < len && memcmp(s + k, "\xe2\x96\x81", 3) == 0) {
        pool_[at++] = ' ';
        k += 2;
      } else {
        pool_[at++] = s[k];
      }
    }
    pool_[at++] = '\0';
    if (v.scores) memcpy(&scores_[i], v.scores + 4 * uint64_t(i), 4);
  }
  return finish(st);
}

bool Tokenizer::finish(Status& st) {
  size_t longest = 0;
  for (int i = 0; i < vocab_size_; i++) longest = std::max(longest, strlen(piece(i)));
  if (!sorted_.allocate(vocab_size_) || !scratch_.allocate(2 * longest + 2))
    return st.fail("out of memory");
  for (int i = 0; i < vocab_size_; i++) sorted_[i] = i;
  std::sort(sorted_.begin(), sorted_.end(),
            [this](int a, int b) { return strcmp(piece(a), piece(b)) < 0; });
  for (int i = 0; i < 256; i++) byte_pieces_[2 * i] = char(i);
  return true;
}

int Tokenizer::lookup(const char* s) const {
  const int32_t* it = std::lower_bound(sorted_.begin(), sorted_.end(), s,
                                       [this](int id, const char* key) { return strcmp(piece(id), key) < 0; });
  if (it != sorted_.end() && strcmp(piece(*it), s) == 0) return *it;
  return -1;
}

int Tokenizer::max_tokens(const char* text) { return int(strlen(text)) + 3; }

int Tokenizer::encode(const char* text, bool bos, bool eos, int* tokens) const {
  int n = 0;
  if (bos) tokens[n++] = kBosToken;
  // SentencePiece's add_dummy_prefix: the text is encoded as if it began with a space.
  if (text[0] != '\0') {
    int space = lookup(" ");
    if (space >= 0) tokens[n++] = space;
  }
  // One token per UTF-8 code point (at most 4 bytes), or its bytes when it is not a piece.
  char point[5];
  size_t len = 0;
  for (const char* c = text; *c != '\0'; c++) {
    if ((*c & 0xC0) != 0x80) len = 0;  // a lead byte starts a new code point
    point[len++] = *c;
    point[len] = '\0';
    if ((c[1] & 0xC0) == 0x80 && len < 4) continue;
    int id = lookup(point);
    if (id >= 0) {
      tokens[n++] = id;
    } else {
      for (size_t i = 0; i < len; i++) {
        int byte_id = int(uint8_t(point[i])) + 3;
        tokens[n++] = byte_id < vocab_size_ ? byte_id : 0;  // <unk> when there are no byte tokens
      }
    }
    len = 0;
  }
  // Merge the adjacent pair whose union has the best score, until none is a piece.
  char* pair = scratch_.data();
  for (;;) {
    float best_score = -1e10f;
    int best_id = -1, best_at = -1;
    for (int i = 0; i + 1 < n; i++) {
      const char* a = piece(tokens[i]);
      size_t la = strlen(a);
      memcpy(pair, a, la);
      strcpy(pair + la, piece(tokens[i + 1]));
      int id = lookup(pair);
      if (id >= 0 && scores_[id] > best_score) {
        best_score = scores_[id];
        best_id = id;
        best_at = i;
      }
    }
    if (best_at < 0) break;
    tokens[best_at] = best_id;
    memmove(tokens + best_at + 1, tokens + best_at + 2, sizeof(int) * size_t(n - best_at - 2));
    n--;
  }
  if (eos) tokens[n++] = kEosToken;
  return n;
}

const char* Tokenizer::decode(int prev, int token) const {
  const char* p = piece(token);
  if (prev == kBosToken && p[0] == ' ') p++;  // SentencePiece strips the space after BOS
  unsigned int byte;
  // "<0x%02hhX>" as run.c matches it: up to two hex digits after "<0x".
  if (p[0] == '<' && p[1] == '0' && p[2] == 'x' && isxdigit(uint8_t(p[3]))) {
    byte = 0;
    int digits = 0;
    for (const char* h = p + 3; digits < 2 && isxdigit(uint8_t(*h)); h++, digits++)
      byte = byte * 16 + unsigned(isdigit(uint8_t(*h)) ? *h - '0' : (tolower(uint8_t(*h)) - 'a' + 10));
    return byte_pieces_ + 2 * byte;
  }
  return p;
}

bool is_printable_piece(const char* piece) {
  if (piece[0] == '\0') return false;
  if (piece[1] == '\0') {
    uint8_t b = uint8_t(piece[0]);
    return isprint(b) || isspace(b);
  }
  return true;
}

}  // namespace bf::llm
