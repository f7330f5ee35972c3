// The profile store's data model: merging runs, aging (a function hot only in old runs fades
// below the thresholds), checkpoints of one run, and the JSON versions 1 and 2.
#include <cmath>

#include "cache_test_util.h"

namespace bf::cache::test {
namespace {

using profile::FunctionProfile;
using profile::Profile;

const FunctionProfile* find(const Profile& p, const std::string& name) {
  for (const FunctionProfile& f : p.functions)
    if (f.name == name) return &f;
  return nullptr;
}

FunctionProfile fn(const std::string& name, uint64_t calls, uint64_t loop_count = 0) {
  FunctionProfile f;
  f.name = name;
  f.calls = calls;
  f.blocks = 3;
  f.tier = "O2";
  f.edges = {{0, 1, 0, false, calls}, {1, 1, 0, true, loop_count}, {1, 2, 1, false, calls}};
  if (calls) f.tier_ups["O1"] = f.tier_ups["O2"] = 1;
  return f;
}

TEST(ProfileStore, MergeSumsFunctionsAndEdges) {
  Profile store, a, b;
  a.module = "a.bc";
  a.functions = {fn("f", 10, 100)};
  b.module = "b.bc";
  b.functions = {fn("f", 5, 50), fn("g", 7)};
  b.functions[0].failures["O3"] = 1;
  profile::merge(store, a, /*half_life_runs=*/1e9);  // no aging to speak of: exact sums
  profile::merge(store, b, 1e9);
  EXPECT_EQ(store.runs, 2u);
  EXPECT_NEAR(store.run_weight, 2.0, 1e-6);
  EXPECT_EQ(store.module, "b.bc");
  const FunctionProfile* f = find(store, "f");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->calls, 14u);  // 10 aged by a factor just under 1 rounds down to 9
  EXPECT_EQ(f->edges[1].count, 149u);
  EXPECT_NEAR(f->tier_ups.at("O2"), 2.0, 1e-6);
  EXPECT_NEAR(f->failures.at("O3"), 1.0, 1e-6);
  ASSERT_TRUE(find(store, "g"));
  EXPECT_EQ(find(store, "g")->calls, 7u);
}

TEST(ProfileStore, OldHotSpotsFade) {
  // "old" is hot in the first three runs only; "steady" is warm in every run.
  const double half_life = profile::kDefaultHalfLifeRuns;
  Profile store;
  Profile hot_run, quiet_run;
  hot_run.functions = {fn("old", 1000000, 5000000), fn("steady", 1000)};
  quiet_run.functions = {fn("old", 0), fn("steady", 1000)};
  for (int i = 0; i < 3; i++) profile::merge(store, hot_run);
  const uint64_t peak = find(store, "old")->calls;
  EXPECT_GT(peak, 2500000u);
  int runs_after = 0;
  for (; runs_after < int(half_life); runs_after++) profile::merge(store, quiet_run);
  // One half-life later: half of it (rounding down may take a little more).
  EXPECT_LE(find(store, "old")->calls, peak / 2);
  EXPECT_GE(find(store, "old")->calls, peak / 2 - 10);
  EXPECT_TRUE(find(store, "old")->tier_ups.count("O2"));  // still remembered
  // Per run, "old" falls below tier 2's threshold (50000 calls) within five half-lives, and
  // its tier-ups are forgotten; "steady" holds at its own rate.
  auto per_run = [&](const char* name) { return profile::per_run(find(store, name)->calls, *find(store, name)); };
  while (per_run("old") >= 50000 && runs_after < 100) profile::merge(store, quiet_run), runs_after++;
  EXPECT_LE(runs_after, int(5 * half_life));
  for (int i = 0; i < 3 * int(half_life); i++) profile::merge(store, quiet_run);
  EXPECT_FALSE(find(store, "old")->tier_ups.count("O2"));
  EXPECT_TRUE(find(store, "steady")->tier_ups.count("O2"));
  EXPECT_NEAR(per_run("steady"), 1000, 10);
  EXPECT_LT(per_run("old"), 50000.0 / 8);  // three half-lives later
  // Counts that stop recurring reach zero rather than lingering.
  for (int i = 0; i < 40 * int(half_life); i++) profile::merge(store, quiet_run);
  EXPECT_EQ(find(store, "old")->calls, 0u);
  EXPECT_EQ(find(store, "old")->edges[1].count, 0u);
  EXPECT_EQ(store.runs, uint64_t(3 + runs_after + 43 * int(half_life)));
}

TEST(ProfileStore, WarmRunsKeepWhatTheyCouldNotCount) {
  // A warm run that runs "hot" compiled from the code cache counts nothing of it: its entry and
  // its mean per run stay, while "idle" (translated but not called) ages as before.
  Profile store, cold, warm;
  cold.functions = {fn("hot", 1000, 80000), fn("idle", 500)};
  FunctionProfile compiled = fn("hot", 0);
  compiled.blocks = 0;
  compiled.tier = "O3";
  compiled.edges.clear();
  compiled.tier_ups.clear();
  warm.functions = {compiled, fn("idle", 0)};
  for (int i = 0; i < 2; i++) profile::merge(store, cold);
  const FunctionProfile before = *find(store, "hot");
  for (int i = 0; i < 40; i++) profile::merge(store, warm);
  const FunctionProfile* hot = find(store, "hot");
  EXPECT_EQ(hot->calls, before.calls);
  EXPECT_EQ(hot->edges[1].count, before.edges[1].count);
  EXPECT_DOUBLE_EQ(hot->weight, before.weight);
  EXPECT_NEAR(profile::per_run(hot->calls, *hot), 1000, 1);
  EXPECT_EQ(hot->tier, "O3");
  EXPECT_TRUE(hot->tier_ups.count("O2"));
  EXPECT_EQ(find(store, "idle")->calls, 0u);
  EXPECT_EQ(store.runs, 42u);
  // Counting it again (a cold run) ages it and adds, as any run would.
  profile::merge(store, cold);
  EXPECT_GT(find(store, "hot")->weight, before.weight);
  EXPECT_NEAR(profile::per_run(find(store, "hot")->calls, *find(store, "hot")), 1000, 1);
  // The per-function weight goes through JSON; a store without it takes the store's.
  Profile back;
  std::string error;
  ASSERT_TRUE(profile::from_json(profile::store_to_json(store), back, error)) << error;
  EXPECT_DOUBLE_EQ(find(back, "hot")->weight, find(store, "hot")->weight);
  ASSERT_TRUE(profile::from_json(R"({"format": "bareflow-profile", "version": 2, "run_weight": 3.5,
      "functions": [{"name": "f", "calls": 7}]})", back, error)) << error;
  EXPECT_DOUBLE_EQ(back.functions[0].weight, 3.5);
}

TEST(ProfileStore, OneEventFadesAfterAboutAHalfLife) {
  Profile store, failed, quiet;
  failed.functions = {fn("f", 10)};
  failed.functions[0].failures["O3"] = 1;
  quiet.functions = {fn("f", 10)};
  profile::merge(store, failed);
  int runs = 0;
  while (find(store, "f")->failures.count("O3") && runs < 100) profile::merge(store, quiet), runs++;
  // 1 halves to 0.5 in a half-life and is dropped below that.
  EXPECT_GE(runs, int(profile::kDefaultHalfLifeRuns));
  EXPECT_LE(runs, int(profile::kDefaultHalfLifeRuns) + 1);
}

TEST(ProfileStore, SubtractGivesWhatARunCountedSince) {
  Profile before, now;
  before.functions = {fn("f", 10, 100)};
  now.functions = {fn("f", 25, 130), fn("g", 4)};
  now.functions[0].failures["O3"] = 1;
  Profile d = profile::subtract(now, before);
  EXPECT_EQ(find(d, "f")->calls, 15u);
  EXPECT_EQ(find(d, "f")->edges[1].count, 30u);
  EXPECT_FALSE(find(d, "f")->tier_ups.count("O2"));  // already reached before
  EXPECT_EQ(find(d, "f")->failures.at("O3"), 1.0);
  EXPECT_EQ(find(d, "g")->calls, 4u);
}

TEST_F(CacheTest, RunCheckpointsCountTheRunOnce) {
  auto store = open();
  Digest module = hash_bytes("bitcode");
  std::string error;
  Profile so_far;
  so_far.module = "x.bc";
  {
    RunRecorder run(*store, module);
    for (uint64_t calls : {100, 250, 400}) {
      so_far.functions = {fn("f", calls, calls * 10)};
      ASSERT_TRUE(run.checkpoint(so_far, error)) << error;
    }
  }
  Profile p;
  ASSERT_EQ(store->get_profile(module, p), Miss::hit);
  EXPECT_EQ(p.runs, 1u);
  EXPECT_EQ(p.module_hash, module.hex());
  EXPECT_EQ(find(p, "f")->calls, 400u);
  EXPECT_EQ(find(p, "f")->edges[1].count, 4000u);
  EXPECT_NEAR(find(p, "f")->tier_ups.at("O2"), 1.0, 1e-9);
  // A second run, killed after its first checkpoint: what it had counted stays.
  RunRecorder killed(*store, module);
  so_far.functions = {fn("f", 100, 0)};
  ASSERT_TRUE(killed.checkpoint(so_far, error));
  ASSERT_EQ(store->get_profile(module, p), Miss::hit);
  EXPECT_EQ(p.runs, 2u);
  EXPECT_EQ(find(p, "f")->calls, uint64_t(std::floor(400 * std::exp2(-1 / profile::kDefaultHalfLifeRuns))) + 100);
}

// A store keeps the last profile it read or wrote and takes it instead of parsing the same bytes
// again; what another process merged in between must still be seen.
TEST_F(CacheTest, MergeSeesWhatAnotherProcessMerged) {
  auto ours = open();
  auto theirs = open();  // another process: a Store of its own on the same directory
  Digest module = hash_bytes("bitcode");
  std::string error;
  Profile run;
  run.functions = {fn("f", 100)};
  ASSERT_TRUE(ours->merge_profile(module, run, true, error, 1e9)) << error;
  Profile p;
  ASSERT_EQ(ours->get_profile(module, p), Miss::hit);  // from the copy it kept
  EXPECT_EQ(find(p, "f")->calls, 100u);
  run.functions = {fn("f", 10), fn("g", 5)};
  ASSERT_TRUE(theirs->merge_profile(module, run, true, error, 1e9)) << error;
  run.functions = {fn("f", 1)};
  ASSERT_TRUE(ours->merge_profile(module, run, true, error, 1e9)) << error;
  for (Store* s : {ours.get(), theirs.get()}) {
    ASSERT_EQ(s->get_profile(module, p), Miss::hit);
    EXPECT_EQ(p.runs, 3u);
    // Aging by a factor just under 1 rounds down: 100 aged twice is 99, 10 and 5 once 9 and 4.
    EXPECT_EQ(find(p, "f")->calls, 99u + 9u + 1u);
    ASSERT_TRUE(find(p, "g"));
    EXPECT_EQ(find(p, "g")->calls, 4u);
  }
}

// What `bareflow run --profile-out` writes today, with the JIT's tier-up events.
const char kVersion1[] = R"({
 "format": "bareflow-profile",
 "version": 1,
 "module": "osr.O2.bc",
 "timed": true,
 "tsc_hz": 2994000000.0,
 "functions": [
  {"name": "main", "tier": "O2", "calls": 1, "inclusive_tsc": 51234, "exclusive_tsc": 51000, "blocks": 3,
   "edges": [{"from": 1, "to": 1, "successor": 0, "back_edge": true, "count": 9}]},
  {"name": "helper", "tier": "O1", "calls": 7, "inclusive_tsc": 0, "exclusive_tsc": 0, "blocks": 1, "edges": []}
 ],
 "tier_ups": [
  {"t": 0.01, "function": "main", "from": "interp", "to": "O1", "compile_ms": 3.2, "bytes": 400},
  {"t": 0.20, "function": "main", "from": "O1", "to": "O2", "compile_ms": 9.1, "bytes": 900},
  {"t": 0.30, "function": "helper", "from": "O1", "to": "O3", "compile_ms": 1.0, "bytes": 0, "failed": true}
 ]
})";

