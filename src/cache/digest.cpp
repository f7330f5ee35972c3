// Digests: entry keys, module hashes (BLAKE3), and keys built from named fields.
#include <llvm/Support/BLAKE3.h>

#include "cache/cache.h"

namespace bf::cache {

std::string Digest::hex() const {
  static const char digits[] = "0123456789abcdef";
  std::string s(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); i++) {
    s[2 * i] = digits[bytes[i] >> 4];
    s[2 * i + 1] = digits[bytes[i] & 15];
  }
  return s;
}

bool Digest::from_hex(std::string_view text, Digest& out) {
  if (text.size() != out.bytes.size() * 2) return false;
  auto nibble = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  };
  for (size_t i = 0; i < out.bytes.size(); i++) {
    int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

Digest hash_bytes(std::string_view data) {
  Digest d;
  d.bytes = llvm::BLAKE3::hash(llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
  return d;
}

KeyBuilder& KeyBuilder::add(std::string_view name, std::string_view value) {
  for (std::string_view part : {name, value}) {
    uint64_t n = part.size();
    text_.append(reinterpret_cast<const char*>(&n), sizeof n);
    text_.append(part);
  }
  return *this;
}

KeyBuilder& KeyBuilder::add(std::string_view name, uint64_t value) {
  return add(name, std::string_view(reinterpret_cast<const char*>(&value), sizeof value));
}

KeyBuilder& KeyBuilder::add(std::string_view name, const Digest& value) {
  return add(name, std::string_view(reinterpret_cast<const char*>(value.bytes.data()), value.bytes.size()));
}

}  // namespace bf::cache
