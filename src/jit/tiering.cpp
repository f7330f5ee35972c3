// Tiering policy and the background compiler.
//
// `auto`: one compiler thread reads the tier-0 counters every poll_us (the interpreter pays
// nothing for the policy and never waits) and compiles the hottest function that has earned a
// higher tier. Tier 1 (O1) keeps counting calls and branch edges into the same counters, tier 2
// counts calls, so that a function goes on up; tiers 2-3 get the profile as !prof and copies of
// hot callees to inline. Publishing a compile is a slot swap in the function table
// (vm/function_table.h).
// O1-O3: the whole module compiles in one unit before main runs.
#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <time.h>
#include <unistd.h>

#include <llvm/Support/FormatVariadic.h>
#include <llvm/Support/JSON.h>

#include "jit/compiler.h"
#include "jit/jit.h"
#include "jit/osr.h"
#include "profile/profile.h"
#include "vm/machine.h"
#include "vm/vm.h"

namespace bf::jit {

namespace {

const char* tier_name(int tier) {
  static const char* names[] = {"interp", "O1", "O2", "O3"};
  return names[tier < 0 || tier > 3 ? 0 : tier];
}

struct Event {
  double seconds;  // since the JIT started
  std::string function;
  int from, to;
  double compile_ms;
  uint64_t bytes;
  bool failed;
};

class TieringImpl final : public Tiering {
 public:
  TieringImpl(vm::Program& program, const Options& o, const History& history)
      : program_(program), m_(program.machine()), options_(o), history_(history),
        start_(std::chrono::steady_clock::now()) {}
  ~TieringImpl() override {
    program_.set_shutdown_hook(nullptr);
    stop();
  }

  bool init(std::string& error) {
    compiler_ = Compiler::create(m_, options_, error);
    if (!compiler_) return false;
    compiler_->set_cache(history_.cache);
    last_hotness_.assign(m_.functions.size(), 0);
    last_calls_.assign(m_.functions.size(), 0);
    failed_.assign(m_.functions.size(), 0);
    unit_of_.assign(m_.functions.size(), {});
    if (options_.perf_map) {
      std::string path = "/tmp/perf-" + std::to_string(getpid()) + ".map";
      perf_map_ = fopen(path.c_str(), "w");
      if (!perf_map_) fprintf(stderr, "bareflow: %s: cannot write the perf map\n", path.c_str());
    }
    return true;
  }

  bool compile_everything(int tier, std::string& error) {
    CompileRequest request;
    request.tier = tier;
    for (uint32_t k = 0; k < m_.functions.size(); k++) request.roots.push_back(k);
    CompileResult result;
    if (!compiler_->compile(request, result, error)) return false;
    publish(request, result, "<module>");
    return true;
  }

  // Functions tier 0 cannot run (inline assembly) are compiled before their first call, and so
  // are variadic functions: compiled code that calls one through a pointer needs its native
  // code (a variadic function has no native entry into the interpreter).
  void compile_what_tier0_cannot_run() {
    CompileRequest request;
    request.tier = 1;
    for (uint32_t k = 0; k < m_.functions.size(); k++)
      if (tier_of(k) == 0 && (m_.functions[k]->is_vararg || vm::needs_compiled_asm(*m_.functions[k]->ir)))
        request.roots.push_back(k);
    if (!request.roots.empty()) compile_unit(request);
  }

  void start_background() {
    thread_ = std::thread([this] { run(); });
  }

  // The units of earlier runs, before main: each function goes straight to the tier it had.
  // A unit that does not link is reported (tier log) and left; its functions start interpreted.
  void link_history_units() {
    for (const auto& [unit, object] : history_.units) {
      CompileRequest request;
      request.tier = unit.tier;
      for (uint32_t k : unit.roots)
        if (k < m_.functions.size() && tier_of(k) < unit.tier) request.roots.push_back(k);
      if (request.roots.empty()) continue;
      CompileResult result;
      std::string error;
      if (!compiler_->link_object(object, request, result, error)) {
        if (history_.log) history_.log("cache: unit " + unit.key.hex() + " does not link, compiled again when hot: " + error);
        continue;
      }
      result.key = unit.key;
      publish(request, result, nullptr);
    }
    history_.units.clear();  // linked: the objects' bytes are the JIT's now
  }

  // Functions that earlier runs found hot (their mean hotness per run in the profile store
  // reaches tier1_hotness, or a run took them to a tier) go first on the compiler thread, before
  // any poll, hottest first. The profile that tiers 1-2 are there to gather is already in the
  // store, so they go to plan_tier at once (0: to the tier each reached or earned), leaving out
  // tiers whose compiles failed.
  void plan_from_history() {
    const profile::Profile* store = history_.profile ? history_.profile() : nullptr;
    compiler_->set_history(store);
    make_plan(store);
  }