TEST(ProfileFormat, ReadsVersion1WithTierUps) {
  Profile p;
  std::string error;
  ASSERT_TRUE(profile::from_json(kVersion1, p, error)) << error;
  EXPECT_EQ(p.runs, 0u);
  EXPECT_TRUE(p.timed);
  const FunctionProfile* main = find(p, "main");
  ASSERT_TRUE(main);
  EXPECT_EQ(main->exclusive_tsc, 51000u);
  EXPECT_EQ(main->edges.at(0).count, 9u);
  EXPECT_EQ(main->tier_ups, (std::map<std::string, double>{{"O1", 1}, {"O2", 1}}));
  EXPECT_TRUE(main->failures.empty());
  EXPECT_EQ(find(p, "helper")->failures, (std::map<std::string, double>{{"O3", 1}}));
  EXPECT_TRUE(find(p, "helper")->tier_ups.empty());
  // --profile-out keeps writing version 1.
  EXPECT_NE(profile::to_json(p).find("\"version\": 1,"), std::string::npos);
}

TEST(ProfileFormat, Version2RoundTrip) {
  Profile s;
  std::string error;
  ASSERT_TRUE(profile::from_json(kVersion1, s, error));
  s.module_hash = hash_bytes("bitcode").hex();
  Profile run = s;
  profile::merge(s, run);
  std::string text = profile::store_to_json(s);
  EXPECT_NE(text.find("\"version\": 2,"), std::string::npos);
  Profile back;
  ASSERT_TRUE(profile::from_json(text, back, error)) << error;
  EXPECT_EQ(profile::store_to_json(back), text);
  EXPECT_EQ(back.runs, 1u);
  EXPECT_EQ(back.module_hash, s.module_hash);
}

TEST(ProfileFormat, RefusesUnknownVersionsInOneLine) {
  Profile p;
  std::string error, text = kVersion1;
  text.replace(text.find("\"version\": 1"), 12, "\"version\": 3");
  EXPECT_FALSE(profile::from_json(text, p, error));
  EXPECT_EQ(error, "bareflow profile version 3 is not supported (this bareflow reads versions 1 and 2)");
  EXPECT_FALSE(profile::from_json(R"({"format": "bareflow-profile"})", p, error));
  EXPECT_EQ(error, "bareflow profile without a version");
  EXPECT_FALSE(profile::from_json(R"({"format": "other", "version": 1})", p, error));
  EXPECT_EQ(error, "not a bareflow profile");
  EXPECT_FALSE(profile::from_json("{", p, error));
  EXPECT_EQ(error.rfind("not JSON: ", 0), 0u) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace bf::cache::test
