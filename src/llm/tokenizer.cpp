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
  return finish(st) && find_specials(nullptr, st);
}

bool Tokenizer::load_bin(const char* path, int vocab_size, Status& st) {
  MappedFile file;
  if (!file.open(path, st)) return false;
  return parse_bin(file.bytes(), vocab_size, st);
}

bool Tokenizer::load_gguf(const GgufVocab& v, Status& st) {
  if (v.count < 3 || v.count > uint64_t(kMaxModelSize))
    return st.fail("vocabulary of %" PRIu64 " tokens is not usable", v.count);
  // Byte-level BPE (gpt2), WordPiece (bert) and the rest merge differently: their text would
  // come out wrong, so they are refused.
  if (!v.model.empty() && v.model != "llama")
    return st.fail("tokenizer.ggml.model is '%.*s': only SentencePiece vocabularies ('llama') are supported",
                   int(v.model.size()), v.model.data());
  for (int64_t id : {v.bos_id, v.eos_id})
    if (id >= int64_t(v.count))
      return st.fail("tokenizer.ggml.bos/eos_token_id %" PRId64 " is beyond the vocabulary of %" PRIu64,
                     id, v.count);
  if (v.bos_id >= 0) bos_id_ = int(v.bos_id);
  if (v.eos_id >= 0) eos_id_ = int(v.eos_id);
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
  return finish(st) && find_specials(&v, st);
}

bool Tokenizer::find_specials(const GgufVocab* v, Status& st) {
  int n = 0;
  auto is_special = [&](int id) {
    if (!v) return id == bos_id_ || id == eos_id_;
    int32_t type;
    memcpy(&type, v->token_types + 4 * size_t(id), 4);
    return (type == 3 || type == 4) && piece(id)[0] != '\0';  // control, user-defined
  };
  if (v && !v->token_types) return true;
  for (int id = 0; id < vocab_size_; id++) n += is_special(id);
  if (!specials_.allocate(size_t(n))) return st.fail("out of memory");
  n = 0;
  for (int id = 0; id < vocab_size_; id++) {
    if (!is_special(id)) continue;
    // tokenizer.bin spells BOS and EOS "\n<s>\n" and "\n</s>\n"; templates write "<s>", "</s>".
    const char* text = v ? piece(id) : id == bos_id_ ? "<s>" : "</s>";
    specials_[n++] = {text, uint32_t(strlen(text)), id};
  }
  std::sort(specials_.begin(), specials_.end(), [](const Special& a, const Special& b) {
    return a.len > b.len || (a.len == b.len && a.id < b.id);
  });
  return true;
}

