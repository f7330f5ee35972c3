// Whole-directory operations: pruning to a size (least recently used first), verifying every
// entry, clearing, and the summaries of `bareflow cache stats` and `cache ls`.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <llvm/Support/JSON.h>

#include <algorithm>
#include <ctime>

#include "cache/entry.h"
#include "cache/store_impl.h"

namespace bf::cache {

namespace {

int64_t mtime_ns(const struct stat& st) { return int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec; }

bool stale(const struct stat& st) { return st.st_mtim.tv_sec < time(nullptr) - kStaleTemporarySeconds; }

struct File {
  std::string name;
  struct stat st;
};

// The regular files of a directory (symbolic links and subdirectories left out).
std::vector<File> files_of(int dir) {
  std::vector<File> out;
  for (std::string& name : fs::list(dir)) {
    File f{std::move(name), {}};
    if (fstatat(dir, f.name.c_str(), &f.st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(f.st.st_mode))
      out.push_back(std::move(f));
  }
  return out;
}

// Calls visit(dir fd, subdirectory name) for each subdirectory of `parent` that is safe to use;
// `unsafe` gets the names of the others with the reason.
template <class Visit, class Unsafe>
void each_subdir(int parent, Visit visit, Unsafe unsafe) {
  for (const std::string& name : fs::list(parent)) {
    std::string problem;
    fs::Fd d = fs::open_dir(parent, name, false, problem);
    if (d) visit(d.get(), name);
    else if (!problem.empty()) unsafe(name, problem);
  }
}

// The `module` field of an object's metadata, without checking the rest of the entry.
std::string object_module(int dir, const std::string& name) {
  fs::Fd fd(openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  entry::Header h;
  if (!fd || pread(fd.get(), &h, sizeof h, 0) != ssize_t(sizeof h) || h.meta_size > entry::kMaxMeta) return "";
  std::string meta(h.meta_size, '\0');
  if (pread(fd.get(), meta.data(), meta.size(), sizeof h) != ssize_t(meta.size())) return "";
  auto parsed = llvm::json::parse(meta);
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    return "";
  }
  const llvm::json::Object* o = parsed->getAsObject();
  return o ? o->getString("module").value_or("").str() : "";
}

void remove_module(int modules, const std::string& name, Removed& removed) {
  std::string problem;
  fs::Fd d = fs::open_dir(modules, name, false, problem);
  if (!d) return;
  // Under its lock, so that no run is half-way through rewriting it; a module in use stays.
  fs::Lock lock;
  if (!lock.acquire(d.get(), kLockFile, problem, /*wait=*/false)) return;
  for (const File& f : files_of(d.get())) {
    if (unlinkat(d.get(), f.name.c_str(), 0) == 0) removed.files++, removed.bytes += uint64_t(f.st.st_size);
  }
  unlinkat(modules, name.c_str(), AT_REMOVEDIR);
}

}  // namespace

void manifest_units(std::string_view json, std::vector<std::string>* keys, std::map<std::string, uint64_t>* tiers) {
  auto parsed = llvm::json::parse(json);
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    return;
  }
  const llvm::json::Object* root = parsed->getAsObject();
  const llvm::json::Array* units = root ? root->getArray("units") : nullptr;
  if (!units) return;
  for (const llvm::json::Value& v : *units) {
    const llvm::json::Object* u = v.getAsObject();
    if (!u) continue;
    if (auto key = u->getString("key"); key && keys) keys->push_back(key->str());
    const llvm::json::Array* fns = u->getArray("functions");
    if (tiers) (*tiers)[u->getString("tier").value_or("?").str()] += fns ? fns->size() : 0;
  }
}

bool prune_store(Store::Impl& s, uint64_t max_bytes, Removed& removed, std::string& error) {
  if (!s.writable()) {
    error = "cache: " + s.settings.dir + " is read-only";
    return false;
  }
  struct Item {
    int64_t last_use;
    uint64_t bytes;
    std::string shard, name;  // shard empty: a module record
  };
  std::vector<Item> items;
  uint64_t total = 0;
  auto sweep = [&](int dir, const std::string& shard, Item* module) {
    for (const File& f : files_of(dir)) {
      if (fs::is_temporary(f.name) && stale(f.st)) {  // a killed writer's
        if (unlinkat(dir, f.name.c_str(), 0) == 0) removed.files++, removed.bytes += uint64_t(f.st.st_size);
        continue;
      }
      total += uint64_t(f.st.st_size);
      if (module) {
        module->bytes += uint64_t(f.st.st_size);
        module->last_use = std::max(module->last_use, mtime_ns(f.st));
      } else if (!fs::is_temporary(f.name)) {
        items.push_back({mtime_ns(f.st), uint64_t(f.st.st_size), shard, f.name});
      }
    }
  };
  each_subdir(s.objects.get(), [&](int d, const std::string& shard) { sweep(d, shard, nullptr); },
              [](const std::string&, const std::string&) {});
  each_subdir(s.modules.get(), [&](int d, const std::string& name) {
    Item m{0, 0, "", name};
    sweep(d, "", &m);
    items.push_back(m);
  }, [](const std::string&, const std::string&) {});
  if (total > max_bytes) {
    std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.last_use < b.last_use; });
    for (const Item& it : items) {
      if (total <= max_bytes) break;
      Removed r;
      if (it.shard.empty()) {
        remove_module(s.modules.get(), it.name, r);
      } else {
        std::string problem;
        fs::Fd d = fs::open_dir(s.objects.get(), it.shard, false, problem);
        if (d && unlinkat(d.get(), it.name.c_str(), 0) == 0) r.files = 1, r.bytes = it.bytes;
      }
      total -= std::min(total, r.bytes);
      removed.files += r.files;
      removed.bytes += r.bytes;
    }
  }
  s.update_counters([&](Counters& c) { c.bytes = int64_t(total); });
  return true;
}

