// The profile an export optimizes with: version 1 files of `bareflow run --profile-out`, summed,
// and checked against the module they claim to describe. The parsing itself stays in
// src/profile (profile::from_json), the one reader of the format.
#include <llvm/ADT/StringMap.h>
#include <llvm/IR/CFG.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/MemoryBuffer.h>

#include <algorithm>
#include <map>

#include "export/steps.h"

namespace bf::exporter {

using namespace llvm;

namespace {

// Adds `from` into `into`: functions by name, edges by (from, successor).
void add_counts(profile::Profile& into, const profile::Profile& from) {
  if (into.functions.empty()) {
    into = from;
    return;
  }
  StringMap<size_t> index;
  for (size_t i = 0; i < into.functions.size(); i++) index[into.functions[i].name] = i;
  for (const profile::FunctionProfile& f : from.functions) {
    auto it = index.find(f.name);
    if (it == index.end()) continue;  // impossible once both fit the module
    profile::FunctionProfile& g = into.functions[it->second];
    g.calls += f.calls;
    g.inclusive_tsc += f.inclusive_tsc;
    g.exclusive_tsc += f.exclusive_tsc;
    std::map<std::pair<uint32_t, uint32_t>, size_t> edges;
    for (size_t i = 0; i < g.edges.size(); i++) edges[{g.edges[i].from, g.edges[i].successor}] = i;
    for (const profile::Edge& e : f.edges) {
      auto found = edges.find({e.from, e.successor});
      if (found == edges.end()) g.edges.push_back(e);
      else g.edges[found->second].count += e.count;
    }
  }
  into.timed = into.timed || from.timed;
  if (into.tsc_hz == 0) into.tsc_hz = from.tsc_hz;
}

}  // namespace

bool read_profiles(const std::vector<std::string>& paths, const Module& m, const std::string& app,
                   ProfileInput& input, std::string& error) {
  if (paths.empty()) {
    error = "no profile: give --profile-from PROFILE.json (written by `bareflow run --profile-out`)";
    return false;
  }
  for (const std::string& path : paths) {
    if (sys::fs::is_directory(path)) {
      error = path + ": a directory; reading a code cache's profile store is not wired to export yet "
                     "(give a PROFILE.json from `bareflow run --profile-out`)";
      return false;
    }
    auto buffer = MemoryBuffer::getFile(path, /*IsText=*/true);
    if (!buffer) {
      error = path + ": " + buffer.getError().message();
      return false;
    }
    profile::Profile p;
    std::string why;
    if (!profile::from_json((*buffer)->getBuffer().str(), p, why)) {
      error = path + ": " + why;
      return false;
    }
    // Version 1 names the module only by its path: the shape of every function it measured
    // must be the module's.
    if (!profile_fits(m, p, why)) {
      error = path + ": does not fit " + app + " (a profile of another module?): " + why;
      return false;
    }
    add_counts(input.counts, p);
    input.runs++;
  }
  uint64_t calls = 0;
  for (const profile::FunctionProfile& f : input.counts.functions) calls += f.calls;
  if (calls == 0) {
    error = paths[0] + ": counts no call at all (a run at --tier=O1..O3 compiles everything before counting; "
                       "profile with --tier=auto or --tier=interp)";
    return false;
  }
  return true;
}

bool profile_fits(const Module& m, const profile::Profile& p, std::string& error) {
  StringMap<const profile::FunctionProfile*> by_name;
  for (const profile::FunctionProfile& f : p.functions) by_name[f.name] = &f;
  for (const Function& f : m) {
    if (f.isDeclaration()) continue;
    auto it = by_name.find(f.getName());
    if (it == by_name.end()) {
      error = "the module's function '" + f.getName().str() + "' is not in the profile";
      return false;
    }
    const profile::FunctionProfile& pf = *it->second;
    by_name.erase(it);
    if (pf.blocks && pf.blocks != f.size()) {  // 0: never translated, so never measured
      error = "function '" + pf.name + "' has " + std::to_string(pf.blocks) + " blocks in the profile, " +
              std::to_string(f.size()) + " in the module";
      return false;
    }
    std::vector<const BasicBlock*> blocks;
    for (const BasicBlock& b : f) blocks.push_back(&b);
    for (const profile::Edge& e : pf.edges) {
      const Instruction* term = e.from < blocks.size() ? blocks[e.from]->getTerminator() : nullptr;
      bool fits = term && e.to < blocks.size() && e.successor < term->getNumSuccessors() &&
                  term->getSuccessor(e.successor) == blocks[e.to];
      if (!fits) {
        error = "function '" + pf.name + "' has no edge from block " + std::to_string(e.from) + " to block " +
                std::to_string(e.to) + " (successor " + std::to_string(e.successor) + ") in the module";
        return false;
      }
    }
  }
  if (!by_name.empty()) {
    error = "the profile names function '" + by_name.begin()->getKey().str() + "', which the module does not define";
    return false;
  }
  return true;
}

std::vector<FunctionTime> top_functions(const profile::Profile& p, size_t n) {
  std::vector<const profile::FunctionProfile*> order;
  uint64_t total = 0;
  for (const profile::FunctionProfile& f : p.functions) {
    if (!f.calls) continue;
    order.push_back(&f);
    total += p.timed ? f.exclusive_tsc : f.calls;
  }
  std::stable_sort(order.begin(), order.end(), [&](auto* a, auto* b) {
    return p.timed ? a->exclusive_tsc > b->exclusive_tsc : a->calls > b->calls;
  });
  std::vector<FunctionTime> top;
  for (size_t i = 0; i < order.size() && i < n; i++) {
    const profile::FunctionProfile& f = *order[i];
    FunctionTime t;
    t.name = f.name;
    t.calls = f.calls;
    t.ms = p.timed && p.tsc_hz > 0 ? f.exclusive_tsc * 1e3 / p.tsc_hz : 0;
    t.percent = total ? 100.0 * (p.timed ? f.exclusive_tsc : f.calls) / total : 0;
    top.push_back(t);
  }
  return top;
}

}  // namespace bf::exporter
