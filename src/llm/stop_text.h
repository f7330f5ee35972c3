// Generated text on its way out, held back just enough that a stop string is never shown, not
// even in part, and (when asked) that a UTF-8 character is never cut in two: JSON strings and
// server-sent events need whole characters.
#pragma once

#include <string_view>

#include "llm/buffer.h"

namespace bf::llm {

class StopText {
 public:
  // `stops` (NUL-terminated, non-empty) must outlive this object.
  void reset(const char* const* stops, int n_stops, bool whole_utf8);

  // Appends a piece and returns what may be shown now (valid until the next call). After a stop
  // string appears, returns the text before it, and stopped() is true; the rest is dropped.
  // false from ok() after memory ran out.
  std::string_view push(std::string_view piece);
  // The end of the text: what is still held back.
  std::string_view flush();

  bool stopped() const { return stopped_; }
  bool ok() const { return ok_; }

 private:
  std::string_view emit(size_t n);  // moves pending_[0, n) to out_

  const char* const* stops_ = nullptr;
  int n_stops_ = 0;
  bool whole_utf8_ = false;
  bool stopped_ = false;
  bool ok_ = true;
  Buffer<char> pending_;
  size_t pending_len_ = 0;
  Buffer<char> out_;
};

// Bytes at the end of s[0, n) that begin a UTF-8 character not yet complete (0 to 3).
size_t incomplete_utf8_tail(const char* s, size_t n);

}  // namespace bf::llm
