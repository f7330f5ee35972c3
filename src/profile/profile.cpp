#include "profile/profile.h"

#include <llvm/Support/JSON.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <cstdio>

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

std::string to_json(const Profile& p) {
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::json::OStream j(os, 1);
  j.object([&] {
    j.attribute("format", "bareflow-profile");
    j.attribute("version", 1);
    j.attribute("module", p.module);
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

bool from_json(const std::string& text, Profile& p, std::string& error) {
  auto parsed = llvm::json::parse(text);
  if (!parsed) {
    error = llvm::toString(parsed.takeError());
    return false;
  }
  const llvm::json::Object* root = parsed->getAsObject();
  if (!root || root->getString("format") != "bareflow-profile") {
    error = "not a bareflow profile";
    return false;
  }
  p = Profile{};
  p.module = root->getString("module").value_or("").str();
  p.timed = root->getBoolean("timed").value_or(false);
  p.tsc_hz = root->getNumber("tsc_hz").value_or(0);
  if (const llvm::json::Array* fs = root->getArray("functions")) {
    for (const llvm::json::Value& v : *fs) {
      const llvm::json::Object* o = v.getAsObject();
      if (!o) continue;
      FunctionProfile f;
      f.name = o->getString("name").value_or("").str();
      f.tier = o->getString("tier").value_or("").str();
      f.calls = o->getInteger("calls").value_or(0);
      f.inclusive_tsc = o->getInteger("inclusive_tsc").value_or(0);
      f.exclusive_tsc = o->getInteger("exclusive_tsc").value_or(0);
      f.blocks = o->getInteger("blocks").value_or(0);
      if (const llvm::json::Array* es = o->getArray("edges")) {
        for (const llvm::json::Value& ev : *es) {
          const llvm::json::Object* eo = ev.getAsObject();
          if (!eo) continue;
          Edge e;
          e.from = eo->getInteger("from").value_or(0);
          e.to = eo->getInteger("to").value_or(0);
          e.successor = eo->getInteger("successor").value_or(0);
          e.back_edge = eo->getBoolean("back_edge").value_or(false);
          e.count = eo->getInteger("count").value_or(0);
          f.edges.push_back(e);
        }
      }
      p.functions.push_back(std::move(f));
    }
  }
  return true;
}

}  // namespace bf::profile
