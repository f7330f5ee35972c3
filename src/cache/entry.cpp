#include "cache/entry.h"

#include <llvm/Support/BLAKE3.h>

#include <algorithm>
#include <cstring>

namespace bf::cache::entry {

namespace {

void checksum(const Header& h, std::string_view meta, std::string_view payload, uint8_t out[32]) {
  llvm::BLAKE3 hasher;
  hasher.update(llvm::StringRef(reinterpret_cast<const char*>(&h), kChecksummedHeader));
  hasher.update(llvm::StringRef(meta.data(), meta.size()));
  hasher.update(llvm::StringRef(payload.data(), payload.size()));
  auto sum = hasher.final();
  std::memcpy(out, sum.data(), sum.size());
}

}  // namespace

Header make_header(Kind kind, const Digest& key, std::string_view meta, std::string_view payload) {
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof h.magic);
  h.version = kFormatVersion;
  h.kind = static_cast<uint32_t>(kind);
  std::memcpy(h.key, key.bytes.data(), sizeof h.key);
  h.payload_size = payload.size();
  h.meta_size = static_cast<uint32_t>(meta.size());
  checksum(h, meta, payload, h.checksum);
  return h;
}

bool peek(std::string_view file, Kind& kind, Digest& key) {
  if (file.size() < sizeof(Header)) return false;
  Header h;
  std::memcpy(&h, file.data(), sizeof h);
  kind = static_cast<Kind>(h.kind);
  std::memcpy(key.bytes.data(), h.key, sizeof h.key);
  return true;
}

Miss parse(std::string_view file, Kind kind, const Digest* key, std::string_view* meta,
           std::string_view* payload) {
  if (file.size() < sizeof(Header)) {
    // A cut inside the header: truncated if what is left still starts like an entry.
    bool magic = !std::memcmp(file.data(), kMagic, std::min(file.size(), sizeof kMagic));
    return magic ? Miss::truncated : Miss::bad_magic;
  }
  Header h;
  std::memcpy(&h, file.data(), sizeof h);
  if (std::memcmp(h.magic, kMagic, sizeof kMagic)) return Miss::bad_magic;
  if (h.version != kFormatVersion || h.reserved != 0) return Miss::version;
  if (h.kind != static_cast<uint32_t>(kind)) return Miss::kind;
  if (key && std::memcmp(h.key, key->bytes.data(), sizeof h.key)) return Miss::key;
  if (h.meta_size > kMaxMeta || h.payload_size > kMaxPayload) return Miss::too_large;
  const uint64_t body = file.size() - sizeof h;
  const uint64_t want = uint64_t(h.meta_size) + h.payload_size;
  if (body < want) return Miss::truncated;
  if (body > want) return Miss::length;
  std::string_view m = file.substr(sizeof h, h.meta_size);
  std::string_view p = file.substr(sizeof h + h.meta_size);
  uint8_t sum[32];
  checksum(h, m, p, sum);
  if (std::memcmp(sum, h.checksum, sizeof sum)) return Miss::checksum;
  if (meta) *meta = m;
  if (payload) *payload = p;
  return Miss::hit;
}

}  // namespace bf::cache::entry
