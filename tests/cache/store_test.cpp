// The store on one process: round trips, modes and owners, read-only use, pruning, settings.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/fs.h"
#include "cache_test_util.h"

namespace bf::cache::test {
namespace {

mode_t mode_of(const std::string& path) {
  struct stat st;
  EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

void set_mtime(const std::string& path, time_t when) {
  struct timespec t[2] = {{when, 0}, {when, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), t, AT_SYMLINK_NOFOLLOW), 0) << path;
}

time_t mtime_of(const std::string& path) {
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0);
  return st.st_mtime;
}

TEST_F(CacheTest, ObjectRoundTrip) {
  auto store = open();
  ASSERT_TRUE(store) << warnings_[0];
  Digest module = hash_bytes("module bitcode"), key = key_of(1);
  std::string payload = payload_of(key, 5000), meta = meta_of(module, "f", "O2"), error;
  ASSERT_TRUE(store->put_object(key, meta, payload, error)) << error;
  std::string got_meta, got;
  EXPECT_EQ(store->get_object(key, &got_meta, &got), Miss::hit);
  EXPECT_EQ(got, payload);
  EXPECT_EQ(got_meta, meta);
  EXPECT_EQ(store->get_object(key_of(2), nullptr, &got), Miss::absent);
  // Replacing an entry: the new bytes, never a mix.
  std::string other = payload_of(key_of(3), 100);
  ASSERT_TRUE(store->put_object(key, "{}", other, error)) << error;
  EXPECT_EQ(store->get_object(key, nullptr, &got), Miss::hit);
  EXPECT_EQ(got, other);
  EXPECT_TRUE(store->put_object(key_of(4), "", "", error)) << error;  // empty payload, empty meta
  EXPECT_EQ(store->get_object(key_of(4), &got_meta, &got), Miss::hit);
  EXPECT_TRUE(got.empty() && got_meta.empty());
  Stats st = store->stats();
  EXPECT_EQ(st.objects, 2u);
  EXPECT_EQ(st.hits, 3u);
  EXPECT_EQ(st.misses, 1u);
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(CacheTest, CreatesPrivateDirectoriesAndEntriesWhateverTheUmask) {
  mode_t old = umask(0);
  auto store = open();
  umask(old);
  ASSERT_TRUE(store);
  std::string error;
  Digest module = hash_bytes("m");
  ASSERT_TRUE(store->put_object(key_of(1), "{}", "x", error)) << error;
  ASSERT_TRUE(store->update_manifest(module, [](std::string& j) { return j = "{\"units\":[]}", true; }, error));
  for (const std::string& d : {dir_, dir_ + "/v1", dir_ + "/v1/objects", dir_ + "/v1/modules",
                               dir_ + "/v1/objects/" + key_of(1).hex().substr(0, 2),
                               dir_ + "/v1/modules/" + module.hex()})
    EXPECT_EQ(mode_of(d), 0700u) << d;
  EXPECT_EQ(mode_of(object_path(key_of(1))), 0600u);
  EXPECT_EQ(mode_of(module_path(module, "manifest")), 0600u);
}

TEST_F(CacheTest, ManifestIsTheCallersJsonObject) {
  auto store = open();
  Digest module = hash_bytes("m");
  std::string json, error;
  EXPECT_EQ(store->get_manifest(module, json), Miss::absent);
  ASSERT_TRUE(store->update_manifest(module, [](std::string& j) {
    EXPECT_EQ(j, "{}");
    j = R"({"units":[{"key":"ab","tier":"O2","functions":["f","g"]}],"mine":1})";
    return true;
  }, error)) << error;
  ASSERT_EQ(store->get_manifest(module, json), Miss::hit);
  EXPECT_EQ(json, R"({"units":[{"key":"ab","tier":"O2","functions":["f","g"]}],"mine":1})");
  // Not an object: refused, the old one stays.
  EXPECT_FALSE(store->update_manifest(module, [](std::string& j) { return j = "[1]", true; }, error));
  EXPECT_NE(error.find("JSON object"), std::string::npos) << error;
  // `edit` returning false leaves it alone.
  EXPECT_TRUE(store->update_manifest(module, [](std::string& j) { return j = "{}", false; }, error));
  ASSERT_EQ(store->get_manifest(module, json), Miss::hit);
  EXPECT_NE(json.find("mine"), std::string::npos);
}

TEST_F(CacheTest, ManifestNamingAMissingObject) {
  auto store = open();
  Digest module = hash_bytes("m"), gone = key_of(7);
  std::string error, payload = "untouched";
  ASSERT_TRUE(store->update_manifest(module, [&](std::string& j) {
    return j = "{\"units\":[{\"key\":\"" + gone.hex() + "\",\"tier\":\"O1\",\"functions\":[\"f\"]}]}", true;
  }, error));
  EXPECT_EQ(store->get_object(gone, nullptr, &payload), Miss::absent);
  EXPECT_EQ(payload, "untouched");
  VerifyReport r = store->verify();
  EXPECT_TRUE(r.clean());
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].reason.find(gone.hex()), std::string::npos) << r.problems[0].reason;
  EXPECT_FALSE(r.problems[0].damaged);
}

