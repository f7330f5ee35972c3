#include "profile/profile.h"

#include <llvm/Support/JSON.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <cstdio>
#include <optional>

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

// A count read back: JSON integers, never negative.
uint64_t count_of(const llvm::json::Object& o, llvm::StringRef key) {
  int64_t v = o.getInteger(key).value_or(0);
  return v > 0 ? static_cast<uint64_t>(v) : 0;
}

void read_tiers(const llvm::json::Object& o, llvm::StringRef key, std::map<std::string, double>& out) {
  const llvm::json::Object* tiers = o.getObject(key);
  if (!tiers) return;
  for (const auto& [tier, value] : *tiers) {
    double w = value.getAsNumber().value_or(0);
    if (w > 0) out[tier.str()] = w;
  }
}

FunctionProfile read_function(const llvm::json::Object& o) {
  FunctionProfile f;
  f.name = o.getString("name").value_or("").str();
  f.tier = o.getString("tier").value_or("").str();
  f.calls = count_of(o, "calls");
  f.inclusive_tsc = count_of(o, "inclusive_tsc");
  f.exclusive_tsc = count_of(o, "exclusive_tsc");
  f.blocks = static_cast<uint32_t>(count_of(o, "blocks"));
  f.weight = o.getNumber("weight").value_or(-1);  // -1: absent (from_json settles it)
  read_tiers(o, "tier_ups", f.tier_ups);
  read_tiers(o, "failures", f.failures);
  if (const llvm::json::Array* es = o.getArray("edges")) {
    for (const llvm::json::Value& ev : *es) {
      const llvm::json::Object* eo = ev.getAsObject();
      if (!eo) continue;
      Edge e;
      e.from = static_cast<uint32_t>(count_of(*eo, "from"));
      e.to = static_cast<uint32_t>(count_of(*eo, "to"));
      e.successor = static_cast<uint32_t>(count_of(*eo, "successor"));
      e.back_edge = eo->getBoolean("back_edge").value_or(false);
      e.count = count_of(*eo, "count");
      f.edges.push_back(e);
    }
  }
  return f;
}

// The JIT's tier-up events of one run ("tier_ups": [{function, from, to, failed?}, ...]) as
// each function's tier_ups/failures: 1 for every tier it reached, or failed to compile at.
void fold_tier_events(const llvm::json::Array& events, Profile& p) {
  for (const llvm::json::Value& v : events) {
    const llvm::json::Object* e = v.getAsObject();
    if (!e) continue;
    auto name = e->getString("function");
    auto to = e->getString("to");
    if (!name || !to) continue;
    for (FunctionProfile& f : p.functions) {
      if (f.name != *name) continue;
      (e->getBoolean("failed").value_or(false) ? f.failures : f.tier_ups)[to->str()] = 1;
      break;
    }
  }
}

}  // namespace

std::string to_json(const Profile& p) { return write(p, 1); }
std::string store_to_json(const Profile& p) { return write(p, 2); }

bool from_json(const std::string& text, Profile& p, std::string& error) {
  auto parsed = llvm::json::parse(text);
  if (!parsed) {
    error = "not JSON: " + llvm::toString(parsed.takeError());
    return false;
  }
  const llvm::json::Object* root = parsed->getAsObject();
  if (!root || root->getString("format") != "bareflow-profile") {
    error = "not a bareflow profile";
    return false;
  }
  std::optional<int64_t> version = root->getInteger("version");
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
  p.module = root->getString("module").value_or("").str();
  p.module_hash = root->getString("module_hash").value_or("").str();
  p.runs = count_of(*root, "runs");
  p.run_weight = std::max(0.0, root->getNumber("run_weight").value_or(0));
  p.timed = root->getBoolean("timed").value_or(false);
  p.tsc_hz = root->getNumber("tsc_hz").value_or(0);
  if (const llvm::json::Array* fs = root->getArray("functions")) {
    for (const llvm::json::Value& v : *fs)
      if (const llvm::json::Object* o = v.getAsObject()) p.functions.push_back(read_function(*o));
  }
  if (const llvm::json::Array* events = root->getArray("tier_ups")) fold_tier_events(*events, p);
  // A store written before functions had their own weight: every run counted every function.
  for (FunctionProfile& f : p.functions)
    if (!(f.weight >= 0)) f.weight = *version == 2 ? p.run_weight : 0;
  return true;
}

}  // namespace bf::profile
