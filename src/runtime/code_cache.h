// The code cache as one run uses it: the JIT's unit cache over the store (src/cache), what
// earlier runs of the module left (its manifest's units, its profile store), and what this run
// leaves (its units in the manifest, its counts in the profile store).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "cache/cache.h"
#include "jit/jit.h"
#include "profile/profile.h"

namespace bf::vm {
class Program;
}

namespace bf::runtime {

struct CacheOptions {
  cache::Mode mode = cache::Mode::read_write;
  std::string dir;                                // empty: cache::default_dir()
  uint64_t max_bytes = cache::kDefaultMaxBytes;
};

class CodeCache final : public jit::UnitCache {
 public:
  // The cache of the module whose bytes hash to `module` (vm::Program::hash_of), or null when
  // it is off, or refused (one warning line on stderr naming the directory and the problem; the
  // run goes on without it).
  static std::unique_ptr<CodeCache> open(const CacheOptions& options, const std::array<uint8_t, 32>& module,
                                         const std::string& path, const std::string& environment, bool tier_log);
  // Whether a run loaded this module before (it left a manifest): the module verified then.
  bool module_known() const { return manifest_read_; }
  // The program, once loaded: units name its functions.
  void attach(const vm::Program& program) { program_ = &program; }

  // jit::UnitCache.
  bool find(const jit::UnitKey& key, std::string& object) override;
  void store(const jit::UnitKey& key, const jit::CompileRequest& request, const jit::CompileResult& result,
             const std::string& object) override;

  // What earlier runs left, for jit::start (the units of the manifest with their objects, the
  // profile store). Units cached under another environment, and damaged entries, are left out
  // (a line each on the tier log).
  jit::History history();

  // This run's counts so far into the profile store (the first call counts a new run), and the
  // units in use, when given, into the manifest (record_units). Safe from another thread than
  // the JIT's.
  void checkpoint(const profile::Profile& so_far, const std::vector<jit::Unit>* units_in_use);
  // The units in use into the manifest: they replace the entries of the functions they serve.
  void record_units(const std::vector<jit::Unit>& units_in_use);
  // Whether this run writes the cache (not --cache=read-only).
  bool writes() const { return recorder_ != nullptr; }
  // The module's profile store as it is now (with this run's checkpoints in it); false when
  // there is none or it is damaged.
  bool read_profile(profile::Profile& out);

 private:
  CodeCache() = default;
  void log(const std::string& line) const;

  std::unique_ptr<cache::Store> store_;
  std::unique_ptr<cache::RunRecorder> recorder_;
  const vm::Program* program_ = nullptr;
  cache::Digest module_;
  std::string environment_digest_;  // hex BLAKE3 of jit::environment
  std::string path_;
  std::string manifest_;            // as the run found it
  bool manifest_read_ = false;
  bool tier_log_ = false;
  profile::Profile past_;           // the profile store as this run found it (read once, on demand)
  bool past_read_ = false, has_past_ = false;
  const profile::Profile* past();
  std::mutex mutex_;                // checkpoints from two threads
};

}  // namespace bf::runtime