  // The plan from `store` (plan_from_history). A function this run has compiled or loaded
  // counts as taken to a tier, and this run's failures as the store's: at exit
  // (finish_compiles) that is what the store will hold once the run is in it.
  void make_plan(const profile::Profile* store) {
    plan_.clear();
    planned_tier_.clear();
    if (!options_.params.plan || !store || store->functions.size() != m_.functions.size() || store->run_weight <= 0) return;
    const Params& p = options_.params;
    const int max_tier = int(std::min<uint64_t>(p.max_tier, 3));
    const uint64_t thresholds[] = {p.tier1_hotness, p.tier2_hotness, p.tier3_hotness};
    expected_.assign(m_.functions.size(), -1);
    std::vector<std::pair<double, uint32_t>> order;  // (mean hotness, function)
    for (uint32_t k = 0; k < m_.functions.size(); k++) {
      const profile::FunctionProfile& f = store->functions[k];
      if (f.name != m_.functions[k]->name) {  // not this module's: plan nothing
        expected_.clear();
        planned_tier_.clear();
        return;
      }
      double loops = 0;
      for (const profile::Edge& e : f.edges)
        if (e.back_edge) loops += double(e.count);
      const double hotness = profile::per_run(f.calls, f) + profile::per_run(uint64_t(loops), f) * double(p.back_edge_weight);
      if (f.weight >= 1) expected_[k] = hotness;
      int earned = 0;
      for (int t = 1; t <= max_tier; t++)
        if (hotness >= double(thresholds[t - 1]) || f.tier_ups.count(tier_name(t)) || tier_of(k) >= t) earned = t;
      if (earned && p.plan_tier) earned = int(std::min<uint64_t>(p.plan_tier, uint64_t(max_tier)));
      while (earned && (f.failures.count(tier_name(earned)) || (failed_[k] & (1u << earned)))) earned--;
      // Already compiled (the cache's units) and called once a run (main): its one activation
      // runs the code it has, a better one would wait for a next call that does not come.
      if (tier_of(k) && profile::per_run(f.calls, f) <= 1) earned = 0;
      if (earned > tier_of(k)) {
        planned_tier_[k] = earned;
        order.push_back({hotness, k});
      }
    }
    std::stable_sort(order.begin(), order.end(), [](auto& a, auto& b) { return a.first > b.first; });
    for (auto [hotness, k] : order) plan_.push_back(k);
  }

