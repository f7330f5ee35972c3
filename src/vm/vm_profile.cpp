// Gathers the counters kept beside the code into a profile::Profile.
#include "profile/profile.h"
#include "vm/machine.h"

namespace bf::vm {

namespace {
profile::Profile collect(const Machine& m) {
  profile::Profile p;
  p.module = m.path;
  p.timed = m.profile;
  p.tsc_hz = m.tsc_hz;
  for (const auto& f : m.functions) {
    profile::FunctionProfile fp;
    fp.name = f->name;
    fp.calls = f->calls.load(std::memory_order_relaxed);
    fp.inclusive_tsc = f->inclusive_tsc.load(std::memory_order_relaxed);
    fp.exclusive_tsc = f->exclusive_tsc.load(std::memory_order_relaxed);
    fp.tier = "interp";
    if (const Code* c = f->code.load(std::memory_order_acquire)) {
      fp.blocks = c->num_blocks;
      for (size_t i = 1; i < c->edges.size(); i++) {
        const EdgeInfo& e = c->edges[i];
        fp.edges.push_back({e.from_block, e.to_block, e.successor, e.back_edge,
                            c->counters[i].load(std::memory_order_relaxed)});
      }
    } else {
      fp.tier = "none";
    }
    p.functions.push_back(std::move(fp));
  }
  return p;
}
}  // namespace

void Program::set_tsc_hz(double hz) { machine_->tsc_hz = hz; }
std::string Program::profile_text(size_t top) const { return profile::top_text(collect(*machine_), top); }
std::string Program::profile_json() const { return profile::to_json(collect(*machine_)); }
profile::Profile Program::profile() const { return collect(*machine_); }
const std::array<uint8_t, 32>& Program::module_hash() const { return machine_->module_hash; }
const std::string& Program::path() const { return machine_->path; }
size_t Program::function_count() const { return machine_->functions.size(); }
const std::string& Program::function_name(uint32_t k) const { return machine_->functions[k]->name; }

}  // namespace bf::vm