bool Tokenizer::finish(Status& st) {
  size_t longest = 0;
  for (int i = 0; i < vocab_size_; i++) longest = std::max(longest, strlen(piece(i)));
  max_piece_len_ = longest;
  if (!sorted_.allocate(vocab_size_)) return st.fail("out of memory");
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

// Each stretch between special tokens may add a dummy space: at most one per special token.
int Tokenizer::max_tokens(const char* text) { return 2 * int(strlen(text)) + 3; }

namespace {

// A pair of adjacent symbols whose pieces joined are a piece: merging it yields `id`. Stale once
// either symbol has changed (its version moved on).
struct MergeCandidate {
  float score;
  int left, right;
  int id;
  uint32_t left_version, right_version;
};

// The heap's order: the best score first, then the leftmost pair, as run.c's scan picks it.
bool merges_later(const MergeCandidate& a, const MergeCandidate& b) {
  return a.score < b.score || (a.score == b.score && a.left > b.left);
}

}  // namespace

// Symbols in a linked list, candidate pairs in a max-heap: each merge pops the best pair and
// pushes the two new pairs around it, so n symbols cost O(n log n) instead of run.c's O(n^2)
// rescans. The result is the same: run.c merges the best-scoring pair (ties: leftmost) until no
// adjacent pair joins into a piece scoring above -1e10.
int Tokenizer::merge(int* tokens, int n) const {
  if (n < 2) return n;
  Buffer<int> links;                 // next (n), prev (n)
  Buffer<uint32_t> versions;         // (n)
  Buffer<MergeCandidate> heap;       // at most n - 1 pairs, then 2 per merge
  Buffer<char> pair;
  if (!links.allocate(2 * size_t(n)) || !versions.allocate(size_t(n)) || !heap.allocate(3 * size_t(n)) ||
      !pair.allocate(2 * max_piece_len_ + 1))
    return -1;
  int* next = links.data();
  int* prev = links.data() + n;
  for (int i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  size_t heap_size = 0;
  auto consider = [&](int left, int right) {
    const char* a = piece(tokens[left]);
    const size_t la = strlen(a);
    memcpy(pair.data(), a, la);
    strcpy(pair.data() + la, piece(tokens[right]));
    const int id = lookup(pair.data());
    if (id < 0 || !(scores_[id] > -1e10f)) return;  // run.c's threshold (NaN never merges)
    heap[heap_size++] = {scores_[id], left, right, id, versions[left], versions[right]};
    std::push_heap(heap.begin(), heap.begin() + heap_size, merges_later);
  };
  for (int i = 0; i + 1 < n; i++) consider(i, i + 1);
  while (heap_size > 0) {
    std::pop_heap(heap.begin(), heap.begin() + heap_size, merges_later);
    const MergeCandidate c = heap[--heap_size];
    if (versions[c.left] != c.left_version || versions[c.right] != c.right_version || next[c.left] != c.right)
      continue;  // stale: a symbol of the pair was merged since
    tokens[c.left] = c.id;
    versions[c.left]++;
    versions[c.right]++;
    next[c.left] = next[c.right];
    if (next[c.right] >= 0) prev[next[c.right]] = c.left;
    next[c.right] = -2;  // gone
    if (prev[c.left] >= 0) consider(prev[c.left], c.left);
    if (next[c.left] >= 0) consider(c.left, next[c.left]);
  }
  int out = 0;
  for (int i = 0; i >= 0; i = next[i]) tokens[out++] = tokens[i];
  return out;
}

int Tokenizer::symbols(const char* text, bool bos, int* tokens) const {
  return symbols(text, strlen(text), bos, tokens);
}

int Tokenizer::symbols(const char* text, size_t size, bool bos, int* tokens) const {
  int n = 0;
  if (bos) tokens[n++] = bos_id_;
  // SentencePiece's add_dummy_prefix: the text is encoded as if it began with a space.
  if (size > 0) {
    int space = lookup(" ");
    if (space >= 0) tokens[n++] = space;
  }
  // One token per UTF-8 code point (at most 4 bytes), or its bytes when it is not a piece.
  char point[5];
  size_t len = 0;
  for (size_t k = 0; k < size; k++) {
    const char* c = text + k;
    if ((*c & 0xC0) != 0x80) len = 0;  // a lead byte starts a new code point
    point[len++] = *c;
    point[len] = '\0';
    if (k + 1 < size && (c[1] & 0xC0) == 0x80 && len < 4) continue;
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
  return n;
}

const Tokenizer::Special* Tokenizer::special_at(const char* s) const {
  for (const Special& sp : specials_)  // longest first
    if (sp.text[0] == s[0] && strncmp(sp.text, s, sp.len) == 0) return &sp;
  return nullptr;
}

int Tokenizer::encode(const char* text, bool bos, bool eos, int* tokens, bool parse_special) const {
  int n;
  if (!parse_special || specials_.size() == 0) {
    n = merge(tokens, symbols(text, bos, tokens));
    if (n < 0) return -1;
  } else {
    // The text between special tokens is encoded on its own, each stretch with its dummy space,
    // as llama.cpp splits it.
    n = 0;
    if (bos) tokens[n++] = bos_id_;
    const char* raw = text;
    auto encode_raw = [&](const char* end) {
      if (end == raw) return true;
      const int k = merge(tokens + n, symbols(raw, size_t(end - raw), false, tokens + n));
      n += k;
      return k >= 0;
    };
    const char* c = text;
    while (*c) {
      const Special* sp = special_at(c);
      if (!sp) {
        c++;
        continue;
      }
      if (!encode_raw(c)) return -1;
      tokens[n++] = sp->id;
      c += sp->len;
      raw = c;
    }
    if (!encode_raw(c)) return -1;
  }
  if (eos) tokens[n++] = eos_id_;
  return n;
}

const char* Tokenizer::decode(int prev, int token) const {
  const char* p = piece(token);
  if (prev == bos_id_ && p[0] == ' ') p++;  // SentencePiece strips the space after BOS
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
