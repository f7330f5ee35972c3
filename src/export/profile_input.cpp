// The profile an export optimizes with: the code cache's profile store of the module (a cache
// directory, by default the one `bareflow run` uses), and version 1 files of `bareflow run
// --profile-out`; summed, each checked against the module it claims to describe. The parsing
// stays in src/profile (profile::from_json) and src/cache (the store's entries).
#include <llvm/ADT/StringMap.h>
#include <llvm/IR/CFG.h>
#include <llvm/IR/InlineAsm.h>
#include <llvm/IR/Instructions.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/MemoryBuffer.h>

#include <algorithm>

#include "export/steps.h"

namespace bf::exporter {

using namespace llvm;

namespace {

std::string short_hash(const cache::Digest& d) { return d.hex().substr(0, 16); }

// The module's profile store in the cache at `dir`. A store of another module with the same path
// (the file changed since its runs) is named in the refusal: its counts do not fit these bytes.
bool read_store(const std::string& dir, const cache::Digest& module, const std::string& app, profile::Profile& p,
                std::string& error) {
  cache::Settings settings;
  settings.dir = dir;
  settings.mode = cache::Mode::read_only;
  std::string warning;
  std::unique_ptr<cache::Store> store = cache::Store::open(settings, warning);
  if (!store) {
    error = warning;
    return false;
  }
  const cache::Miss miss = store->get_profile(module, p);
  if (miss == cache::Miss::hit) return true;
  if (miss != cache::Miss::absent) {
    error = dir + ": the profile store of " + app + " is unusable (" + cache::describe(miss) + ")";
    return false;
  }
  std::string real_app;
  {
    SmallString<256> real;
    real_app = sys::fs::real_path(app, real) ? app : std::string(real);
  }
  for (const cache::ModuleInfo& info : store->modules()) {
    SmallString<256> real;
    const std::string other = sys::fs::real_path(info.path, real) ? info.path : std::string(real);
    if (other == real_app && info.runs) {
      error = dir + ": no profile store of " + app + " (module " + short_hash(module) + "): its " +
              std::to_string(info.runs) + " run(s) there were of other bytes (module " + short_hash(info.module) +
              "); run the program as it is now, or export the bitcode those runs ran";
      return false;
    }
  }
  error = dir + ": no profile store of " + app + " (module " + short_hash(module) + "): run it with `bareflow run` "
          "first, or give --profile-from PROFILE.json";
  return false;
}

// One run's counts (version 1), or a store's (version 2, identified by its module hash).
bool read_file(const std::string& path, const Module& m, const cache::Digest& module, profile::Profile& p,
               std::string& error) {
  auto buffer = MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer) {
    error = path + ": " + buffer.getError().message();
    return false;
  }
  std::string why;
  if (!profile::from_json((*buffer)->getBuffer().str(), p, why)) {
    error = path + ": " + why;
    return false;
  }
  if (!p.module_hash.empty() && p.module_hash != module.hex()) {
    error = path + ": a profile of module " + p.module_hash.substr(0, 16) + ", not of " + short_hash(module) +
            " (hash mismatch: another module, or the bitcode changed since)";
    return false;
  }
  // A function a JIT tier compiled before tier 0 ever ran it (a warm run's code from the code
  // cache, or --tier=O1..O3) counted nothing: the profile says little of the program. Those
  // that `auto` always compiles ahead (tier 0 does not enter them) are kept, without counts.
  for (const profile::FunctionProfile& f : p.functions) {
    const Function* def = m.getFunction(f.name);
    if (ran_compiled(f) && !(def && compiled_ahead(*def))) {
      error = path + ": function '" + f.name + "' ran compiled (" + f.tier + ") before tier 0 counted it (a warm run "
              "from the code cache, or --tier=O1..O3): profile with `bareflow run --no-cache`, or export from the "
              "cache's profile store (--profile-from CACHE_DIR)";
      return false;
    }
  }
  return true;
}

}  // namespace

bool read_profiles(const std::vector<std::string>& sources, const Module& m, const cache::Digest& module,
                   const std::string& app, ProfileInput& input, std::string& error) {
  std::vector<std::string> paths = sources;
  if (paths.empty()) {
    const std::string dir = cache::default_dir();
    if (dir.empty() || !sys::fs::is_directory(dir)) {
      error = "no profile: run " + app + " with `bareflow run` first (its profile store in the code cache), or give "
              "--profile-from PROFILE.json (written by `bareflow run --profile-out`)";
      return false;
    }
    paths.push_back(dir);
  }
  for (const std::string& path : paths) {
    profile::Profile p;
    const bool store = sys::fs::is_directory(path);
    if (!(store ? read_store(path, module, app, p, error) : read_file(path, m, module, p, error))) {
      if (sources.empty()) error = "no profile: " + error;
      return false;
    }
    // A version 1 file names the module only by its path: the shape of every function it
    // measured must be the module's. (A store is filed under the module's hash; checked too.)
    std::string why;
    if (!profile_fits(m, p, why)) {
      error = path + ": does not fit " + app + " (a profile of another module?): " + why;
      return false;
    }
    profile::add(input.counts, p);
    input.runs += store || p.runs ? p.runs : 1;
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

bool compiled_ahead(const Function& f) {
  if (f.isVarArg()) return true;
  for (const BasicBlock& b : f)
    for (const Instruction& i : b)
      if (const auto* call = dyn_cast<CallBase>(&i); call && call->isInlineAsm()) return true;
  return false;
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
