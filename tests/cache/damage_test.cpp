// Every kind of damage to an entry is a miss that hands out no bytes: flipped bits anywhere
// (seeded trials; BF_CACHE_DAMAGE_TRIALS raises the count), cuts at every header field, a
// longer file, an entry under another key's name or in another kind's place, a header of
// another format version.
#include <cstring>

#include "cache/entry.h"
#include "cache_test_util.h"

namespace bf::cache::test {
namespace {

constexpr size_t kFieldBoundaries[] = {0, 1, 4, 8, 12, 16, 32, 48, 56, 60, 64, 80, 95};

class CacheDamage : public CacheTest {
 protected:
  void SetUp() override {
    CacheTest::SetUp();
    store_ = open();
    ASSERT_TRUE(store_);
    std::string error;
    ASSERT_TRUE(store_->put_object(key_, meta_of(module_, "f", "O2"), payload_of(key_, 3000), error)) << error;
    ASSERT_TRUE(store_->update_manifest(module_, [&](std::string& j) {
      return j = "{\"units\":[{\"key\":\"" + key_.hex() + "\",\"tier\":\"O2\",\"functions\":[\"f\"]}]}", true;
    }, error)) << error;
    profile::Profile run;
    run.module = "x.bc";
    run.functions.resize(1);
    run.functions[0].name = "f";
    run.functions[0].calls = 12345;
    run.functions[0].edges.push_back({0, 1, 0, false, 77});
    ASSERT_TRUE(store_->merge_profile(module_, run, true, error)) << error;
  }

  // The entry at `path` looked up through the store: a hit only with all its bytes right.
  Miss lookup(const std::string& path, std::string& out) {
    profile::Profile p;
    if (path == object_path(key_)) return store_->get_object(key_, nullptr, &out);
    if (path == module_path(module_, "manifest")) return store_->get_manifest(module_, out);
    Miss m = store_->get_profile(module_, p);
    if (m == Miss::hit) out = profile::store_to_json(p);
    return m;
  }

  std::vector<std::string> paths() {
    return {object_path(key_), module_path(module_, "manifest"), module_path(module_, "profile")};
  }

  Digest module_ = hash_bytes("module"), key_ = key_of(42);
  std::unique_ptr<Store> store_;
};

TEST_F(CacheDamage, FlippedBitsAreMisses) {
  const int n = trials("BF_CACHE_DAMAGE_TRIALS", 240);
  std::mt19937_64 rng(20260101);
  std::vector<std::string> files = paths();
  std::vector<std::string> originals;
  for (const std::string& p : files) originals.push_back(read_file(p));
  int in_header = 0;
  for (int t = 0; t < n; t++) {
    const size_t which = t % files.size();
    std::string bytes = originals[which];
    // Half of the flips inside the header, half anywhere.
    size_t pos = (t / files.size()) % 2 ? rng() % sizeof(entry::Header) : rng() % bytes.size();
    in_header += pos < sizeof(entry::Header);
    bytes[pos] ^= static_cast<char>(1u << (rng() % 8));
    write_file(files[which], bytes);
    std::string out = "untouched";
    Miss m = lookup(files[which], out);
    EXPECT_NE(m, Miss::hit) << files[which] << " byte " << pos;
    EXPECT_EQ(out, "untouched") << files[which] << " byte " << pos;
    write_file(files[which], originals[which]);
  }
  EXPECT_GE(in_header, n / 3);
  for (const std::string& p : files) {
    std::string out;
    EXPECT_EQ(lookup(p, out), Miss::hit) << p;  // put back, each reads again
  }
  EXPECT_TRUE(store_->verify().clean());
}

TEST_F(CacheDamage, CutsAtEveryHeaderFieldAreTruncated) {
  for (const std::string& path : paths()) {
    const std::string original = read_file(path);
    entry::Header h;
    std::memcpy(&h, original.data(), sizeof h);
    std::vector<size_t> cuts(std::begin(kFieldBoundaries), std::end(kFieldBoundaries));
    for (size_t c : {sizeof h, sizeof h + h.meta_size / 2, sizeof h + h.meta_size, original.size() - 1})
      cuts.push_back(c);
    for (size_t cut : cuts) {
      write_file(path, original.substr(0, cut));
      std::string out = "untouched";
      EXPECT_EQ(lookup(path, out), Miss::truncated) << path << " cut at " << cut;
      EXPECT_EQ(out, "untouched");
    }
    write_file(path, original + "x");
    std::string out = "untouched";
    EXPECT_EQ(lookup(path, out), Miss::length) << path;
    EXPECT_EQ(out, "untouched");
    VerifyReport r = store_->verify();
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].path, path.substr(dir_.size() + 1));
    EXPECT_EQ(r.problems[0].reason, "longer than its header says");
    write_file(path, original);
  }
}