  void finish_compiles(const profile::Profile* store, std::chrono::steady_clock::time_point deadline,
                       std::function<void()> published) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!stopping_ && thread_.joinable()) finish_ = {true, store, deadline, std::move(published)};
    }
    stop();
  }

  void stop() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
    }
    wake_.notify_all();
    // exit() on this thread (LLVM reports some errors so) runs the hooks here: nothing to wait for.
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
    m_.osr_wait = false;  // no entry will come: loops still waiting at their probe go on
    if (!options_.params.trace.empty()) {
      // Calls into the interpreter through entry closures (host code, or compiled code calling
      // what is still interpreted): each costs a libffi closure on top of the interpretation.
      uint64_t entries = 0, top = 0;
      std::string busiest;
      for (const auto& f : m_.functions) {
        const uint64_t n = f->closure_entries.load(std::memory_order_relaxed);
        entries += n;
        if (n > top) top = n, busiest = f->name;
      }
      fprintf(stderr, "[closures] %llu entries into the interpreter (most: %s, %llu)\n",
              (unsigned long long)entries, busiest.c_str(), (unsigned long long)top);
    }
    if (perf_map_) fclose(perf_map_), perf_map_ = nullptr;
  }

  void add_events(profile::Profile& p) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::map<std::string, profile::FunctionProfile*> by_name;
    for (profile::FunctionProfile& f : p.functions) by_name[f.name] = &f;
    for (const Event& e : events_) {
      auto it = by_name.find(e.function);  // OSR entries ("F (OSR)") and whole units name none
      if (it == by_name.end()) continue;
      (e.failed ? it->second->failures : it->second->tier_ups)[tier_name(e.to)] = 1;
    }
    for (uint32_t k = 0; k < unit_of_.size() && k < p.functions.size(); k++)
      if (unit_of_[k].tier) p.functions[k].tier_ups[tier_name(unit_of_[k].tier)] = 1;
  }

  std::vector<Unit> units_in_use() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::map<std::pair<std::array<uint8_t, 32>, int>, Unit> units;
    for (uint32_t k = 0; k < unit_of_.size(); k++) {
      if (!unit_of_[k].tier) continue;
      Unit& u = units[{unit_of_[k].key.digest, unit_of_[k].tier}];
      u.key = unit_of_[k].key;
      u.tier = unit_of_[k].tier;
      u.roots.push_back(k);
    }
    std::vector<Unit> out;
    for (auto& [id, u] : units) out.push_back(std::move(u));
    std::stable_sort(out.begin(), out.end(), [](const Unit& a, const Unit& b) { return a.tier < b.tier; });
    return out;
  }

  std::string add_to_profile(const std::string& profile_json) const override {
    auto parsed = llvm::json::parse(profile_json);
    if (!parsed) {
      llvm::consumeError(parsed.takeError());
      return profile_json;
    }
    llvm::json::Object* root = parsed->getAsObject();
    if (!root) return profile_json;
    std::lock_guard<std::mutex> lock(mutex_);
    llvm::json::Array ups;
    for (const Event& e : events_) {
      llvm::json::Object o{{"t", e.seconds}, {"function", e.function}, {"from", tier_name(e.from)},
                           {"to", tier_name(e.to)}, {"compile_ms", e.compile_ms}, {"bytes", int64_t(e.bytes)}};
      if (e.failed) o["failed"] = true;
      ups.push_back(std::move(o));
    }
    (*root)["tier_ups"] = std::move(ups);
    if (llvm::json::Array* fns = root->getArray("functions")) {
      for (size_t i = 0; i < fns->size() && i < m_.table.size(); i++)
        if (auto* f = (*fns)[i].getAsObject(); f && tier_of(i)) (*f)["tier"] = tier_name(tier_of(i));
    }
    std::string out;
    llvm::raw_string_ostream os(out);
    os << llvm::formatv("{0:2}", llvm::json::Value(std::move(*parsed))) << "\n";
    return out;
  }

 private:
  int tier_of(uint32_t k) const { return m_.table.slot(k).tier(); }

  double now() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

  static double cpu_seconds(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
  }

  // The compile budget: the compiler thread's CPU time stays within compile_share percent of
  // the CPU time the program itself has had (every other thread), after a first
  // compile_allowance_ms. A program whose hot code keeps moving (many small functions, each
  // hot for a moment) would otherwise spend more on compiles than they save, and on a busy
  // machine that time is taken from the program. Candidates that wait are seen again at the
  // next poll if they are still hot.
  bool over_budget() const {
    const Params& p = options_.params;
    const double compiler = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
    const double program = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - compiler;
    const double allowed = double(p.compile_allowance_ms) * 1e-3 + program * double(p.compile_share) * 1e-2;
    if (compiler <= allowed) return false;
    if (!p.trace.empty()) fprintf(stderr, "[budget] %.3f compiles used %.3f s CPU of %.3f s\n", now(), compiler, allowed);
    return true;
  }

  uint64_t hotness(const vm::Function& f) const {
    const vm::Code* code = f.code.load(std::memory_order_acquire);
    if (!code) return 0;
    uint64_t h = f.calls.load(std::memory_order_relaxed), loops = 0;
    for (size_t i = 1; i < code->edges.size(); i++)
      if (code->edges[i].back_edge) loops += code->counters[i].load(std::memory_order_relaxed);
    return h + loops * options_.params.back_edge_weight;
  }

  // The highest tier function k has earned and not failed at, or 0.
  int target_tier(uint32_t k, uint64_t h) const {
    const Params& p = options_.params;
    const uint64_t thresholds[] = {p.tier1_hotness, p.tier2_hotness, p.tier3_hotness};
    int best = 0;
    for (int t = tier_of(k) + 1; t <= int(std::min<uint64_t>(p.max_tier, 3)); t++)
      if (h >= thresholds[t - 1] && !(failed_[k] & (1u << t))) best = t;
    return best;
  }

  // A small function costs about as much to compile at O3 as at O1 (a compile's fixed costs
  // dominate), and its tier-0 counts are profile enough: its first tier-up goes to the top
  // tier, instead of one compile per tier on the way (virtual calls, accessors, callbacks).
  int first_tier(uint32_t k, int earned) const {
    if (!earned || tier_of(k)) return earned;
    const vm::Code* code = m_.functions[k]->code.load(std::memory_order_acquire);
    if (!code || code->insts.size() > options_.params.small_function) return earned;
    for (int t = int(std::min<uint64_t>(options_.params.max_tier, 3)); t > earned; t--)
      if (!(failed_[k] & (1u << t))) return t;
    return earned;
  }

  // One planned compile (plan_from_history): the next planned function and the others planned
  // for its tier, up to compile_batch. Returns false when the plan is done.
  bool compile_planned() {
    std::erase_if(plan_, [&](uint32_t k) { return tier_of(k) >= planned_tier_[k]; });
    if (plan_.empty()) return false;
    CompileRequest request;
    request.tier = planned_tier_[plan_.front()];
    const uint64_t batch = std::max<uint64_t>(options_.params.plan_batch, 1);
    for (auto it = plan_.begin(); it != plan_.end() && request.roots.size() < batch;) {
      if (planned_tier_[*it] != request.tier) {
        ++it;
        continue;
      }
      request.roots.push_back(*it);
      it = plan_.erase(it);
    }
    compile_unit(request);
    return true;
  }

  // After the first compile, the compiler thread registers the program's hooks with atexit:
  // exit() destroys the function-local statics of LLVM that the compile constructed only after
  // running the hooks, so that an exit the runtime does not see (a host library calling exit)
  // still stops this thread before pulling them from under a later compile. (The usual exits
  // run the hook before exit() starts: docs/jit.md, Exit.)
  void register_exit_hook() {
    if (exit_hook_registered_) return;
    exit_hook_registered_ = true;
    atexit([] { vm::Program::shutdown_all_in_exit(); });
  }

  // Compiles one unit at request.tier with the policy's settings for that tier, and publishes
  // it; a failed unit of several is compiled again function by function, so that only the
  // failing one stays where it is.
  void compile_unit(CompileRequest request) {
    const Params& p = options_.params;
    const int top = int(std::min<uint64_t>(p.max_tier, 3));
    request.profile = p.pgo && request.tier >= 2;
    request.inline_callees = request.tier >= 2;
    request.count_calls = request.tier < top;
    request.count_edges = request.tier == 1 && request.count_calls;
    CompileResult result;
    std::string error;
    const bool ok = compiler_->compile(request, result, error);
    register_exit_hook();
    if (ok) {
      publish(request, result, nullptr);
      return;
    }
    if (request.roots.size() == 1) {
      report_failure(request.roots[0], request.tier, error);
      return;
    }
    for (uint32_t k : request.roots) {
      CompileRequest one = request;
      one.roots = {k};
      CompileResult r;
      std::string e;
      if (compiler_->compile(one, r, e)) publish(one, r, nullptr);
      else report_failure(k, request.tier, e);
    }
  }

  // The end of the compiler thread once stopping_ is set: with finish_compiles, the next run's
  // plan, compiled now, unit by unit until the plan is done or the deadline has passed.
  void finish_planned() {
    if (!finish_.wanted) return;
    const auto t0 = std::chrono::steady_clock::now();
    make_plan(finish_.store);
    finishing_ = true;
    size_t units = 0;
    while (!plan_.empty() && std::chrono::steady_clock::now() < finish_.deadline && compile_planned()) {
      units++;
      if (finish_.published) finish_.published();
    }
    std::erase_if(plan_, [&](uint32_t k) { return tier_of(k) >= planned_tier_[k]; });
    if (options_.tier_log)
      fprintf(stderr, "[finish] %zu unit%s in %.3f s at exit; %zu function%s left for the next run\n", units,
              units == 1 ? "" : "s", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
              plan_.size(), plan_.size() == 1 ? "" : "s");
  }

  void run() {
    const Params& p = options_.params;
    plan_from_history();
    bool stopped = false;
    while (!stopped && compile_planned()) {
      std::lock_guard<std::mutex> lock(mutex_);
      stopped = stopping_;
    }
    while (!stopped) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait_for(lock, std::chrono::microseconds(std::max<uint64_t>(p.poll_us, 50)),
                       [this] { return stopping_; });
        if (stopping_) break;
      }
      if (p.osr && compile_osr_entries()) continue;
      // Candidates: functions that earned a higher tier and are still running (their hotness
      // moved since the last poll: what ran only at start-up is not worth a compile now).
      struct Candidate {
        uint32_t k;
        int tier;
        uint64_t recent;
      };
      std::vector<Candidate> candidates;
      const double t_poll = now(), interval = std::max(t_poll - last_poll_, 1e-6);
      last_poll_ = t_poll;
      for (uint32_t k = 0; k < m_.functions.size(); k++) {
        uint64_t h = hotness(*m_.functions[k]);
        uint64_t recent = h - last_hotness_[k];
        last_hotness_[k] = h;
        const uint64_t calls = m_.functions[k]->calls.load(std::memory_order_relaxed);
        const uint64_t recent_calls = calls - last_calls_[k];
        last_calls_[k] = calls;
        if (!recent) continue;
        // The tier it will have earned lookahead_ms from now at its current rate: a function
        // that will soon pass a threshold goes there now instead of through each tier below.
        // Only from the interpreter: compiled code gains little from a recompile, which must
        // be earned by what has run, not by a forecast.
        double ahead = tier_of(k) ? 0 : double(recent) / interval * double(p.lookahead_ms) * 1e-3;
        double projected = double(h) + ahead;
        // Earlier runs know better than the rate how much more there is: a function whose whole
        // run adds up to little is not compiled for a burst.
        if (k < expected_.size() && expected_[k] >= 0) projected = std::min(projected, std::max(double(h), expected_[k]));
        int t = first_tier(k, target_tier(k, uint64_t(std::min(projected, 1e18))));
        // Its running activation gains only from an OSR entry (watch_loops); a function called
        // once (main) gains nothing from a compile of its next call in this run: it is compiled
        // after its entry, behind the rest, only for a later run that starts from the cache.
        // Called again, it is a candidate as any other.
        if (t && p.osr && !tier_of(k) && (recent_calls == 0 || calls <= 1) && watch_loops(k, t) && calls <= 1) {
          if (!osr_given_.count(k) || !history_.keeps_units) continue;
          recent = 0;
        }
        // Compiled already and called once: its activation stays on the code it entered.
        if (t && tier_of(k) && calls <= 1) continue;
        if (t) candidates.push_back({k, t, recent});
      }
      if (candidates.empty() || over_budget()) continue;
      // The most active first; the others that go to its tier join it in one unit (one
      // module, one pipeline, one link: cheaper than apart), up to compile_batch.
      std::stable_sort(candidates.begin(), candidates.end(),
                       [](const Candidate& a, const Candidate& b) { return a.recent > b.recent; });
      const int best_tier = candidates[0].tier;
      if (!p.trace.empty()) {
        fprintf(stderr, "[cand] %.3f", now());
        for (size_t i = 0; i < candidates.size() && i < 8; i++)
          fprintf(stderr, " %s:%d:%llu", m_.functions[candidates[i].k]->name.c_str(), candidates[i].tier, (unsigned long long)candidates[i].recent);
        fprintf(stderr, "\n");
      }
      CompileRequest request;
      for (const Candidate& c : candidates)
        if (c.tier == best_tier && request.roots.size() < std::max<uint64_t>(p.compile_batch, 1))
          request.roots.push_back(c.k);
      request.tier = best_tier;
      compile_unit(request);
    }
    finish_planned();
  }

  // Reported once; the function stays where it is and is not tried at this tier again.
  void report_failure(uint32_t k, int tier, const std::string& error) {
    failed_[k] |= 1u << tier;
    fprintf(stderr, "bareflow: %s: jit: %s at %s failed, stays %s: %s\n", m_.path.c_str(),
            m_.functions[k]->name.c_str(), tier_name(tier), tier_name(tier_of(k)), error.c_str());
    std::lock_guard<std::mutex> lock(mutex_);
    events_.push_back({now(), m_.functions[k]->name, tier_of(k), tier, 0, 0, true});
  }

  // A function still interpreted whose hotness comes from its loops while nobody calls it
  // (main, or one long call) gains nothing from a compile of its next call: its running
  // activation must move. Its loop probes are armed now, and the loop seen iterating gets an
  // OSR entry at the next poll, without osr_delay_us, at tier 2 at least: such a loop runs
  // on, and its entry never moves up again. Returns false for a function without loops.
  bool watch_loops(uint32_t k, int tier) {
    vm::Code* code = m_.functions[k]->code.load(std::memory_order_acquire);
    if (!code || !code->num_loops) return false;
    tier = std::max(tier, int(std::min<uint64_t>(options_.params.max_tier, 2)));
    int& eager = eager_osr_[k];
    if (tier > eager && !options_.params.trace.empty())
      fprintf(stderr, "[osr-watch] %.3f %s at %s\n", now(), m_.functions[k]->name.c_str(), tier_name(tier));
    eager = std::max(eager, tier);
    vm::arm_loop_probes(*code);
    return true;
  }

  // On-stack replacement. A function's loops get their probes armed when it is compiled; an
  // activation still interpreted then counts its iterations there. A loop seen iterating over
  // at least osr_delay_us gets a continuation at the function's tier, and the activation moves
  // onto it at its next iteration. Returns whether it compiled (or tried to).
  bool compile_osr_entries() {
    const Params& p = options_.params;
    const double t = now();
    CompileRequest request;
    // osr_wait (tests): every loop's probe is armed from the start and waits, whether or not
    // its function was tiered up.
    for (uint32_t k = 0; k < m_.functions.size() && request.osr.empty(); k++) {
      auto eager = eager_osr_.find(k);
      if (!tier_of(k) && !p.osr_wait && eager == eager_osr_.end()) continue;
      vm::Code* code = m_.functions[k]->code.load(std::memory_order_acquire);
      if (!code) continue;
      // A watched function (watch_loops) gets one entry, at the loop that iterated most since
      // the last poll: its running activation is there now.
      uint32_t busiest = code->num_loops;
      uint64_t most = 0;
      for (uint32_t li = 0; li < code->num_loops; li++) {
        vm::LoopEntry& l = code->loops[li];
        uint64_t stale = l.stale.load(std::memory_order_relaxed);
        if (!stale || l.osr_entry.load(std::memory_order_relaxed)) continue;
        auto [it, fresh] = osr_watch_.try_emplace({k, li}, OsrWatch{t, stale, t, false});
        OsrWatch& w = it->second;
        if (w.done) continue;
        const uint64_t moved = fresh ? stale : stale - w.last;
        if (stale != w.last) w.last = stale, w.progressed = t;
        if (eager != eager_osr_.end() && !p.osr_wait) {
          // After its first entry, another loop of the function must go on iterating for
          // osr_delay_us: the activation may still be on its way to the first.
          auto first = osr_installed_.find(k);
          if (first != osr_installed_.end() && t - first->second.at < std::max(p.osr_delay_us * 1e-6, first->second.hold))
            continue;
          if (moved > most) most = moved, busiest = li;
        } else if (p.osr_wait || w.progressed - w.since >= p.osr_delay_us * 1e-6) {
          request.osr.push_back({k, li});
          request.tier = std::max(tier_of(k), 1);
          w.done = true;  // tried once, whatever happens
        }
      }
      int tier = std::max(tier_of(k), eager != eager_osr_.end() ? eager->second : 0);
      while (tier > 1 && (failed_[k] & (1u << tier))) tier--;  // a tier that failed: the one below
      if (busiest < code->num_loops) {
        osr_given_.insert(k);
        request.osr.push_back({k, busiest});
        request.tier = tier;
        osr_watch_[{k, busiest}].done = true;
      }
    }
    if (request.osr.empty()) return false;
    const bool watched = eager_osr_.count(request.osr[0].first) && !p.osr_wait;
    request.profile = p.pgo && request.tier >= 2;
    request.inline_callees = request.tier >= 2;
    uint32_t k = request.osr[0].first;
    CompileResult result;
    std::string error;
    bool ok = compiler_->compile(request, result, error);
    register_exit_hook();
    // A watched function's entry that fails at a tier above O1 fails the function at that
    // tier, as its own compile would (reported once); the loop is tried again a tier lower.
    if (!ok && watched && request.tier > 1 && error.find(kOsrUnsupported) == std::string::npos) {
      osr_watch_[request.osr[0]].done = false;
      report_failure(k, request.tier, error);
      return true;
    }
    std::string name = m_.functions[k]->name + " (OSR)";
    std::lock_guard<std::mutex> lock(mutex_);
    if (!ok) {
      for (auto [fk, li] : request.osr) m_.table.refuse_osr(fk, li);
      if (error.find(kOsrUnsupported) != std::string::npos) return true;  // by design: not a failure
      fprintf(stderr, "bareflow: %s: jit: OSR entry of %s at %s failed, its loops stay interpreted: %s\n",
              m_.path.c_str(), m_.functions[k]->name.c_str(), tier_name(request.tier), error.c_str());
      events_.push_back({now(), name, 0, request.tier, 0, 0, true});
      return true;
    }
    install(m_.table, request.tier, result);
    // When an enclosing loop brings the activation back to the entry's loop, another loop's
    // entry waits for it up to as long as this compile took (what the entry saves by coming
    // back is what another compile would cost: waiting longer than that is the loss).
    if (watched)
      if (vm::Code* code = m_.functions[k]->code.load(std::memory_order_acquire)) {
        const double hold = loop_entries(*code, request.osr[0].second) > 1 ? now() - t : 0;
        if (hold > 0 && !p.trace.empty())
          fprintf(stderr, "[osr-hold] %.3f %s: its other loops wait %.3f s for the activation to come back\n", now(),
                  m_.functions[k]->name.c_str(), hold);
        osr_installed_[k] = {now(), hold};
      }
    osr_installed_.try_emplace(k, OsrInstalled{now(), 0});  // not watched: the first entry's time
    // What the function's other loops iterated during the compile does not count: the
    // activation was on its way to the entry.
    if (vm::Code* code = m_.functions[k]->code.load(std::memory_order_acquire))
      for (uint32_t li = 0; li < code->num_loops; li++) {
        const uint64_t stale = code->loops[li].stale.load(std::memory_order_relaxed);
        OsrWatch& w = osr_watch_.try_emplace({k, li}, OsrWatch{t, stale, t, false}).first->second;
        if (!w.done) w.last = stale;
      }
    uint64_t bytes = 0;
    for (const OsrEntry& e : result.osr) {
      bytes += e.size;
      if (perf_map_ && e.size)
        fprintf(perf_map_, "%llx %llx [%s OSR] %s\n", static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(e.native)),
                static_cast<unsigned long long>(e.size), tier_name(request.tier), m_.functions[k]->name.c_str());
    }
    if (perf_map_) fflush(perf_map_);
    double at = now();
    if (options_.tier_log)
      fprintf(stderr, "[tier] %8.3fs  %-40s %s->%s  %7.1f ms  %llu B (%zu loop%s)\n", at, name.c_str(), tier_name(0),
              tier_name(request.tier), result.ms, static_cast<unsigned long long>(bytes), result.osr.size(),
              result.osr.size() == 1 ? "" : "s");
    events_.push_back({at, name, 0, request.tier, result.ms, bytes, false});
    return true;
  }

  // Installs a compile and logs it: one line per function (a whole-module compile: one line,
  // named `unit`); functions compiled in one unit share its compile time.
  void publish(const CompileRequest& request, const CompileResult& result, const char* unit) {
    std::vector<int> before;
    for (const CompiledFunction& cf : result.functions) before.push_back(tier_of(cf.index));
    install(m_.table, request.tier, result);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const CompiledFunction& cf : result.functions) unit_of_[cf.index] = {result.key, request.tier};
    }
    for (const CompiledFunction& cf : result.functions) {
      vm::Function& f = *m_.functions[cf.index];
      if (perf_map_ && cf.size)
        fprintf(perf_map_, "%llx %llx [%s] %s\n", static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(cf.native)),
                static_cast<unsigned long long>(cf.size), tier_name(request.tier), f.name.c_str());
      // Calls from the interpreter enter through the adapter, into which the function is
      // often inlined: name it too.
      if (perf_map_ && cf.adapter_size)
        fprintf(perf_map_, "%llx %llx [%s adapter] %s\n", static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(cf.adapter)),
                static_cast<unsigned long long>(cf.adapter_size), tier_name(request.tier), f.name.c_str());
    }
    if (perf_map_) fflush(perf_map_);
    const double t = now();
    std::vector<Event> events;
    if (unit) {
      events.push_back({t, unit, 0, request.tier, result.ms, result.object_bytes, false});
    } else {
      for (size_t i = 0; i < result.functions.size(); i++)
        events.push_back({t, m_.functions[result.functions[i].index]->name, before[i], request.tier, result.ms,
                          result.functions[i].size, false});
    }
    if (options_.tier_log) {
      std::string note;
      if (result.functions.size() > 1 && !unit) note += " (unit of " + std::to_string(result.functions.size()) + ")";
      if (result.inlined_callees) note += " (+" + std::to_string(result.inlined_callees) + " callees)";
      if (result.from_cache) note += " (cache " + result.key.hex().substr(0, 12) + ")";
      if (finishing_) note += " (at exit)";
      for (const Event& e : events)
        fprintf(stderr, "[tier] %8.3fs  %-40s %s->%s  %7.1f ms  %llu B%s\n", e.seconds, e.function.c_str(),
                tier_name(e.from), tier_name(e.to), e.compile_ms, static_cast<unsigned long long>(e.bytes), note.c_str());
    }
    std::lock_guard<std::mutex> lock(mutex_);
    events_.insert(events_.end(), events.begin(), events.end());
  }

  vm::Program& program_;
  vm::Machine& m_;
  Options options_;
  History history_;
  std::vector<uint32_t> plan_;            // compiler thread: functions to compile first
  std::map<uint32_t, int> planned_tier_;  // ... and the tier each is planned for
  std::vector<double> expected_;          // compiler thread: hotness per run, from history (-1: none)
  bool exit_hook_registered_ = false;     // compiler thread
  struct FinishRequest {
    bool wanted = false;
    const profile::Profile* store = nullptr;
    std::chrono::steady_clock::time_point deadline;
    std::function<void()> published;
  };
  FinishRequest finish_;                  // set under mutex_ before stopping_
  bool finishing_ = false;                // compiler thread: compiling finish_'s plan
  struct UnitUse {
    UnitKey key;
    int tier = 0;  // 0: interpreted
  };
  std::vector<UnitUse> unit_of_;          // per function: the unit it runs from (mutex_)
  std::chrono::steady_clock::time_point start_;
  std::unique_ptr<Compiler> compiler_;
  std::vector<uint64_t> last_hotness_;  // at the previous poll
  std::vector<uint64_t> last_calls_;    // at the previous poll
  struct OsrInstalled {
    double at;    // when a function's (a watched function's: latest) OSR entry was installed
    double hold;  // how long its other loops wait for the activation to come back to it
  };
  std::map<uint32_t, OsrInstalled> osr_installed_;  // compiler thread
  std::set<uint32_t> osr_given_;        // compiler thread: ... and those that got an entry
  std::map<uint32_t, int> eager_osr_;   // compiler thread: interpreted functions whose loops get OSR entries at once, and at which tier
  double last_poll_ = 0;
  std::vector<uint8_t> failed_;    // bit t: failed at tier t
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<Event> events_;
  FILE* perf_map_ = nullptr;
  struct OsrWatch {
    double since;       // first seen iterating after the tier-up
    uint64_t last;      // iterations counted at the last poll
    double progressed;  // when that count last moved
    bool done;
  };
  std::map<std::pair<uint32_t, uint32_t>, OsrWatch> osr_watch_;  // (function, loop); compiler thread only
};

}  // namespace

