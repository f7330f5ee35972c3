// A module's profile store over many runs: summing runs into it, aging what older runs left so
// that a function hot only long ago stops steering tier decisions, and the difference between
// two snapshots of one run (what a run adds at each of its periodic checkpoints).
#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "profile/profile.h"

namespace bf::profile {

namespace {

uint64_t aged(uint64_t count, double factor) {
  return static_cast<uint64_t>(std::floor(static_cast<double>(count) * factor));
}

void age_tiers(std::map<std::string, double>& tiers, double factor) {
  for (auto it = tiers.begin(); it != tiers.end();) {
    it->second *= factor;
    it = it->second < kForgetBelow ? tiers.erase(it) : std::next(it);
  }
}

void add_tiers(std::map<std::string, double>& into, const std::map<std::string, double>& from) {
  for (const auto& [tier, weight] : from)
    if (weight > 0) into[tier] += weight;
}

uint64_t since(uint64_t now, uint64_t before) { return now > before ? now - before : 0; }

uint64_t edge_key(const Edge& e) { return (uint64_t(e.from) << 32) | e.successor; }

void add_function(FunctionProfile& into, const FunctionProfile& from) {
  if (into.blocks != from.blocks && from.blocks) {
    // Not the same body (the store is keyed by the module's hash, so only a damaged or
    // hand-made file gets here): the newer run's counts replace the old ones.
    const double weight = into.weight;
    into = from;
    into.weight = weight;
    return;
  }
  into.calls += from.calls;
  into.inclusive_tsc += from.inclusive_tsc;
  into.exclusive_tsc += from.exclusive_tsc;
  if (!from.tier.empty() && from.tier != "none") into.tier = from.tier;
  add_tiers(into.tier_ups, from.tier_ups);
  add_tiers(into.failures, from.failures);
  std::unordered_map<uint64_t, size_t> index;
  for (size_t i = 0; i < into.edges.size(); i++) index.emplace(edge_key(into.edges[i]), i);
  for (const Edge& e : from.edges) {
    auto it = index.find(edge_key(e));
    if (it == index.end()) {
      index.emplace(edge_key(e), into.edges.size());
      into.edges.push_back(e);
    } else {
      into.edges[it->second].count += e.count;
    }
  }
}

double aging_factor(double half_life_runs) { return half_life_runs > 0 ? std::exp2(-1.0 / half_life_runs) : 0.0; }

void age_function(FunctionProfile& f, double factor) {
  f.calls = aged(f.calls, factor);
  f.inclusive_tsc = aged(f.inclusive_tsc, factor);
  f.exclusive_tsc = aged(f.exclusive_tsc, factor);
  for (Edge& e : f.edges) e.count = aged(e.count, factor);
  age_tiers(f.tier_ups, factor);
  age_tiers(f.failures, factor);
  f.weight *= factor;
}

}  // namespace

bool counted(const FunctionProfile& in_run) {
  if (in_run.blocks != 0 || in_run.calls != 0 || in_run.tier.empty() || in_run.tier == "interp" || in_run.tier == "none")
    return true;
  return std::any_of(in_run.edges.begin(), in_run.edges.end(), [](const Edge& e) { return e.count != 0; });
}

void age(Profile& store, double half_life_runs) {
  const double factor = aging_factor(half_life_runs);
  store.run_weight *= factor;
  for (FunctionProfile& f : store.functions) age_function(f, factor);
}

void add(Profile& store, const Profile& counts) {
  if (!counts.module.empty()) store.module = counts.module;
  if (store.module_hash.empty()) store.module_hash = counts.module_hash;
  if (counts.tsc_hz > 0) store.tsc_hz = counts.tsc_hz;
  store.timed = store.timed || counts.timed;
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < store.functions.size(); i++) index.emplace(store.functions[i].name, i);
  for (const FunctionProfile& f : counts.functions) {
    auto it = index.find(f.name);
    if (it == index.end()) {
      index.emplace(f.name, store.functions.size());
      store.functions.push_back(f);
    } else {
      add_function(store.functions[it->second], f);
    }
  }
}

void merge(Profile& store, const Profile& run, double half_life_runs) {
  const double factor = aging_factor(half_life_runs);
  std::unordered_map<std::string, const FunctionProfile*> in_run;
  for (const FunctionProfile& f : run.functions) in_run.emplace(f.name, &f);
  Profile counts;  // what add() takes: the run's header, and the functions the run counted
  counts.module = run.module;
  counts.module_hash = run.module_hash;
  counts.tsc_hz = run.tsc_hz;
  counts.timed = run.timed;
  std::unordered_set<std::string> stored;
  for (FunctionProfile& f : store.functions) {
    stored.insert(f.name);
    auto it = in_run.find(f.name);
    if (it != in_run.end() && !counted(*it->second)) {
      if (!it->second->tier.empty()) f.tier = it->second->tier;
      add_tiers(f.tier_ups, it->second->tier_ups);
      add_tiers(f.failures, it->second->failures);
      continue;
    }
    age_function(f, factor);
    f.weight += 1;
  }
  for (const FunctionProfile& f : run.functions) {
    const bool known = stored.count(f.name) != 0;
    if (known && !counted(f)) continue;
    counts.functions.push_back(f);
    if (!known) counts.functions.back().weight = counted(f) ? 1 : 0;
  }
  add(store, counts);
  store.run_weight = store.run_weight * factor + 1;
  store.runs += 1;
}

Profile subtract(const Profile& now, const Profile& before) {
  Profile d = now;
  d.runs = 0;
  d.run_weight = 0;
  std::unordered_map<std::string, const FunctionProfile*> old;
  for (const FunctionProfile& f : before.functions) old.emplace(f.name, &f);
  for (FunctionProfile& f : d.functions) {
    auto it = old.find(f.name);
    if (it == old.end() || it->second->blocks != f.blocks) continue;
    const FunctionProfile& b = *it->second;
    f.calls = since(f.calls, b.calls);
    f.inclusive_tsc = since(f.inclusive_tsc, b.inclusive_tsc);
    f.exclusive_tsc = since(f.exclusive_tsc, b.exclusive_tsc);
    std::unordered_map<uint64_t, uint64_t> counts;
    for (const Edge& e : b.edges) counts.emplace(edge_key(e), e.count);
    for (Edge& e : f.edges) {
      auto c = counts.find(edge_key(e));
      if (c != counts.end()) e.count = since(e.count, c->second);
    }
    for (auto* tiers : {&f.tier_ups, &f.failures}) {
      const auto& was = tiers == &f.tier_ups ? b.tier_ups : b.failures;
      for (auto t = tiers->begin(); t != tiers->end();) {
        auto w = was.find(t->first);
        if (w != was.end()) t->second = std::max(0.0, t->second - w->second);
        t = t->second > 0 ? std::next(t) : tiers->erase(t);
      }
    }
  }
  return d;
}

}  // namespace bf::profile
