// The store: opening and checking the directory, object entries, and the per-module manifest and
// profile store, which are updated read-modify-write under the module's lock.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <llvm/Support/JSON.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cache/entry.h"
#include "cache/store_impl.h"

namespace bf::cache {

const char* describe(Miss miss) {
  switch (miss) {
    case Miss::hit: return "hit";
    case Miss::absent: return "absent";
    case Miss::truncated: return "truncated";
    case Miss::length: return "longer than its header says";
    case Miss::bad_magic: return "not a cache entry (bad magic)";
    case Miss::version: return "entry format version not supported";
    case Miss::kind: return "wrong kind of entry";
    case Miss::key: return "key does not match its name (renamed?)";
    case Miss::checksum: return "checksum mismatch";
    case Miss::unsafe: return "unsafe: not ours, group- or world-writable, or not a regular file";
    case Miss::too_large: return "too large";
    case Miss::bad_content: return "content unreadable";
    case Miss::io: return "read error";
  }
  return "?";
}

namespace {

std::string shard_name(const Digest& key) { return key.hex().substr(0, 2); }

bool is_json_object(std::string_view text) {
  auto parsed = llvm::json::parse(text);
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    return false;
  }
  return parsed->getAsObject() != nullptr;
}

std::string module_meta(const Digest& module, uint64_t runs) {
  llvm::json::Object o{{"module", module.hex()}};
  if (runs) o["runs"] = static_cast<int64_t>(runs);
  std::string s;
  llvm::raw_string_ostream(s) << llvm::json::Value(std::move(o));
  return s;
}

std::string starts_again(const char* what, const Digest& module, Miss miss) {
  return std::string("cache: the ") + what + " of module " + module.hex() + " was unusable (" + describe(miss) +
         "); it starts again";
}

}  // namespace

bool parse_counters(std::string_view text, Counters& c) {
  long long bytes;
  unsigned long long hits, misses;
  std::string s(text.substr(0, 200));
  int used = 0;
  if (sscanf(s.c_str(), "bytes=%lld hits=%llu misses=%llu\n%n", &bytes, &hits, &misses, &used) != 3 ||
      used != static_cast<int>(s.size()))
    return false;
  c.bytes = bytes < 0 ? -1 : bytes;
  c.hits = hits;
  c.misses = misses;
  return true;
}

// ---- the store's state ----

void Store::Impl::warn(const std::string& line) {
  std::lock_guard<std::mutex> lock(mutex);
  if (warned) return;
  warned = true;
  if (settings.warn) settings.warn(line);
  else fprintf(stderr, "bareflow: %s\n", line.c_str());
}

fs::Fd Store::Impl::object_dir(const Digest& key, bool create, std::string& problem) {
  std::string name = shard_name(key);
  fs::Fd d = fs::open_dir(objects.get(), name, create, problem);
  if (!problem.empty())
    warn("cache: " + settings.dir + "/v1/objects/" + name + ": " + problem + "; its entries are not used");
  return d;
}

fs::Fd Store::Impl::module_dir(const Digest& module, bool create, std::string& problem) {
  std::string name = module.hex();
  fs::Fd d = fs::open_dir(modules.get(), name, create, problem);
  if (!problem.empty())
    warn("cache: " + settings.dir + "/v1/modules/" + name + ": " + problem + "; its entries are not used");
  return d;
}