bool Store::prune(uint64_t max_bytes, Removed& removed, std::string& error) {
  return prune_store(*impl_, max_bytes, removed, error);
}

VerifyReport Store::verify() {
  VerifyReport report;
  if (!impl_->present) return report;
  auto problem = [&](std::string path, std::string reason, bool damaged) {
    report.problems.push_back({std::move(path), std::move(reason), damaged});
  };
  auto note_unsafe_dir = [&](const std::string& where) {
    return [&, where](const std::string& name, const std::string& why) { problem(where + name, why, true); };
  };
  auto check = [&](int dir, const std::string& rel, const std::string& name, Kind kind, const Digest* key,
                   std::string* payload) {
    report.entries++;
    Miss miss = impl_->read(dir, name, rel, kind, key, nullptr, payload, false);
    if (miss != Miss::hit) problem(rel, describe(miss), true);
    return miss == Miss::hit;
  };
  auto temporary = [&](const std::string& rel) {
    problem(rel, "temporary file (a write in progress or interrupted; prune removes it after a minute)", false);
  };
  std::vector<std::pair<std::string, std::string>> named;  // (manifest path, object key it names)
  std::map<std::string, bool> objects;
  each_subdir(impl_->objects.get(), [&](int d, const std::string& shard) {
    for (const File& f : files_of(d)) {
      std::string rel = "v1/objects/" + shard + "/" + f.name;
      Digest key;
      if (fs::is_temporary(f.name)) temporary(rel);
      else if (!Digest::from_hex(f.name, key) || f.name.substr(0, 2) != shard)
        problem(rel, "not an entry's name", true);
      else objects[f.name] = check(d, rel, f.name, Kind::object, &key, nullptr);
    }
  }, note_unsafe_dir("v1/objects/"));
  each_subdir(impl_->modules.get(), [&](int d, const std::string& name) {
    Digest module;
    std::string base = "v1/modules/" + name + "/";
    if (!Digest::from_hex(name, module)) problem(base, "not a module's directory name", true);
    for (const File& f : files_of(d)) {
      std::string rel = base + f.name, payload, error;
      if (fs::is_temporary(f.name)) {
        temporary(rel);
      } else if (f.name == kManifestFile) {
        std::vector<std::string> keys;
        if (!check(d, rel, f.name, Kind::manifest, &module, &payload)) continue;
        manifest_units(payload, &keys, nullptr);
        for (const std::string& k : keys) named.emplace_back(rel, k);
      } else if (f.name == kProfileFile) {
        profile::Profile p;
        if (check(d, rel, f.name, Kind::profile, &module, &payload) && !profile::from_json(payload, p, error))
          problem(rel, "profile store unreadable: " + error, true);
      } else if (f.name != kLockFile) {
        problem(rel, "unknown file", false);
      }
    }
  }, note_unsafe_dir("v1/modules/"));
  for (const auto& [manifest, key] : named) {
    auto it = objects.find(key);
    if (it == objects.end())
      problem(manifest, "names object " + key + ", which is not in the cache (pruned): that unit compiles again",
              false);
  }
  return report;
}