TEST_F(CacheTest, WorldWritableDirectoryIsRefusedWithOneWarning) {
  ASSERT_EQ(mkdir(dir_.c_str(), 0700), 0);
  ASSERT_EQ(chmod(dir_.c_str(), 0777), 0);
  EXPECT_FALSE(open());
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find(dir_), std::string::npos) << warnings_[0];
  EXPECT_NE(warnings_[0].find("world-writable (mode 0777)"), std::string::npos) << warnings_[0];
  EXPECT_EQ(warnings_[0].find('\n'), std::string::npos);
  // Below the top directory too.
  ASSERT_EQ(chmod(dir_.c_str(), 0700), 0);
  ASSERT_TRUE(open());
  ASSERT_EQ(chmod((dir_ + "/v1/objects").c_str(), 0770), 0);
  warnings_.clear();
  EXPECT_FALSE(open());
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find(dir_ + "/v1/objects: group- or world-writable"), std::string::npos) << warnings_[0];
}

TEST_F(CacheTest, NotADirectoryIsRefused) {
  write_file(dir_, "a file");
  EXPECT_FALSE(open());
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("not a directory"), std::string::npos) << warnings_[0];
}

TEST_F(CacheTest, DirectoryOwnedByAnotherUserIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give the directory to another user";
  ASSERT_EQ(mkdir(dir_.c_str(), 0700), 0);
  ASSERT_EQ(chown(dir_.c_str(), 65534, 65534), 0);
  EXPECT_FALSE(open());
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("owned by uid 65534"), std::string::npos) << warnings_[0];
}

TEST_F(CacheTest, UnsafeEntriesAreMissesWithOneWarning) {
  auto store = open();
  std::string error, payload = "untouched";
  for (int i = 0; i < 3; i++) ASSERT_TRUE(store->put_object(key_of(i), "{}", "code", error)) << error;
  ASSERT_EQ(chmod(object_path(key_of(0)).c_str(), 0666), 0);
  ASSERT_EQ(chmod(object_path(key_of(1)).c_str(), 0620), 0);
  EXPECT_EQ(store->get_object(key_of(0), nullptr, &payload), Miss::unsafe);
  EXPECT_EQ(store->get_object(key_of(1), nullptr, &payload), Miss::unsafe);
  EXPECT_EQ(payload, "untouched");
  EXPECT_EQ(store->get_object(key_of(2), nullptr, &payload), Miss::hit);
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find(object_path(key_of(0)) + ": group- or world-writable (mode 0666)"), std::string::npos)
      << warnings_[0];
  // A symbolic link in an entry's place is not followed.
  std::string target = scratch_ + "/elsewhere";
  write_file(target, read_file(object_path(key_of(2))));
  ASSERT_EQ(unlink(object_path(key_of(2)).c_str()), 0);
  ASSERT_EQ(symlink(target.c_str(), object_path(key_of(2)).c_str()), 0);
  EXPECT_EQ(store->get_object(key_of(2), nullptr, &payload), Miss::unsafe);
  EXPECT_FALSE(store->verify().clean());
}

