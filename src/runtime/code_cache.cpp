// The code cache as one run uses it (code_cache.h). The manifest is this file's format:
//   {"format": "bareflow-manifest", "version": 1, "module": PATH,
//    "units": [{"key": HEX, "environment": HEX, "tier": "O2", "functions": [NAME...],
//               "roots": [INDEX...]}]}
// A unit's roots are the functions that ran from it last; runs under another environment (CPU,
// knobs, BareFlow build) keep their units beside this one's, and each run takes only its own.
#include "runtime/code_cache.h"

#include <llvm/Support/JSON.h>
#include <llvm/Support/raw_ostream.h>

#include <cstdio>
#include <map>
#include <set>

#include "jit/compiler.h"
#include "vm/vm.h"

namespace bf::runtime {

namespace {

const char* tier_name(int tier) {
  static const char* names[] = {"interp", "O1", "O2", "O3"};
  return names[tier < 0 || tier > 3 ? 0 : tier];
}

int tier_number(llvm::StringRef name) {
  return name == "O1" ? 1 : name == "O2" ? 2 : name == "O3" ? 3 : 0;
}

cache::Digest digest_of(const jit::UnitKey& key) {
  cache::Digest d;
  d.bytes = key.digest;
  return d;
}

// A manifest's unit, as read back.
struct ManifestUnit {
  std::string key, environment;
  int tier = 0;
  std::vector<uint32_t> roots;
  std::vector<std::string> functions;
};

std::vector<ManifestUnit> read_units(const std::string& json) {
  std::vector<ManifestUnit> out;
  auto parsed = llvm::json::parse(json);
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    return out;
  }
  const llvm::json::Object* root = parsed->getAsObject();
  const llvm::json::Array* units = root ? root->getArray("units") : nullptr;
  if (!units) return out;
  for (const llvm::json::Value& v : *units) {
    const llvm::json::Object* u = v.getAsObject();
    if (!u) continue;
    ManifestUnit m;
    m.key = u->getString("key").value_or("").str();
    m.environment = u->getString("environment").value_or("").str();
    m.tier = tier_number(u->getString("tier").value_or(""));
    if (const llvm::json::Array* roots = u->getArray("roots"))
      for (const llvm::json::Value& r : *roots)
        if (auto k = r.getAsInteger(); k && *k >= 0 && *k <= UINT32_MAX) m.roots.push_back(uint32_t(*k));
    if (const llvm::json::Array* fns = u->getArray("functions"))
      for (const llvm::json::Value& f : *fns)
        if (auto name = f.getAsString()) m.functions.push_back(name->str());
    if (m.tier && !m.roots.empty() && m.roots.size() == m.functions.size()) out.push_back(std::move(m));
  }
  return out;
}

std::string write_units(const std::string& path, const std::vector<ManifestUnit>& units) {
  llvm::json::Array array;
  for (const ManifestUnit& m : units) {
    llvm::json::Array roots, functions;
    for (uint32_t k : m.roots) roots.push_back(int64_t(k));
    for (const std::string& f : m.functions) functions.push_back(f);
    array.push_back(llvm::json::Object{{"key", m.key}, {"environment", m.environment}, {"tier", tier_name(m.tier)},
                                       {"functions", std::move(functions)}, {"roots", std::move(roots)}});
  }
  llvm::json::Object root{{"format", "bareflow-manifest"}, {"version", 1}, {"module", path}, {"units", std::move(array)}};
  std::string out;
  llvm::raw_string_ostream os(out);
  os << llvm::json::Value(std::move(root));
  return out;
}

}  // namespace

std::unique_ptr<CodeCache> CodeCache::open(const CacheOptions& options, const std::array<uint8_t, 32>& module,
                                           const std::string& path, const std::string& environment, bool tier_log) {
  if (options.mode == cache::Mode::off) return nullptr;
  cache::Settings settings;
  settings.dir = options.dir.empty() ? cache::default_dir() : options.dir;
  settings.mode = options.mode;
  settings.max_bytes = options.max_bytes;
  if (settings.dir.empty()) {
    fprintf(stderr, "bareflow: warning: no cache directory (set HOME, XDG_CACHE_HOME or BAREFLOW_CACHE_DIR, or "
                    "give --cache-dir); running without the cache\n");
    return nullptr;
  }
  std::string warning;
  std::unique_ptr<cache::Store> store = cache::Store::open(settings, warning);
  if (!store) {
    fprintf(stderr, "bareflow: warning: %s; running without the cache\n", warning.c_str());
    return nullptr;
  }
  std::unique_ptr<CodeCache> c(new CodeCache());
  c->store_ = std::move(store);
  c->module_.bytes = module;
  c->environment_digest_ = cache::hash_bytes(environment).hex();
  c->path_ = path;
  c->tier_log_ = tier_log;
  cache::Miss miss = c->store_->get_manifest(c->module_, c->manifest_);
  c->manifest_read_ = miss == cache::Miss::hit;
  if (miss != cache::Miss::hit && miss != cache::Miss::absent)
    c->log(std::string("manifest: ") + cache::describe(miss) + ": starting cold");
  if (options.mode == cache::Mode::read_write) c->recorder_ = std::make_unique<cache::RunRecorder>(*c->store_, c->module_);
  return c;
}

