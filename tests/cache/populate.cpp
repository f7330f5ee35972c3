// Writes what the `bareflow cache` test and the fuzzer start from:
//   cache_populate DIR           a cache: two modules (manifests, profile stores, objects) and an
//                                object that names no module
//   cache_populate --flat DIR    bare entry files of each kind (seeds for fuzz_cache_entry)
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "cache/cache.h"
#include "cache/entry.h"

using namespace bf::cache;

namespace {

Digest key_of(int n) { return KeyBuilder().add("populate", uint64_t(n)).finish(); }

std::string manifest_of(const std::vector<std::pair<int, const char*>>& units) {
  std::string j = "{\"units\":[";
  for (size_t i = 0; i < units.size(); i++) {
    j += (i ? "," : "") + std::string("{\"key\":\"") + key_of(units[i].first).hex() + "\",\"tier\":\"" +
         units[i].second + "\",\"functions\":[\"f" + std::to_string(units[i].first) + "\",\"g\"]}";
  }
  return j + "]}";
}

bf::profile::Profile run_of(const char* path) {
  bf::profile::Profile p;
  p.module = path;
  p.functions.resize(1);
  p.functions[0].name = "main";
  p.functions[0].calls = 1;
  p.functions[0].blocks = 2;
  p.functions[0].edges.push_back({0, 1, 0, false, 1});
  p.functions[0].tier_ups["O1"] = 1;
  return p;
}

std::string meta_of(const Digest& module, int n, const char* tier) {
  return "{\"module\":\"" + module.hex() + "\",\"tier\":\"" + tier + "\",\"functions\":[\"f" +
         std::to_string(n) + "\"]}";
}

int fail(const std::string& error) {
  fprintf(stderr, "cache_populate: %s\n", error.c_str());
  return 1;
}

int populate(const std::string& dir) {
  std::string warning, error;
  auto store = Store::open({dir, Mode::read_write, kDefaultMaxBytes, nullptr}, warning);
  if (!store) return fail(warning);
  Digest a = hash_bytes("module a"), b = hash_bytes("module b");
  const std::pair<int, const char*> units_a[] = {{1, "O1"}, {2, "O2"}, {3, "O2"}};
  for (auto [n, tier] : units_a)
    if (!store->put_object(key_of(n), meta_of(a, n, tier), std::string(1000 * n, char('a' + n)), error))
      return fail(error);
  if (!store->put_object(key_of(4), meta_of(b, 4, "O3"), std::string(5000, 'b'), error)) return fail(error);
  if (!store->put_object(key_of(5), "{}", "orphan", error)) return fail(error);
  auto set = [](std::string m) { return [m](std::string& j) { return j = m, true; }; };
  if (!store->update_manifest(a, set(manifest_of({units_a[0], units_a[1], units_a[2]})), error) ||
      !store->update_manifest(b, set(manifest_of({{4, "O3"}})), error))
    return fail(error);
  for (int r = 0; r < 3; r++)
    if (!store->merge_profile(a, run_of("apps/a.bc"), true, error)) return fail(error);
  if (!store->merge_profile(b, run_of("apps/b.bc"), true, error)) return fail(error);
  return 0;
}

int flat(const std::string& dir) {
  std::string error;
  mkdir(dir.c_str(), 0700);
  Digest module = hash_bytes("module a");
  bf::profile::Profile store;
  bf::profile::merge(store, run_of("apps/a.bc"));
  store.module_hash = module.hex();
  struct Seed {
    const char* name;
    Kind kind;
    Digest key;
    std::string meta, payload;
  } seeds[] = {
      {"object", Kind::object, key_of(1), meta_of(module, 1, "O2"), std::string(300, 'x')},
      {"manifest", Kind::manifest, module, "{}", manifest_of({{1, "O2"}, {2, "O3"}})},
      {"profile", Kind::profile, module, "{}", bf::profile::store_to_json(store)},
  };
  for (const Seed& s : seeds) {
    entry::Header h = entry::make_header(s.kind, s.key, s.meta, s.payload);
    std::ofstream f(dir + "/" + s.name, std::ios::binary);
    f.write(reinterpret_cast<const char*>(&h), sizeof h);
    f << s.meta << s.payload;
    if (!f) return fail(dir + "/" + s.name + ": cannot write");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && !strcmp(argv[1], "--flat")) return flat(argv[2]);
  if (argc == 2) return populate(argv[1]);
  fprintf(stderr, "usage: cache_populate DIR | cache_populate --flat DIR\n");
  return 2;
}