bool Store::clear(Removed& removed, std::string& error) {
  if (!impl_->writable()) {
    error = "cache: " + dir() + " is read-only";
    return false;
  }
  for (int parent : {impl_->objects.get(), impl_->modules.get()})
    for (const std::string& name : fs::list(parent)) fs::remove_tree(parent, name, removed.files, removed.bytes);
  impl_->update_counters([](Counters& c) { c = Counters{0, 0, 0}; });
  return true;
}

Stats Store::stats() {
  Stats st;
  if (!impl_->present) return st;
  auto count = [&](const File& f) {
    st.bytes += uint64_t(f.st.st_size);
    if (fs::is_temporary(f.name)) st.temporaries++;
    return !fs::is_temporary(f.name);
  };
  each_subdir(impl_->objects.get(), [&](int d, const std::string&) {
    for (const File& f : files_of(d)) st.objects += count(f);
  }, [](const std::string&, const std::string&) {});
  each_subdir(impl_->modules.get(), [&](int d, const std::string&) {
    st.modules++;
    for (const File& f : files_of(d)) count(f);
  }, [](const std::string&, const std::string&) {});
  Counters c = impl_->read_counters();
  st.hits = c.hits;
  st.misses = c.misses;
  return st;
}

std::vector<ModuleInfo> Store::modules() {
  std::map<std::string, ModuleInfo> by_hex;
  if (!impl_->present) return {};
  auto info = [&](const std::string& hex) -> ModuleInfo& {
    ModuleInfo& m = by_hex[hex];
    Digest::from_hex(hex, m.module);
    return m;
  };
  each_subdir(impl_->modules.get(), [&](int d, const std::string& name) {
    Digest module;
    if (!Digest::from_hex(name, module)) return;
    ModuleInfo& m = info(name);
    for (const File& f : files_of(d))
      if (f.name != kLockFile) m.last_use = std::max<int64_t>(m.last_use, f.st.st_mtim.tv_sec);
    profile::Profile p;
    if (get_profile(module, p) == Miss::hit) m.runs = p.runs, m.path = p.module;
    std::string manifest;
    if (get_manifest(module, manifest) == Miss::hit) manifest_units(manifest, nullptr, &m.functions);
  }, [](const std::string&, const std::string&) {});
  each_subdir(impl_->objects.get(), [&](int d, const std::string&) {
    for (const File& f : files_of(d)) {
      if (fs::is_temporary(f.name)) continue;
      std::string hex = object_module(d, f.name);
      Digest ignored;
      if (!Digest::from_hex(hex, ignored)) continue;
      ModuleInfo& m = info(hex);
      m.objects++;
      m.bytes += uint64_t(f.st.st_size);
      m.last_use = std::max<int64_t>(m.last_use, f.st.st_mtim.tv_sec);
    }
  }, [](const std::string&, const std::string&) {});
  std::vector<ModuleInfo> out;
  for (auto& [hex, m] : by_hex) out.push_back(std::move(m));
  std::sort(out.begin(), out.end(), [](const ModuleInfo& a, const ModuleInfo& b) { return a.last_use > b.last_use; });
  return out;
}

}  // namespace bf::cache