OptionParse parse_run_option(int argc, char** argv, int& i, Options& options, std::string& error) {
  std::string a = argv[i];
  if (a.rfind("--tier=", 0) == 0) {
    std::string t = a.substr(7);
    if (t == "interp") options.mode = TierMode::interp;
    else if (t == "auto") options.mode = TierMode::automatic;
    else if (t == "O1") options.mode = TierMode::O1;
    else if (t == "O2") options.mode = TierMode::O2;
    else if (t == "O3") options.mode = TierMode::O3;
    else {
      error = "run: unknown tier '" + t + "' (auto, interp, O1, O2, O3)";
      return OptionParse::malformed;
    }
    return OptionParse::taken;
  }
  if (a == "--jit-param" || a.rfind("--jit-param=", 0) == 0) {
    std::string value;
    if (a == "--jit-param") {
      if (i + 1 >= argc) {
        error = "run: --jit-param needs NAME=VALUE";
        return OptionParse::malformed;
      }
      value = argv[++i];
    } else {
      value = a.substr(12);
    }
    return set_param(options.params, value, error) ? OptionParse::taken : OptionParse::malformed;
  }
  bool* flag = a == "--jit-params" ? &options.list_params
             : a == "--tier-log"   ? &options.tier_log
             : a == "--perf-map"   ? &options.perf_map
             : a == "--jit-gdb"    ? &options.gdb
                                   : nullptr;
  if (!flag) return OptionParse::not_mine;
  *flag = true;
  return OptionParse::taken;
}

