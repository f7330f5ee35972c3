// The code cache and profile store (docs/code-cache.md): compiled units' relocatable objects
// under keys that cover everything that shaped them, a manifest and a profile store per module,
// on disk so that a program warms up once. Everything read is checked (header, key, checksum,
// owner and mode); anything that does not match is a miss, never executed. Plain POSIX calls
// only, no threads of its own: it runs in a static bareflow inside the unikernel too.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "profile/profile.h"

namespace bf::cache {

// A 32-byte BLAKE3 digest: entry keys, module hashes, checksums.
struct Digest {
  std::array<uint8_t, 32> bytes{};
  std::string hex() const;
  static bool from_hex(std::string_view text, Digest& out);
  bool operator==(const Digest&) const = default;
};
Digest hash_bytes(std::string_view data);

// A key over named fields (module hash, functions, tier, knobs, versions, CPU, ...). Each field
// is length-prefixed, so no two different field lists hash alike.
class KeyBuilder {
 public:
  KeyBuilder& add(std::string_view name, std::string_view value);
  KeyBuilder& add(std::string_view name, uint64_t value);
  KeyBuilder& add(std::string_view name, const Digest& value);
  Digest finish() const { return hash_bytes(text_); }

 private:
  std::string text_;
};

enum class Mode { off, read_only, read_write };
// "read-write" (or "on"), "read-only", "off"; false for anything else.
bool parse_mode(std::string_view text, Mode& mode);
// Bytes with an optional binary suffix: 4096, 512K, 64M, 1G, 2T (KiB..TiB also); false when malformed.
bool parse_size(std::string_view text, uint64_t& bytes);
// $BAREFLOW_CACHE_DIR, else $XDG_CACHE_HOME/bareflow (when absolute), else $HOME/.cache/bareflow;
// "" when none of them is set.
std::string default_dir();
constexpr uint64_t kDefaultMaxBytes = uint64_t(1) << 30;

struct Settings {
  std::string dir;
  Mode mode = Mode::read_write;
  uint64_t max_bytes = kDefaultMaxBytes;  // entries beyond it are pruned, least recently used first
  // Gets the store's one warning (an unsafe entry or directory met after open); null: stderr.
  std::function<void(const std::string&)> warn;
};

enum class Kind : uint32_t { object = 1, manifest = 2, profile = 3 };

// Why a lookup found nothing usable. Only `hit` hands out bytes.
enum class Miss {
  hit, absent, truncated, length, bad_magic, version, kind, key, checksum, unsafe, too_large, bad_content, io
};
const char* describe(Miss miss);

// One finding of verify(). `damaged`: an entry that get() refuses (counted in the exit status
// of `bareflow cache verify`); otherwise a note (a temporary file, a manifest naming an object
// that was pruned) about something harmless.
struct Problem {
  std::string path;  // relative to the cache directory
  std::string reason;
  bool damaged = true;
};

struct VerifyReport {
  uint64_t entries = 0;            // entry files checked
  std::vector<Problem> problems;   // damaged ones and notes
  bool clean() const {
    for (const Problem& p : problems)
      if (p.damaged) return false;
    return true;
  }
};

struct Removed {
  uint64_t files = 0, bytes = 0;
};

struct ModuleInfo {
  Digest module;
  std::string path;                            // the bitcode path its latest run gave
  uint64_t runs = 0;                           // from its profile store
  std::map<std::string, uint64_t> functions;   // per tier, from its manifest's units
  uint64_t objects = 0, bytes = 0;             // its object entries (their meta names the module)
  int64_t last_use = 0;                        // seconds since the epoch
};

struct Stats {
  uint64_t objects = 0, modules = 0, temporaries = 0;
  uint64_t bytes = 0;                          // every file under the cache's version directory
  uint64_t hits = 0, misses = 0;               // object lookups, over the cache's life
};

class Store {
 public:
  // Opens (read_write: creates, 0700) the cache directory. Null with one `warning` line that
  // names the directory and the problem when it is refused: not a directory, group- or
  // world-writable, owned by another user, cannot be created (the caller adds what it does
  // without the cache). read_only on a directory that does not exist opens an empty store.
  static std::unique_ptr<Store> open(const Settings& settings, std::string& warning);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& dir() const;
  Mode mode() const;

  // Objects. `meta`: a short JSON object for `cache ls` ({"module": HEX, "tier": "O2",
  // "functions": [...]}); `payload`: the relocatable object. Written to a temporary, flushed and
  // renamed into place; false with `error` on failure or in read_only mode.
  bool put_object(const Digest& key, std::string_view meta, std::string_view payload, std::string& error);
  // A hit fills meta/payload (either may be null) and marks the entry used (its mtime).
  Miss get_object(const Digest& key, std::string* meta, std::string* payload);

  // The module's manifest: a JSON object the caller defines (`cache ls` reads its "units":
  // [{"key": HEX, "tier": T, "functions": [...]}]).
  Miss get_manifest(const Digest& module, std::string& json);
  // Read-modify-write under the module's lock: `edit` gets the current manifest ("{}" when there
  // is none or it is damaged) and returns false to leave it as it is.
  bool update_manifest(const Digest& module, const std::function<bool(std::string& json)>& edit,
                       std::string& error);

  // The module's profile store (docs/profile-format.md, version 2).
  Miss get_profile(const Digest& module, profile::Profile& store);
  // Under the module's lock: `new_run` merges `counts` as one more run (aging the store first);
  // otherwise adds them to the run already counted (a later checkpoint of the same run).
  bool merge_profile(const Digest& module, const profile::Profile& counts, bool new_run,
                     std::string& error, double half_life_runs = profile::kDefaultHalfLifeRuns);

  // Removes least recently used objects (then whole module records) until the entries total at
  // most `max_bytes`, and temporaries a killed writer left (older than a minute).
  bool prune(uint64_t max_bytes, Removed& removed, std::string& error);
  // Every entry's header, key and checksum, manifests' and profiles' content; read-only.
  VerifyReport verify();
  // Removes every entry (and the counters); the directory itself stays.
  bool clear(Removed& removed, std::string& error);
  Stats stats();
  std::vector<ModuleInfo> modules();

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One run's contributions to its module's profile store. Call checkpoint() with the run's
// profile so far every few seconds and at exit: each merges what was counted since the last
// one, the first as a new run, so a run killed between checkpoints still leaves what it had.
class RunRecorder {
 public:
  RunRecorder(Store& store, const Digest& module, double half_life_runs = profile::kDefaultHalfLifeRuns)
      : store_(store), module_(module), half_life_runs_(half_life_runs) {}
  bool checkpoint(const profile::Profile& so_far, std::string& error);

 private:
  Store& store_;
  Digest module_;
  double half_life_runs_;
  profile::Profile merged_;  // what this run has put into the store so far
  bool first_ = true;
};

}  // namespace bf::cache
