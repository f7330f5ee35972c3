// Bounds-checked little-endian reads from a byte span, for the parsers of foreign formats.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

namespace bf::llm {

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  size_t offset() const { return offset_; }
  size_t remaining() const { return bytes_.size() - offset_; }
  const uint8_t* here() const { return bytes_.data() + offset_; }

  bool skip(uint64_t n) {
    if (n > remaining()) return false;
    offset_ += n;
    return true;
  }
  bool seek(uint64_t pos) {
    if (pos > bytes_.size()) return false;
    offset_ = pos;
    return true;
  }
  template <class T>
  bool read(T& out) {
    if (sizeof(T) > remaining()) return false;
    memcpy(&out, here(), sizeof(T));
    offset_ += sizeof(T);
    return true;
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t offset_ = 0;
};

}  // namespace bf::llm