TEST_F(CacheTest, EntryOwnedByAnotherUserIsAMiss) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give the entry to another user";
  auto store = open();
  std::string error, payload = "untouched";
  ASSERT_TRUE(store->put_object(key_of(0), "{}", "code", error));
  ASSERT_EQ(chown(object_path(key_of(0)).c_str(), 65534, 65534), 0);
  EXPECT_EQ(store->get_object(key_of(0), nullptr, &payload), Miss::unsafe);
  EXPECT_EQ(payload, "untouched");
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("owned by uid 65534"), std::string::npos);
}

TEST_F(CacheTest, ReadOnlyWritesNothing) {
  {
    auto ro = open(Mode::read_only);  // no directory yet: an empty store, nothing created
    ASSERT_TRUE(ro);
    EXPECT_EQ(ro->get_object(key_of(0), nullptr, nullptr), Miss::absent);
    EXPECT_EQ(access(dir_.c_str(), F_OK), -1);
  }
  std::string error;
  ASSERT_TRUE(open()->put_object(key_of(0), "{}", "code", error));
  set_mtime(object_path(key_of(0)), 1000000);
  std::string counters = read_file(dir_ + "/v1/stats");
  auto ro = open(Mode::read_only);
  std::string payload;
  EXPECT_EQ(ro->get_object(key_of(0), nullptr, &payload), Miss::hit);
  EXPECT_EQ(payload, "code");
  EXPECT_EQ(mtime_of(object_path(key_of(0))), 1000000);  // not marked used
  EXPECT_EQ(read_file(dir_ + "/v1/stats"), counters);      // no hit counted
  EXPECT_FALSE(ro->put_object(key_of(1), "{}", "code", error));
  EXPECT_NE(error.find("read-only"), std::string::npos);
  Removed removed;
  EXPECT_FALSE(ro->prune(0, removed, error));
  EXPECT_FALSE(ro->clear(removed, error));
  EXPECT_EQ(ro->get_object(key_of(0), nullptr, nullptr), Miss::hit);
}

TEST_F(CacheTest, OffIsRefused) {
  EXPECT_FALSE(open(Mode::off));
  EXPECT_EQ(access(dir_.c_str(), F_OK), -1);
}

TEST_F(CacheTest, PruneKeepsTheMostRecentlyUsed) {
  auto store = open();
  std::string error;
  const size_t size = 10000;
  for (int i = 0; i < 10; i++) {
    ASSERT_TRUE(store->put_object(key_of(i), "{}", payload_of(key_of(i), size), error)) << error;
    set_mtime(object_path(key_of(i)), 1000000 + i);  // written long ago, 0 first
  }
  // Stale temporaries go, a fresh one (a write in progress) stays.
  std::string shard = dir_ + "/v1/objects/" + key_of(0).hex().substr(0, 2);
  write_file(shard + "/.tmp-1-0-00", "killed writer");
  set_mtime(shard + "/.tmp-1-0-00", 1000000);
  write_file(shard + "/.tmp-1-1-00", "busy writer");
  // Using 0 and 1 makes them the most recent.
  EXPECT_EQ(store->get_object(key_of(0), nullptr, nullptr), Miss::hit);
  EXPECT_EQ(store->get_object(key_of(1), nullptr, nullptr), Miss::hit);
  const uint64_t entry = size + 96 + 2;
  Removed removed;
  ASSERT_TRUE(store->prune(5 * entry + 20, removed, error)) << error;
  EXPECT_EQ(removed.files, 6u);  // objects 2-6 and the stale temporary
  for (int i : {0, 1, 7, 8, 9}) EXPECT_EQ(store->get_object(key_of(i), nullptr, nullptr), Miss::hit) << i;
  for (int i : {2, 3, 4, 5, 6}) EXPECT_EQ(store->get_object(key_of(i), nullptr, nullptr), Miss::absent) << i;
  EXPECT_EQ(access((shard + "/.tmp-1-0-00").c_str(), F_OK), -1);
  EXPECT_EQ(access((shard + "/.tmp-1-1-00").c_str(), F_OK), 0);
  EXPECT_LE(store->stats().bytes, 5 * entry + 20);
}

