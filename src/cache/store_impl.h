// The store's state and the steps its operations share (store.cpp: entries, manifests and
// profiles; maintenance.cpp: prune, verify, clear, stats, ls).
#pragma once

#include <mutex>

#include "cache/cache.h"
#include "cache/fs.h"
#include "profile/profile.h"

namespace bf::cache {

// Layout under the cache directory (docs/code-cache.md).
constexpr const char* kVersionDir = "v1";
constexpr const char* kObjectsDir = "objects";
constexpr const char* kModulesDir = "modules";
constexpr const char* kCountersFile = "stats";
constexpr const char* kManifestFile = "manifest";
constexpr const char* kProfileFile = "profile";
constexpr const char* kLockFile = "lock";
constexpr int64_t kStaleTemporarySeconds = 60;

// Shared by every process using the directory (DIR/v1/stats): the bytes of all entries as kept
// up by writers (-1: unknown, counted again at the next prune), and object lookups.
struct Counters {
  int64_t bytes = -1;
  uint64_t hits = 0, misses = 0;
};

struct Store::Impl {
  Settings settings;
  fs::Fd root, top, objects, modules;  // DIR, DIR/v1, DIR/v1/objects, DIR/v1/modules
  bool present = false;                // false: read_only on a directory that does not exist

  std::mutex mutex;  // guards `warned` and the last profile read
  bool warned = false;

  // The last profile store read, with the payload it came from: a run reads its module's store
  // at start and again to merge at exit, and the second read finds the same bytes unless another
  // run merged in between, so it takes the copy instead of parsing again.
  std::string last_profile_payload;
  profile::Profile last_profile;

  bool writable() const { return present && settings.mode == Mode::read_write; }
  // The store's one warning; later ones are dropped.
  void warn(const std::string& line);
  // DIR/v1/objects/XX for a key; DIR/v1/modules/HEX for a module. Invalid with `problem` empty
  // when absent (and not created), with `problem` set when unsafe (warned).
  fs::Fd object_dir(const Digest& key, bool create, std::string& problem);
  fs::Fd module_dir(const Digest& module, bool create, std::string& problem);

  // The module's directory (created), its lock taken in `lock`; invalid with `error` when
  // read-only, unsafe or the lock fails.
  fs::Fd lock_module(const Digest& module, fs::Lock& lock, std::string& error);

  // Reads and checks the entry dir/name (`rel`: its path for messages). `touch`: mark it used.
  Miss read(int dir, const std::string& name, const std::string& rel, Kind kind, const Digest* key,
            std::string* meta, std::string* payload, bool touch);
  // Writes an entry atomically; adds its size to the shared byte count; an object write prunes
  // when that passes max_bytes.
  bool write(int dir, const std::string& name, Kind kind, const Digest& key, std::string_view meta,
             std::string_view payload, std::string& error);

  // Applies `change` to the shared counters under their lock; returns them as changed.
  Counters update_counters(const std::function<void(Counters&)>& change);
  Counters read_counters();
};

// Store::prune, also run by a write that takes the entries past the store's max_bytes.
bool prune_store(Store::Impl& store, uint64_t max_bytes, Removed& removed, std::string& error);

// The object keys a manifest's units name ("units": [{"key": HEX, "tier": T, "functions": [...]}])
// and the functions per tier they hold; either output may be null.
void manifest_units(std::string_view json, std::vector<std::string>* keys, std::map<std::string, uint64_t>* tiers);

// Decimal fields of the counters file: "bytes=N hits=N misses=N".
bool parse_counters(std::string_view text, Counters& c);

}  // namespace bf::cache
