// Several processes on one cache directory: writers killed with SIGKILL at random moments leave
// only complete entries (and temporaries nobody reads); four processes writing and reading at
// once see only complete entries and lose no manifest, profile or counter update.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <llvm/Support/JSON.h>

#include <cstdio>

#include "cache/fs.h"
#include "cache_test_util.h"

namespace bf::cache::test {
namespace {

constexpr int kKeys = 32;

// Sizes from 1 KB to about 250 KB, so that kills land inside writes too.
size_t size_of(int k) { return 1000 + size_t(k) * 8000; }

std::unique_ptr<Store> open_quiet(const std::string& dir, Mode mode) {
  std::string warning;
  return Store::open({dir, mode, kDefaultMaxBytes, [](const std::string&) {}}, warning);
}

// Appends a unit naming `key` to the manifest.
bool add_unit(Store& store, const Digest& module, const Digest& key, const std::string& fn) {
  std::string error;
  return store.update_manifest(module, [&](std::string& json) {
    auto parsed = llvm::json::parse(json);
    if (!parsed) return llvm::consumeError(parsed.takeError()), false;
    llvm::json::Object& root = *parsed->getAsObject();
    if (!root.getArray("units")) root["units"] = llvm::json::Array();
    root.getArray("units")->push_back(
        llvm::json::Object{{"key", key.hex()}, {"tier", "O2"}, {"functions", llvm::json::Array{fn}}});
    json.clear();
    llvm::raw_string_ostream(json) << llvm::json::Value(std::move(*parsed));
    return true;
  }, error);
}

profile::Profile run_of(const std::string& fn) {
  profile::Profile p;
  p.functions.resize(2);
  p.functions[0].name = "shared";
  p.functions[1].name = fn;
  p.functions[0].calls = p.functions[1].calls = 1000;
  return p;
}

// The child of a kill trial: writes objects, the manifest and the profile store until killed.
[[noreturn]] void write_until_killed(const std::string& dir, uint64_t seed) {
  auto store = open_quiet(dir, Mode::read_write);
  if (!store) _exit(3);
  std::mt19937_64 rng(seed);
  Digest module = hash_bytes("killed module");
  for (uint64_t i = 0;; i++) {
    int k = int(rng() % kKeys);
    std::string error;
    store->put_object(key_of(k), "{}", payload_of(key_of(k), size_of(k)), error);
    if (i % 3 == 0) add_unit(*store, module, key_of(k), "f" + std::to_string(k));
    if (i % 5 == 0) store->merge_profile(module, run_of("f" + std::to_string(k)), true, error);
  }
}

// Writes paced so that kills and concurrent reads often land in the middle of one.
class CacheProcesses : public CacheTest {
 protected:
  void SetUp() override {
    CacheTest::SetUp();
    fs::slow_writes_for_tests(300);
  }
  void TearDown() override {
    fs::slow_writes_for_tests(0);
    CacheTest::TearDown();
  }
};

// Everything a reader can get from the directory is complete; what verify reports is harmless.
void check_complete(const std::string& dir, int& temporaries, int& hits) {
  auto store = open_quiet(dir, Mode::read_only);
  ASSERT_TRUE(store);
  for (const Problem& p : store->verify().problems) {
    EXPECT_FALSE(p.damaged) << p.path << ": " << p.reason;
    temporaries += p.reason.rfind("temporary", 0) == 0;
  }
  for (int k = 0; k < kKeys; k++) {
    std::string payload;
    Miss m = store->get_object(key_of(k), nullptr, &payload);
    ASSERT_TRUE(m == Miss::hit || m == Miss::absent) << describe(m);
    if (m == Miss::hit) {
      hits++;
      EXPECT_TRUE(payload == payload_of(key_of(k), size_of(k))) << "key " << k << " incomplete";
    }
  }
  Digest module = hash_bytes("killed module");
  std::string manifest;
  Miss m = store->get_manifest(module, manifest);
  EXPECT_TRUE(m == Miss::hit || m == Miss::absent) << describe(m);
  profile::Profile p;
  m = store->get_profile(module, p);
  EXPECT_TRUE(m == Miss::hit || m == Miss::absent) << describe(m);
}

TEST_F(CacheProcesses, KilledWritersLeaveOnlyCompleteEntries) {
  const int n = trials("BF_CACHE_KILL_TRIALS", 20);
  ASSERT_TRUE(open());
  std::mt19937_64 rng(99);
  int temporaries = 0, hits = 0;
  for (int t = 0; t < n; t++) {
    temporaries = hits = 0;  // what the directory holds after this trial
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) write_until_killed(dir_, uint64_t(t));
    usleep(useconds_t(500 + rng() % 30000));
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the writer ended on its own: " << status;
    check_complete(dir_, temporaries, hits);
    if (HasFailure()) break;
  }
  printf("%d kill trials: afterwards %d temporaries (never read) and %d complete objects of %d\n", n, temporaries,
         hits, kKeys);
  // The killed writers' temporaries go at the next prune once they are a minute old.
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(CacheProcesses, FourProcessesShareOneDirectory) {
  constexpr int kProcs = 4, kRounds = 30, kShared = 24;  // objects all of them write and read
  // Two children use the store the parent opened (and used) before forking, two their own.
  auto inherited = open();
  ASSERT_TRUE(inherited);
  std::string error;
  ASSERT_TRUE(inherited->put_object(key_of(0), "{}", payload_of(key_of(0), size_of(0)), error)) << error;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcs; p++) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid) {
      children.push_back(pid);
      continue;
    }
    std::unique_ptr<Store> own = p % 2 ? open_quiet(dir_, Mode::read_write) : nullptr;
    Store* store = p % 2 ? own.get() : inherited.get();
    if (!store) _exit(3);
    std::mt19937_64 rng(uint64_t(p) + 1);
    for (int r = 0; r < kRounds; r++) {
      int k = int(rng() % kShared);
      std::string error, payload;
      if (!store->put_object(key_of(k), "{}", payload_of(key_of(k), size_of(k)), error)) _exit(4);
      for (int other = 0; other < kShared; other++) {
        Miss m = store->get_object(key_of(other), nullptr, &payload);
        if (m == Miss::hit && payload != payload_of(key_of(other), size_of(other))) _exit(5);  // incomplete
        if (m != Miss::hit && m != Miss::absent) _exit(6);
      }
      if (!add_unit(*store, hash_bytes("shared module"), key_of(k), "p" + std::to_string(p))) _exit(7);
      if (!store->merge_profile(hash_bytes("shared module"), run_of("p" + std::to_string(p)), true, error)) _exit(8);
    }
    _exit(0);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child failed: " << status;
  }
  auto store = open(Mode::read_only);
  VerifyReport r = store->verify();
  for (const Problem& p : r.problems) ADD_FAILURE() << p.path << ": " << p.reason;
  // No update lost: every round's manifest unit, profile run and lookup counted.
  std::string manifest;
  ASSERT_EQ(store->get_manifest(hash_bytes("shared module"), manifest), Miss::hit);
  auto parsed = llvm::json::parse(manifest);
  ASSERT_TRUE(bool(parsed));
  EXPECT_EQ(parsed->getAsObject()->getArray("units")->size(), size_t(kProcs * kRounds));
  profile::Profile prof;
  ASSERT_EQ(store->get_profile(hash_bytes("shared module"), prof), Miss::hit);
  EXPECT_EQ(prof.runs, uint64_t(kProcs * kRounds));
  EXPECT_EQ(prof.functions.size(), size_t(kProcs + 1));
  Stats st = store->stats();
  EXPECT_EQ(st.hits + st.misses, uint64_t(kProcs * kRounds * kShared));
  EXPECT_EQ(st.temporaries, 0u);
}

}  // namespace
}  // namespace bf::cache::test