TEST_F(CacheTest, WritesPastTheLimitPrune) {
  auto store = open(Mode::read_write, 50000);
  std::string error;
  for (int i = 0; i < 40; i++) {
    ASSERT_TRUE(store->put_object(key_of(i), "{}", payload_of(key_of(i), 4000), error)) << error;
    set_mtime(object_path(key_of(i)), 1000000 + i);
    EXPECT_LE(store->stats().bytes, 50000u) << i;
  }
  EXPECT_EQ(store->get_object(key_of(39), nullptr, nullptr), Miss::hit);
  EXPECT_EQ(store->get_object(key_of(0), nullptr, nullptr), Miss::absent);
  EXPECT_TRUE(store->verify().clean());
}

TEST_F(CacheTest, PruneRemovesWholeModuleRecordsLast) {
  auto store = open();
  std::string error;
  Digest module = hash_bytes("m");
  profile::Profile run;
  run.functions.push_back({});
  run.functions[0].name = "main";
  run.functions[0].calls = 1;
  ASSERT_TRUE(store->merge_profile(module, run, true, error)) << error;
  set_mtime(module_path(module, "profile"), 1000000);
  ASSERT_TRUE(store->put_object(key_of(0), "{}", payload_of(key_of(0), 1000), error));
  set_mtime(object_path(key_of(0)), 999999);
  Removed removed;
  ASSERT_TRUE(store->prune(store->stats().bytes - 1, removed, error));
  EXPECT_EQ(store->get_object(key_of(0), nullptr, nullptr), Miss::absent);
  EXPECT_EQ(store->get_profile(module, run), Miss::hit);
  ASSERT_TRUE(store->prune(0, removed, error));
  EXPECT_EQ(store->get_profile(module, run), Miss::absent);
  EXPECT_EQ(store->stats().modules, 0u);
}

TEST_F(CacheTest, PruneSkipsAModuleInUse) {
  // A store whose limit everything exceeds: writing a module's records (under its lock) must not
  // wait for a prune that wants to remove that module.
  auto store = open(Mode::read_write, 1);
  std::string error;
  Digest module = hash_bytes("m");
  profile::Profile run;
  ASSERT_TRUE(store->merge_profile(module, run, true, error)) << error;
  ASSERT_TRUE(store->update_manifest(module, [](std::string& j) { return true; }, error)) << error;
  fs::Lock held;
  {
    std::string problem;
    fs::Fd d = fs::open_dir(AT_FDCWD, dir_ + "/v1/modules/" + module.hex(), false, problem);
    ASSERT_TRUE(held.acquire(d.get(), "lock", problem)) << problem;
  }
  ASSERT_TRUE(store->put_object(key_of(0), "{}", "code", error)) << error;  // prunes
  EXPECT_EQ(store->get_object(key_of(0), nullptr, nullptr), Miss::absent);
  EXPECT_EQ(store->get_profile(module, run), Miss::hit);  // in use: skipped
  held = fs::Lock();
  Removed removed;
  ASSERT_TRUE(store->prune(0, removed, error));
  EXPECT_EQ(store->get_profile(module, run), Miss::absent);
}

TEST_F(CacheTest, ClearRemovesEverything) {
  auto store = open();
  std::string error;
  for (int i = 0; i < 5; i++) ASSERT_TRUE(store->put_object(key_of(i), "{}", "code", error));
  ASSERT_TRUE(store->update_manifest(hash_bytes("m"), [](std::string& j) { return true; }, error));
  Removed removed;
  ASSERT_TRUE(store->clear(removed, error)) << error;
  EXPECT_EQ(removed.files, 7u);  // five objects, the manifest and its lock
  Stats st = store->stats();
  EXPECT_EQ(st.objects + st.modules + st.bytes + st.hits, 0u);
  ASSERT_TRUE(store->put_object(key_of(0), "{}", "code", error)) << error;  // still usable
  EXPECT_EQ(store->get_object(key_of(0), nullptr, nullptr), Miss::hit);
}