TEST_F(CacheDamage, EntryUnderAnotherKeyIsAMiss) {
  Digest other = key_of(43);
  std::string out = "untouched", error;
  // An object renamed to another key's name.
  ASSERT_TRUE(store_->put_object(other, "{}", "placeholder", error));
  ASSERT_EQ(rename(object_path(key_).c_str(), object_path(other).c_str()), 0);
  EXPECT_EQ(store_->get_object(other, nullptr, &out), Miss::key);
  EXPECT_EQ(out, "untouched");
  EXPECT_FALSE(store_->verify().clean());
  // One module's manifest and profile copied into another module's place.
  Digest module2 = hash_bytes("module 2");
  ASSERT_TRUE(store_->update_manifest(module2, [](std::string& j) { return true; }, error));
  for (const char* f : {"manifest", "profile"})
    write_file(module_path(module2, f), read_file(module_path(module_, f)));
  EXPECT_EQ(store_->get_manifest(module2, out), Miss::key);
  profile::Profile p;
  EXPECT_EQ(store_->get_profile(module2, p), Miss::key);
  EXPECT_EQ(out, "untouched");
}

TEST_F(CacheDamage, EntryOfAnotherKindIsAMiss) {
  Digest as_module = key_;  // an object whose key is taken for a module's
  std::string out = "untouched", error;
  ASSERT_TRUE(store_->update_manifest(as_module, [](std::string& j) { return true; }, error));
  write_file(module_path(as_module, "manifest"), read_file(object_path(key_)));
  EXPECT_EQ(store_->get_manifest(as_module, out), Miss::kind);
  EXPECT_EQ(out, "untouched");
}

TEST_F(CacheDamage, OtherFormatVersionIsAMiss) {
  // A header of a later format version: refused before its checksum is even looked at.
  std::string payload = payload_of(key_, 100);
  entry::Header h = entry::make_header(Kind::object, key_, "", payload);
  h.version = entry::kFormatVersion + 1;
  entry::Header fixed = entry::make_header(Kind::object, key_, "", payload);
  std::string bytes(reinterpret_cast<const char*>(&h), sizeof h);
  write_file(object_path(key_), bytes + payload);
  std::string out = "untouched";
  EXPECT_EQ(store_->get_object(key_, nullptr, &out), Miss::version);
  std::string good(reinterpret_cast<const char*>(&fixed), sizeof fixed);
  write_file(object_path(key_), good + payload);
  EXPECT_EQ(store_->get_object(key_, nullptr, &out), Miss::hit);
  EXPECT_EQ(out, payload);
}

TEST_F(CacheDamage, DamagedManifestOrProfileStartsAgainWithAWarning) {
  std::string bytes = read_file(module_path(module_, "profile"));
  bytes[bytes.size() - 2] ^= 1;
  write_file(module_path(module_, "profile"), bytes);
  profile::Profile run, p;
  run.functions.resize(1);
  run.functions[0].name = "g";
  std::string error;
  ASSERT_TRUE(store_->merge_profile(module_, run, true, error)) << error;
  ASSERT_EQ(store_->get_profile(module_, p), Miss::hit);
  EXPECT_EQ(p.runs, 1u);
  ASSERT_EQ(p.functions.size(), 1u);
  EXPECT_EQ(p.functions[0].name, "g");
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("checksum mismatch"), std::string::npos) << warnings_[0];
}

TEST(CacheEntry, ParseNeedsEveryByte) {
  Digest key = key_of(1);
  std::string meta = "{\"m\":1}", payload = "payload";
  entry::Header h = entry::make_header(Kind::profile, key, meta, payload);
  std::string file = std::string(reinterpret_cast<const char*>(&h), sizeof h) + meta + payload;
  std::string_view m, p;
  ASSERT_EQ(entry::parse(file, Kind::profile, &key, &m, &p), Miss::hit);
  EXPECT_EQ(m, meta);
  EXPECT_EQ(p, payload);
  EXPECT_EQ(entry::parse(file, Kind::object, &key, &m, &p), Miss::kind);
  EXPECT_EQ(entry::parse("XFCACHE", Kind::profile, &key, &m, &p), Miss::bad_magic);
  EXPECT_EQ(entry::parse("", Kind::profile, &key, &m, &p), Miss::truncated);
  Kind kind;
  Digest peeked;
  ASSERT_TRUE(entry::peek(file, kind, peeked));
  EXPECT_EQ(kind, Kind::profile);
  EXPECT_EQ(peeked, key);
}

}  // namespace
}  // namespace bf::cache::test