const profile::Profile* CodeCache::past() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!past_read_) {
    past_read_ = true;
    cache::Miss miss = store_->get_profile(module_, past_);
    has_past_ = miss == cache::Miss::hit;
    if (miss != cache::Miss::hit && miss != cache::Miss::absent)
      log(std::string("profile store: ") + cache::describe(miss) + ": planning nothing at start");
  }
  return has_past_ ? &past_ : nullptr;
}

void CodeCache::log(const std::string& line) const {
  if (tier_log_) fprintf(stderr, "[cache] %s\n", line.c_str());
}

bool CodeCache::find(const jit::UnitKey& key, std::string& object) {
  cache::Miss miss = store_->get_object(digest_of(key), nullptr, &object);
  if (miss == cache::Miss::hit) return true;
  if (miss != cache::Miss::absent) log("unit " + key.hex() + ": " + cache::describe(miss) + ": compiled again");
  return false;
}

void CodeCache::store(const jit::UnitKey& key, const jit::CompileRequest& request, const jit::CompileResult& result,
                      const std::string& object) {
  if (store_->mode() != cache::Mode::read_write) return;
  llvm::json::Array functions;
  for (const jit::CompiledFunction& f : result.functions) functions.push_back(program_->function_name(f.index));
  for (const jit::OsrEntry& e : result.osr) functions.push_back(program_->function_name(e.index) + " (OSR)");
  llvm::json::Object meta{{"module", module_.hex()}, {"tier", tier_name(request.tier)}, {"functions", std::move(functions)}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::json::Value(std::move(meta));
  std::string error;
  if (!store_->put_object(digest_of(key), text, object, error)) log("unit " + key.hex() + " not stored: " + error);
}

jit::History CodeCache::history() {
  jit::History h;
  h.cache = this;
  h.keeps_units = store_->mode() == cache::Mode::read_write;
  h.profile = [this] { return past(); };
  h.log = [this](const std::string& line) { log(line); };
  for (const ManifestUnit& m : read_units(manifest_)) {
    if (m.environment != environment_digest_) continue;
    bool fits = true;  // the roots are this module's functions, by index and name
    for (size_t i = 0; i < m.roots.size() && fits; i++)
      fits = m.roots[i] < program_->function_count() && program_->function_name(m.roots[i]) == m.functions[i];
    cache::Digest d;
    if (!fits || !cache::Digest::from_hex(m.key, d)) {
      log("manifest: unit " + m.key + " does not fit the module: compiled again when hot");
      continue;
    }
    std::string object;
    if (cache::Miss why = store_->get_object(d, nullptr, &object); why != cache::Miss::hit) {
      log("unit " + m.key + " (" + tier_name(m.tier) + ", " + m.functions[0] + (m.functions.size() > 1 ? ", ..." : "") +
          "): " + cache::describe(why) + ": compiled again when hot");
      continue;
    }
    jit::Unit unit;
    unit.key.digest = d.bytes;
    unit.tier = m.tier;
    unit.roots = m.roots;
    h.units.emplace_back(std::move(unit), std::move(object));
  }
  std::stable_sort(h.units.begin(), h.units.end(), [](auto& a, auto& b) { return a.first.tier < b.first.tier; });
  return h;
}

bool CodeCache::read_profile(profile::Profile& out) {
  std::lock_guard<std::mutex> lock(mutex_);
  return store_->get_profile(module_, out) == cache::Miss::hit;
}

void CodeCache::checkpoint(const profile::Profile& so_far, const std::vector<jit::Unit>* units_in_use) {
  if (!recorder_) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string error;
    if (!recorder_->checkpoint(so_far, error)) log("profile store not written: " + error);
  }
  if (units_in_use) record_units(*units_in_use);
}

void CodeCache::record_units(const std::vector<jit::Unit>& units_in_use) {
  if (!recorder_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  std::string error;
  std::vector<ManifestUnit> ours;
  std::set<uint32_t> covered;
  for (const jit::Unit& u : units_in_use) {
    ManifestUnit m;
    m.key = u.key.hex();
    m.environment = environment_digest_;
    m.tier = u.tier;
    m.roots = u.roots;
    for (uint32_t k : u.roots) m.functions.push_back(program_->function_name(k)), covered.insert(k);
    ours.push_back(std::move(m));
  }
  // Other runs' units stay for the functions this run did not compile (or ran under another
  // environment): the manifest holds what the last runs had in use, together.
  auto edit = [&](std::string& json) {
    std::vector<ManifestUnit> units = ours;
    for (ManifestUnit m : read_units(json)) {
      if (m.environment == environment_digest_) {
        std::vector<uint32_t> roots;
        std::vector<std::string> functions;
        for (size_t i = 0; i < m.roots.size(); i++)
          if (!covered.count(m.roots[i])) roots.push_back(m.roots[i]), functions.push_back(m.functions[i]);
        m.roots = std::move(roots);
        m.functions = std::move(functions);
      }
      if (!m.roots.empty()) units.push_back(std::move(m));
    }
    json = write_units(path_, units);
    return true;
  };
  if (!store_->update_manifest(module_, edit, error)) log("manifest not written: " + error);
}

}  // namespace bf::runtime
