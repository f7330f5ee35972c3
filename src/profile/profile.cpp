#include "profile/profile.h"

#include <llvm/Support/JSON.h>
#include <llvm/Support/raw_ostream.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <unordered_map>

namespace bf::profile {

std::string top_text(const Profile& p, size_t n) {
  std::vector<const FunctionProfile*> order;
  for (const auto& f : p.functions)
    if (f.calls) order.push_back(&f);
  std::stable_sort(order.begin(), order.end(), [&](auto* a, auto* b) {
    return p.timed ? a->exclusive_tsc > b->exclusive_tsc : a->calls > b->calls;
  });
  uint64_t total = 0;
  for (auto* f : order) total += f->exclusive_tsc;
  std::string out;
  char line[512];
  snprintf(line, sizeof line, "%-40s %12s %10s %10s %7s\n", "function", "calls", "incl ms", "excl ms", "excl %");
  out += line;
  for (size_t i = 0; i < order.size() && i < n; i++) {
    const FunctionProfile& f = *order[i];
    double to_ms = p.tsc_hz > 0 ? 1e3 / p.tsc_hz : 0;
    snprintf(line, sizeof line, "%-40.40s %12llu %10.2f %10.2f %6.1f%%\n", f.name.c_str(),
             static_cast<unsigned long long>(f.calls), f.inclusive_tsc * to_ms, f.exclusive_tsc * to_ms,
             total ? 100.0 * f.exclusive_tsc / total : 0.0);
    out += line;
  }
  return out;
}

namespace {

void write_tiers(llvm::json::OStream& j, const char* name, const std::map<std::string, double>& tiers) {
  if (tiers.empty()) return;
  j.attributeObject(name, [&] {
    for (const auto& [tier, weight] : tiers) j.attribute(tier, weight);
  });
}

std::string write(const Profile& p, int version) {
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::json::OStream j(os, 1);
  j.object([&] {
    j.attribute("format", "bareflow-profile");
    j.attribute("version", version);
    j.attribute("module", p.module);
    if (version >= 2) {
      j.attribute("module_hash", p.module_hash);
      j.attribute("runs", static_cast<int64_t>(p.runs));
      j.attribute("run_weight", p.run_weight);
    }
    j.attribute("timed", p.timed);
    j.attribute("tsc_hz", p.tsc_hz);
    j.attributeArray("functions", [&] {
      for (const auto& f : p.functions) {
        j.object([&] {
          j.attribute("name", f.name);
          j.attribute("tier", f.tier);
          j.attribute("calls", static_cast<int64_t>(f.calls));
          j.attribute("inclusive_tsc", static_cast<int64_t>(f.inclusive_tsc));
          j.attribute("exclusive_tsc", static_cast<int64_t>(f.exclusive_tsc));
          j.attribute("blocks", f.blocks);
          if (version >= 2) {
            j.attribute("weight", f.weight);
            write_tiers(j, "tier_ups", f.tier_ups);
            write_tiers(j, "failures", f.failures);
          }
          j.attributeArray("edges", [&] {
            for (const auto& e : f.edges) {
              j.object([&] {
                j.attribute("from", e.from);
                j.attribute("to", e.to);
                j.attribute("successor", e.successor);
                j.attribute("back_edge", e.back_edge);
                j.attribute("count", static_cast<int64_t>(e.count));
              });
            }
          });
        });
      }
    });
  });
  os << "\n";
  return s;
}

// Reading goes through nlohmann/json: a store of the llama app is ~250 KB, and llvm::json's
// parser deep-copies every array element as its vector grows (json::Value's move is not
// noexcept), which made each read take 10-25 ms of every warm run's start and exit.
using Json = nlohmann::json;

const Json* member(const Json& o, const char* key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &*it;
}

// An integer as llvm::json reads one (which wrote these files first): a JSON integer that fits
// int64_t, or a number with no fractional part.
std::optional<int64_t> integer_of(const Json& o, const char* key) {
  const Json* v = member(o, key);
  if (!v || !v->is_number()) return std::nullopt;
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    return u <= uint64_t(INT64_MAX) ? std::optional<int64_t>(int64_t(u)) : std::nullopt;
  }
  if (v->is_number_integer()) return v->get<int64_t>();
  double d = v->get<double>();
  if (d == std::floor(d) && d >= -0x1p63 && d < 0x1p63) return static_cast<int64_t>(d);
  return std::nullopt;
}

// A count read back: never negative.
uint64_t count_of(const Json& o, const char* key) {
  int64_t v = integer_of(o, key).value_or(0);
  return v > 0 ? static_cast<uint64_t>(v) : 0;
}

double number_of(const Json& o, const char* key, double absent) {
  const Json* v = member(o, key);
  return v && v->is_number() ? v->get<double>() : absent;
}

std::string string_of(const Json& o, const char* key) {
  const Json* v = member(o, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

bool bool_of(const Json& o, const char* key) {
  const Json* v = member(o, key);
  return v && v->is_boolean() && v->get<bool>();
}

void read_tiers(const Json& o, const char* key, std::map<std::string, double>& out) {
  const Json* tiers = member(o, key);
  if (!tiers || !tiers->is_object()) return;
  for (const auto& [tier, value] : tiers->items()) {
    double w = value.is_number() ? value.get<double>() : 0;
    if (w > 0) out[tier] = w;
  }
}

FunctionProfile read_function(const Json& o) {
  FunctionProfile f;
  f.name = string_of(o, "name");
  f.tier = string_of(o, "tier");
  f.calls = count_of(o, "calls");
  f.inclusive_tsc = count_of(o, "inclusive_tsc");
  f.exclusive_tsc = count_of(o, "exclusive_tsc");
  f.blocks = static_cast<uint32_t>(count_of(o, "blocks"));
  f.weight = number_of(o, "weight", -1);  // -1: absent (from_json settles it)
  read_tiers(o, "tier_ups", f.tier_ups);
  read_tiers(o, "failures", f.failures);
  if (const Json* es = member(o, "edges"); es && es->is_array()) {
    f.edges.reserve(es->size());
    for (const Json& eo : *es) {
      if (!eo.is_object()) continue;
      Edge e;
      e.from = static_cast<uint32_t>(count_of(eo, "from"));
      e.to = static_cast<uint32_t>(count_of(eo, "to"));
      e.successor = static_cast<uint32_t>(count_of(eo, "successor"));
      e.back_edge = bool_of(eo, "back_edge");
      e.count = count_of(eo, "count");
      f.edges.push_back(e);
    }
  }
  return f;
}

// The JIT's tier-up events of one run ("tier_ups": [{function, from, to, failed?}, ...]) as
// each function's tier_ups/failures: 1 for every tier it reached, or failed to compile at.
void fold_tier_events(const Json& events, Profile& p) {
  std::unordered_map<std::string, FunctionProfile*> by_name;
  for (FunctionProfile& f : p.functions) by_name.emplace(f.name, &f);
  for (const Json& e : events) {
    if (!e.is_object()) continue;
    const Json* name = member(e, "function");
    const Json* to = member(e, "to");
    if (!name || !to || !name->is_string() || !to->is_string()) continue;
    auto it = by_name.find(name->get<std::string>());
    if (it == by_name.end()) continue;
    (bool_of(e, "failed") ? it->second->failures : it->second->tier_ups)[to->get<std::string>()] = 1;
  }
}

}  // namespace

std::string to_json(const Profile& p) { return write(p, 1); }
std::string store_to_json(const Profile& p) { return write(p, 2); }

bool from_json(const std::string& text, Profile& p, std::string& error) {
  Json root;
  try {
    root = Json::parse(text);
  } catch (const Json::exception& e) {
    error = std::string("not JSON: ") + e.what();
    return false;
  }
  if (!root.is_object() || string_of(root, "format") != "bareflow-profile") {
    error = "not a bareflow profile";
    return false;
  }
  std::optional<int64_t> version = integer_of(root, "version");
  if (!version) {
    error = "bareflow profile without a version";
    return false;
  }
  if (*version != 1 && *version != 2) {
    error = "bareflow profile version " + std::to_string(*version) +
            " is not supported (this bareflow reads versions 1 and 2)";
    return false;
  }
  p = Profile{};
  p.module = string_of(root, "module");
  p.module_hash = string_of(root, "module_hash");
  p.runs = count_of(root, "runs");
  p.run_weight = std::max(0.0, number_of(root, "run_weight", 0));
  p.timed = bool_of(root, "timed");
  p.tsc_hz = number_of(root, "tsc_hz", 0);
  if (const Json* fs = member(root, "functions"); fs && fs->is_array()) {
    p.functions.reserve(fs->size());
    for (const Json& o : *fs)
      if (o.is_object()) p.functions.push_back(read_function(o));
  }
  if (const Json* events = member(root, "tier_ups"); events && events->is_array()) fold_tier_events(*events, p);
  // A store written before functions had their own weight: every run counted every function.
  for (FunctionProfile& f : p.functions)
    if (!(f.weight >= 0)) f.weight = *version == 2 ? p.run_weight : 0;
  return true;
}

}  // namespace bf::profile