const char* run_options_help() {
  return "  --tier=auto|interp|O1|O2|O3  auto: tier up hot code in the background (default);\n"
         "                               interp: tier 0 only; O1-O3: compile everything first\n"
         "  --jit-param NAME=VALUE       set a tiering knob (see --jit-params)\n"
         "  --jit-params                 print the knobs, their values and meanings, and exit\n"
         "  --tier-log                   one line on stderr per tier-up\n"
         "  --perf-map                   write /tmp/perf-PID.map for perf\n"
         "  --jit-gdb                    register compiled code with gdb\n";
}

std::unique_ptr<Tiering> start(vm::Program& program, const Options& options, const History& history,
                               std::string& error) {
  error.clear();
  if (options.mode == TierMode::interp) return nullptr;
  vm::Machine& m = program.machine();
  auto t = std::make_unique<TieringImpl>(program, options, history);
  if (!t->init(error)) {
    error = m.path + ": " + error;
    return nullptr;
  }
  int whole = options.mode == TierMode::O1 ? 1 : options.mode == TierMode::O2 ? 2 : options.mode == TierMode::O3 ? 3 : 0;
  // A whole-module compile finds its unit in the cache by its key; `auto` starts from the units
  // that the last runs had in use.
  if (!whole) t->link_history_units();
  if (whole) {
    if (!t->compile_everything(whole, error)) {
      error = m.path + ": jit: " + error;
      return nullptr;
    }
  } else {
    m.osr_wait = options.params.osr && options.params.osr_wait;
    t->compile_what_tier0_cannot_run();
    t->start_background();
  }
  program.set_shutdown_hook([tiering = t.get()] { tiering->stop(); });
  return t;
}

}  // namespace bf::jit
