// The on-disk form of one cache entry (docs/code-cache.md): a packed little-endian header, a short
// JSON metadata blob, the payload. The checksum covers the header before it, the metadata and the
// payload, so a flipped bit anywhere makes the entry a miss.
#pragma once

#include <bit>
#include <cstdint>
#include <string_view>

#include "cache/cache.h"

namespace bf::cache::entry {

static_assert(std::endian::native == std::endian::little, "the header is stored as it lies in memory");

constexpr char kMagic[8] = {'B', 'F', 'C', 'A', 'C', 'H', 'E', '\0'};
constexpr uint32_t kFormatVersion = 1;
constexpr uint32_t kMaxMeta = 64 << 10;
constexpr uint64_t kMaxPayload = uint64_t(256) << 20;

struct [[gnu::packed]] Header {
  char magic[8];          // kMagic
  uint32_t version;       // kFormatVersion
  uint32_t kind;          // Kind
  uint8_t key[32];        // the key it is stored under (also its file name, in hex)
  uint64_t payload_size;
  uint32_t meta_size;
  uint32_t reserved;      // 0
  uint8_t checksum[32];   // BLAKE3 of bytes 0-63 of this header, the metadata, the payload
};
static_assert(sizeof(Header) == 96);
constexpr size_t kChecksummedHeader = offsetof(Header, checksum);
static_assert(kChecksummedHeader == 64);

// The header for `meta` and `payload`, checksum included.
Header make_header(Kind kind, const Digest& key, std::string_view meta, std::string_view payload);

// Checks a whole entry file against the kind and key it was looked up by; on a hit, `meta` and
// `payload` view into `file`. `key` null: any key (verify compares it with the file name).
Miss parse(std::string_view file, Kind kind, const Digest* key, std::string_view* meta,
           std::string_view* payload);
// The kind and key a file's header claims (no checks); false when it is shorter than a header.
bool peek(std::string_view file, Kind& kind, Digest& key);

}  // namespace bf::cache::entry