TEST_F(CacheTest, ModulesSummary) {
  auto store = open();
  std::string error;
  Digest module = hash_bytes("m");
  for (int i = 0; i < 3; i++)
    ASSERT_TRUE(store->put_object(key_of(i), meta_of(module, "f" + std::to_string(i), "O2"), "code", error));
  ASSERT_TRUE(store->put_object(key_of(9), "{}", "code", error));  // no module named: not counted
  ASSERT_TRUE(store->update_manifest(module, [&](std::string& j) {
    return j = "{\"units\":[{\"key\":\"" + key_of(0).hex() + "\",\"tier\":\"O2\",\"functions\":[\"a\",\"b\"]},"
               "{\"key\":\"" + key_of(1).hex() + "\",\"tier\":\"O3\",\"functions\":[\"c\"]}]}", true;
  }, error));
  profile::Profile run;
  run.module = "apps/x.bc";
  for (int r = 0; r < 2; r++) ASSERT_TRUE(store->merge_profile(module, run, true, error));
  std::vector<ModuleInfo> mods = store->modules();
  ASSERT_EQ(mods.size(), 1u);
  EXPECT_EQ(mods[0].module, module);
  EXPECT_EQ(mods[0].runs, 2u);
  EXPECT_EQ(mods[0].path, "apps/x.bc");
  EXPECT_EQ(mods[0].objects, 3u);
  EXPECT_EQ(mods[0].bytes, 3 * (96 + meta_of(module, "f0", "O2").size() + 4));
  EXPECT_EQ(mods[0].functions, (std::map<std::string, uint64_t>{{"O2", 2}, {"O3", 1}}));
  EXPECT_GT(mods[0].last_use, 0);
}

TEST(CacheSettings, DefaultDirectory) {
  auto with = [](const char* cache, const char* xdg, const char* home) {
    auto set = [](const char* name, const char* v) { v ? setenv(name, v, 1) : unsetenv(name); };
    set("BAREFLOW_CACHE_DIR", cache);
    set("XDG_CACHE_HOME", xdg);
    set("HOME", home);
    return default_dir();
  };
  EXPECT_EQ(with("/c", "/x", "/h"), "/c");
  EXPECT_EQ(with(nullptr, "/x", "/h"), "/x/bareflow");
  EXPECT_EQ(with("", "rel", "/h"), "/h/.cache/bareflow");  // a relative XDG_CACHE_HOME is ignored
  EXPECT_EQ(with(nullptr, nullptr, nullptr), "");
}

TEST(CacheSettings, SizesAndModes) {
  uint64_t n;
  EXPECT_TRUE(parse_size("4096", n) && n == 4096);
  EXPECT_TRUE(parse_size("512K", n) && n == 512u << 10);
  EXPECT_TRUE(parse_size("64MiB", n) && n == 64u << 20);
  EXPECT_TRUE(parse_size("1G", n) && n == kDefaultMaxBytes);
  EXPECT_TRUE(parse_size("2T", n) && n == uint64_t(2) << 40);
  for (const char* bad : {"", "G", "1X", "-1", "1.5G", "99999999999T", "1 G"})
    EXPECT_FALSE(parse_size(bad, n)) << bad;
  Mode m;
  EXPECT_TRUE(parse_mode("read-only", m) && m == Mode::read_only);
  EXPECT_TRUE(parse_mode("read-write", m) && m == Mode::read_write);
  EXPECT_TRUE(parse_mode("off", m) && m == Mode::off);
  EXPECT_FALSE(parse_mode("readonly", m));
}

TEST(CacheKeys, FieldsAreLengthPrefixed) {
  EXPECT_NE(KeyBuilder().add("a", "bc").finish(), KeyBuilder().add("ab", "c").finish());
  EXPECT_NE(KeyBuilder().add("f", "x").add("g", "").finish(), KeyBuilder().add("f", "xg").finish());
  EXPECT_EQ(KeyBuilder().add("tier", 2).finish(), KeyBuilder().add("tier", 2).finish());
  Digest d = hash_bytes(""), back;
  // BLAKE3 of the empty string, as published with the reference implementation.
  EXPECT_EQ(d.hex(), "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");
  ASSERT_TRUE(Digest::from_hex(d.hex(), back));
  EXPECT_EQ(back, d);
  EXPECT_FALSE(Digest::from_hex(d.hex().substr(1), back));
  EXPECT_FALSE(Digest::from_hex(std::string(64, 'g'), back));
}

}  // namespace
}  // namespace bf::cache::test
