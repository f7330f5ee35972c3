// libFuzzer target for what the cache reads from disk: the entry parser on arbitrary bytes (for
// each kind, with and without the key the header claims), and, behind the checksum that
// mutations cannot forge, the manifest and profile readers on arbitrary payloads wrapped into
// valid entries, and the counters file.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cache/entry.h"
#include "cache/store_impl.h"

using namespace bf::cache;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Kind claimed;
  Digest key;
  bool has_header = entry::peek(bytes, claimed, key);
  for (Kind kind : {Kind::object, Kind::manifest, Kind::profile}) {
    std::string_view meta, payload;
    Miss m = entry::parse(bytes, kind, has_header ? &key : nullptr, &meta, &payload);
    // A hit hands out exactly the bytes after the header.
    if (m == Miss::hit && sizeof(entry::Header) + meta.size() + payload.size() != size) abort();
  }
  // The input as the payload of a well-formed entry: must read back whole.
  Digest k = hash_bytes(bytes);
  entry::Header h = entry::make_header(Kind::manifest, k, "{}", bytes);
  std::string file = std::string(reinterpret_cast<const char*>(&h), sizeof h) + "{}" + std::string(bytes);
  std::string_view meta, payload;
  if (entry::parse(file, Kind::manifest, &k, &meta, &payload) != Miss::hit || payload != bytes) abort();
  std::vector<std::string> keys;
  std::map<std::string, uint64_t> tiers;
  manifest_units(payload, &keys, &tiers);
  bf::profile::Profile p;
  std::string error;
  if (bf::profile::from_json(std::string(payload), p, error)) {
    bf::profile::Profile store = p;
    bf::profile::merge(store, p);
    bf::profile::subtract(store, p);
    bf::profile::store_to_json(store);
  }
  Counters c;
  parse_counters(bytes, c);
  return 0;
}
