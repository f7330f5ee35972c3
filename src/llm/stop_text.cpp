#include "llm/stop_text.h"

#include <cstring>

namespace bf::llm {

size_t incomplete_utf8_tail(const char* s, size_t n) {
  // Look back over at most 3 continuation bytes for the lead byte.
  for (size_t back = 1; back <= 4 && back <= n; back++) {
    const unsigned char c = static_cast<unsigned char>(s[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte
    const size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;  // only continuation bytes: nothing to wait for
}

void StopText::reset(const char* const* stops, int n_stops, bool whole_utf8) {
  stops_ = stops;
  n_stops_ = n_stops;
  whole_utf8_ = whole_utf8;
  stopped_ = false;
  ok_ = true;
  pending_len_ = 0;
}

std::string_view StopText::emit(size_t n) {
  if (!out_.reserve(n + 1)) {
    ok_ = false;
    return {};
  }
  memcpy(out_.data(), pending_.data(), n);
  memmove(pending_.data(), pending_.data() + n, pending_len_ - n);
  pending_len_ -= n;
  return {out_.data(), n};
}

std::string_view StopText::push(std::string_view piece) {
  if (stopped_ || !ok_) return {};
  if (!pending_.reserve(pending_len_ + piece.size() + 1)) {
    ok_ = false;
    return {};
  }
  memcpy(pending_.data() + pending_len_, piece.data(), piece.size());
  pending_len_ += piece.size();
  const std::string_view text(pending_.data(), pending_len_);
  // The earliest stop string in the text ends it.
  size_t first = std::string_view::npos;
  for (int i = 0; i < n_stops_; i++) {
    size_t at = text.find(stops_[i]);
    if (at < first) first = at;
  }
  if (first != std::string_view::npos) {
    stopped_ = true;
    std::string_view before = emit(first);
    pending_len_ = 0;
    return before;
  }
  // Hold back the longest tail that could still grow into a stop string.
  size_t hold = 0;
  for (int i = 0; i < n_stops_; i++) {
    const size_t len = strlen(stops_[i]);
    for (size_t k = len - 1 < text.size() ? len - 1 : text.size(); k > hold; k--)
      if (memcmp(text.data() + text.size() - k, stops_[i], k) == 0) {  // (substr could throw)
        hold = k;
        break;
      }
  }
  if (whole_utf8_) {
    const size_t tail = incomplete_utf8_tail(text.data(), text.size() - hold);
    hold += tail;
  }
  return emit(text.size() - hold);
}

std::string_view StopText::flush() {
  if (stopped_ || !ok_) return {};
  return emit(pending_len_);
}

}  // namespace bf::llm