Miss Store::Impl::read(int dir, const std::string& name, const std::string& rel, Kind kind,
                       const Digest* key, std::string* meta, std::string* payload, bool touch) {
  fs::Fd fd(openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return Miss::absent;
    if (errno != ELOOP) return Miss::io;
    warn("cache: " + settings.dir + "/" + rel + ": a symbolic link; not used");
    return Miss::unsafe;
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Miss::io;
  if (std::string why = fs::unsafe_reason(st, false); !why.empty()) {
    warn("cache: " + settings.dir + "/" + rel + ": " + why + "; not used");
    return Miss::unsafe;
  }
  std::string file;
  if (!fs::read_all(fd.get(), file, sizeof(entry::Header) + entry::kMaxMeta + entry::kMaxPayload))
    return errno == EFBIG ? Miss::too_large : Miss::io;
  std::string_view m, p;
  Miss miss = entry::parse(file, kind, key, &m, &p);
  if (miss != Miss::hit) return miss;
  if (meta) meta->assign(m);
  if (payload) payload->assign(p);
  // Last use for LRU pruning: mtime, since atime may not be kept. Best effort.
  if (touch) futimens(fd.get(), nullptr);
  return Miss::hit;
}

bool Store::Impl::write(int dir, const std::string& name, Kind kind, const Digest& key,
                        std::string_view meta, std::string_view payload, std::string& error) {
  if (meta.size() > entry::kMaxMeta || payload.size() > entry::kMaxPayload) {
    error = "cache: entry " + key.hex() + " too large (" + std::to_string(payload.size()) + " bytes)";
    return false;
  }
  entry::Header h = entry::make_header(kind, key, meta, payload);
  std::string_view header(reinterpret_cast<const char*>(&h), sizeof h);
  uint64_t replaced = 0;
  if (!fs::write_atomic(dir, name, {header, meta, payload}, error, &replaced)) {
    error = "cache: " + settings.dir + ": " + error;
    return false;
  }
  const int64_t delta = int64_t(sizeof h + meta.size() + payload.size()) - int64_t(replaced);
  Counters c = update_counters([&](Counters& c) {
    if (c.bytes >= 0) c.bytes = std::max<int64_t>(0, c.bytes + delta);
  });
  // Only object writes prune: a manifest or profile store is written under its module's lock,
  // which pruning that module would wait for.
  if (kind == Kind::object && (c.bytes < 0 || uint64_t(c.bytes) > settings.max_bytes)) {
    Removed removed;
    std::string ignored;
    prune_store(*this, settings.max_bytes, removed, ignored);
  }
  return true;
}

Counters Store::Impl::update_counters(const std::function<void(Counters&)>& change) {
  // Opened afresh each time, so that the lock excludes every other thread and process
  // (open file description locks), a forked child included.
  Counters c;
  fs::Lock lock;
  std::string error;
  if (!lock.acquire(top.get(), kCountersFile, error)) return c;
  const int fd = lock.fd();
  char buf[200];
  ssize_t n = pread(fd, buf, sizeof buf, 0);
  if (n <= 0 || !parse_counters(std::string_view(buf, size_t(n)), c)) c = Counters{};
  change(c);
  int len = snprintf(buf, sizeof buf, "bytes=%lld hits=%llu misses=%llu\n", static_cast<long long>(c.bytes),
                     static_cast<unsigned long long>(c.hits), static_cast<unsigned long long>(c.misses));
  if (pwrite(fd, buf, size_t(len), 0) == len) ftruncate(fd, len);
  return c;
}

Counters Store::Impl::read_counters() {
  Counters c;
  if (!present) return c;
  fs::Fd fd(openat(top.get(), kCountersFile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  char buf[200];
  ssize_t n = fd ? pread(fd.get(), buf, sizeof buf, 0) : -1;
  if (n <= 0 || !parse_counters(std::string_view(buf, size_t(n)), c)) c = Counters{};
  return c;
}

fs::Fd Store::Impl::lock_module(const Digest& module, fs::Lock& lock, std::string& error) {
  if (!writable()) {
    error = "cache: " + settings.dir + " is read-only";
    return {};
  }
  std::string problem;
  fs::Fd d = module_dir(module, true, problem);
  if (!d || !lock.acquire(d.get(), kLockFile, problem)) {
    error = "cache: " + settings.dir + "/v1/modules/" + module.hex() + ": " + problem;
    return {};
  }
  return d;
}

// ---- opening ----

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;
const std::string& Store::dir() const { return impl_->settings.dir; }
Mode Store::mode() const { return impl_->settings.mode; }

std::unique_ptr<Store> Store::open(const Settings& settings, std::string& warning) {
  auto impl = std::make_unique<Impl>();
  impl->settings = settings;
  const std::string& dir = settings.dir;
  auto refuse = [&](const std::string& what, const std::string& problem) -> std::unique_ptr<Store> {
    warning = "cache directory " + what + ": " + problem;
    return nullptr;
  };
  if (dir.empty())
    return refuse("(none)", "no directory given and none of BAREFLOW_CACHE_DIR, XDG_CACHE_HOME, HOME set");
  if (settings.mode == Mode::off) return refuse(dir, "the cache is off");
  const bool create = settings.mode == Mode::read_write;
  std::string error;
  if (create && !fs::make_dirs(dir, error)) return refuse(dir, error);
  // The directory itself may be reached through a symbolic link; everything under it may not.
  impl->root = fs::Fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!impl->root) {
    if (errno == ENOENT && !create) return std::unique_ptr<Store>(new Store(std::move(impl)));
    return refuse(dir, errno == ENOTDIR ? "not a directory" : strerror(errno));
  }
  struct stat st;
  if (fstat(impl->root.get(), &st) != 0) return refuse(dir, strerror(errno));
  if (std::string why = fs::unsafe_reason(st, true); !why.empty()) return refuse(dir, why);
  std::string problem;
  impl->top = fs::open_dir(impl->root.get(), kVersionDir, create, problem);
  if (!problem.empty()) return refuse(dir + "/" + kVersionDir, problem);
  if (!impl->top) return std::unique_ptr<Store>(new Store(std::move(impl)));  // read-only, empty
  for (auto [fd, name] : {std::pair{&impl->objects, kObjectsDir}, std::pair{&impl->modules, kModulesDir}}) {
    *fd = fs::open_dir(impl->top.get(), name, create, problem);
    if (!problem.empty()) return refuse(dir + "/" + kVersionDir + "/" + name, problem);
    if (!*fd) return std::unique_ptr<Store>(new Store(std::move(impl)));
  }
  impl->present = true;
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

// ---- objects ----

bool Store::put_object(const Digest& key, std::string_view meta, std::string_view payload, std::string& error) {
  if (!impl_->writable()) {
    error = "cache: " + dir() + " is read-only";
    return false;
  }
  std::string problem;
  fs::Fd d = impl_->object_dir(key, true, problem);
  if (!d) {
    error = "cache: " + dir() + "/v1/objects/" + shard_name(key) + ": " + problem;
    return false;
  }
  return impl_->write(d.get(), key.hex(), Kind::object, key, meta, payload, error);
}

Miss Store::get_object(const Digest& key, std::string* meta, std::string* payload) {
  if (!impl_->present) return Miss::absent;
  std::string problem;
  fs::Fd d = impl_->object_dir(key, false, problem);
  Miss miss = Miss::absent;
  if (d) {
    std::string rel = std::string("v1/objects/") + shard_name(key) + "/" + key.hex();
    miss = impl_->read(d.get(), key.hex(), rel, Kind::object, &key, meta, payload, impl_->writable());
  } else if (!problem.empty()) {
    miss = Miss::unsafe;
  }
  if (impl_->writable())
    impl_->update_counters([&](Counters& c) { miss == Miss::hit ? c.hits++ : c.misses++; });
  return miss;
}

// ---- manifests and profile stores ----

Miss Store::get_manifest(const Digest& module, std::string& json) {
  if (!impl_->present) return Miss::absent;
  std::string problem;
  fs::Fd d = impl_->module_dir(module, false, problem);
  if (!d) return problem.empty() ? Miss::absent : Miss::unsafe;
  std::string payload;
  Miss miss = impl_->read(d.get(), kManifestFile, "v1/modules/" + module.hex() + "/" + kManifestFile,
                          Kind::manifest, &module, nullptr, &payload, false);
  if (miss != Miss::hit) return miss;
  if (!is_json_object(payload)) return Miss::bad_content;
  json = std::move(payload);
  return Miss::hit;
}

bool Store::update_manifest(const Digest& module, const std::function<bool(std::string& json)>& edit,
                            std::string& error) {
  fs::Lock lock;
  fs::Fd d = impl_->lock_module(module, lock, error);
  if (!d) return false;
  std::string json;
  if (Miss miss = get_manifest(module, json); miss != Miss::hit) {
    json = "{}";
    if (miss != Miss::absent) impl_->warn(starts_again("manifest", module, miss));
  }
  if (!edit(json)) return true;
  if (!is_json_object(json)) {
    error = "cache: the manifest of module " + module.hex() + " must be a JSON object";
    return false;
  }
  return impl_->write(d.get(), kManifestFile, Kind::manifest, module, module_meta(module, 0), json, error);
}

Miss Store::get_profile(const Digest& module, profile::Profile& store) {
  if (!impl_->present) return Miss::absent;
  std::string problem;
  fs::Fd d = impl_->module_dir(module, false, problem);
  if (!d) return problem.empty() ? Miss::absent : Miss::unsafe;
  std::string payload, error;
  Miss miss = impl_->read(d.get(), kProfileFile, "v1/modules/" + module.hex() + "/" + kProfileFile,
                          Kind::profile, &module, nullptr, &payload, false);
  if (miss != Miss::hit) return miss;
  {
    std::lock_guard<std::mutex> hold(impl_->mutex);
    if (payload == impl_->last_profile_payload && impl_->last_profile.module_hash == module.hex()) {
      store = impl_->last_profile;
      return Miss::hit;
    }
  }
  profile::Profile p;
  if (!profile::from_json(payload, p, error) || p.module_hash != module.hex()) return Miss::bad_content;
  {
    std::lock_guard<std::mutex> hold(impl_->mutex);
    impl_->last_profile_payload = std::move(payload);
    impl_->last_profile = p;
  }
  store = std::move(p);
  return Miss::hit;
}

bool Store::merge_profile(const Digest& module, const profile::Profile& counts, bool new_run,
                          std::string& error, double half_life_runs) {
  fs::Lock lock;
  fs::Fd d = impl_->lock_module(module, lock, error);
  if (!d) return false;
  profile::Profile store;
  if (Miss miss = get_profile(module, store); miss != Miss::hit) {
    store = profile::Profile{};
    if (miss != Miss::absent) impl_->warn(starts_again("profile store", module, miss));
  }
  store.module_hash = module.hex();
  if (new_run) profile::merge(store, counts, half_life_runs);
  else profile::add(store, counts);
  std::string json = profile::store_to_json(store);
  if (!impl_->write(d.get(), kProfileFile, Kind::profile, module, module_meta(module, store.runs), json, error))
    return false;
  std::lock_guard<std::mutex> hold(impl_->mutex);
  impl_->last_profile_payload = std::move(json);
  impl_->last_profile = std::move(store);
  return true;
}

bool RunRecorder::checkpoint(const profile::Profile& so_far, std::string& error) {
  profile::Profile delta = first_ ? so_far : profile::subtract(so_far, merged_);
  if (!store_.merge_profile(module_, delta, first_, error, half_life_runs_)) return false;
  merged_ = so_far;
  first_ = false;
  return true;
}

}  // namespace bf::cache
