// One invocation of `bareflow lifecycle`: the state in DIR says which phase runs.
#include "lifecycle/lifecycle.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

#include "cache/cache.h"
#include "export/export.h"
#include "lifecycle/journal.h"
#include "lifecycle/observe.h"
#include "modules/modules.h"
#include "runtime/session.h"

namespace bf::lifecycle {

std::string cache_dir(const std::string& dir) { return dir + "/cache"; }
std::string journal_path(const std::string& dir) { return dir + "/lifecycle.jsonl"; }
// Named by the module, so that another program given the same DIR never runs this one's.
std::string appliance_path(const std::string& dir, const std::string& module_hex) {
  return dir + "/appliance-" + module_hex.substr(0, 16);
}

namespace {

using Clock = std::chrono::steady_clock;

int refuse(const std::string& line) {
  fprintf(stderr, "bareflow: lifecycle: %s\n", line.c_str());
  return 1;
}

uint64_t file_size(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? uint64_t(st.st_size) : 0;
}

// DIR and its parents (0700), then an exclusive lock on DIR/lifecycle.lock for the whole boot.
bool prepare_dir(const std::string& dir, int& lock_fd, std::string& error) {
  for (size_t at = 1; at <= dir.size(); at++) {
    if (at < dir.size() && dir[at] != '/') continue;
    std::string part = dir.substr(0, at);
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      error = part + ": " + std::strerror(errno);
      return false;
    }
  }
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    error = dir + ": not a directory";
    return false;
  }
  std::string lock = dir + "/lifecycle.lock";
  lock_fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0) {
    error = lock + ": " + std::strerror(errno);
    return false;
  }
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    error = dir + ": in use by another bareflow lifecycle";
    return false;
  }
  return true;
}

// An export killed before its rename leaves its temporaries beside the appliance; the lock says
// no export is running now.
void remove_temporaries(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d))
    if (std::strstr(e->d_name, ".tmp-")) ::unlinkat(::dirfd(d), e->d_name, 0);
  ::closedir(d);
}

struct CacheCounts {
  uint64_t hits = 0, misses = 0;
  std::map<std::string, uint64_t> tiers;
};

CacheCounts cache_counts(const std::string& dir, const cache::Digest& module) {
  CacheCounts c;
  std::string warning;
  std::unique_ptr<cache::Store> store =
      cache::Store::open({cache_dir(dir), cache::Mode::read_only, cache::kDefaultMaxBytes, nullptr}, warning);
  if (!store) return c;
  cache::Stats st = store->stats();
  c.hits = st.hits;
  c.misses = st.misses;
  for (const cache::ModuleInfo& m : store->modules())
    if (m.module.hex() == module.hex()) c.tiers = m.functions;
  return c;
}

// Runs of this module in a row (the latest last) that ran fine and compiled nothing new.
int quiet_streak(const std::vector<Record>& records, const std::string& module) {
  int streak = 0;
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    if (it->module != module) continue;
    if (it->phase != "grow" || it->status != 0 || it->compiles != 0) break;
    streak++;
  }
  return streak;
}

bool run_appliance(const std::string& path, const Request& request, Clock::time_point start, Record& r,
                   std::string& error) {
  Observed seen;
  auto child = [&] {
    std::vector<char*> argv{const_cast<char*>(path.c_str())};
    for (const std::string& a : request.args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(path.c_str(), argv.data());
    fprintf(stderr, "bareflow: lifecycle: %s: %s\n", path.c_str(), std::strerror(errno));
  };
  if (!observe(child, start, seen, error)) return false;
  r.phase = "appliance";
  r.code_bytes = file_size(path);
  r.status = seen.status;
  r.first_output_s = seen.first_output_s;
  r.end_s = seen.end_s;
  r.tok_s = seen.tok_s;
  return true;
}

bool grow(const Request& request, const cache::Digest& module, uint64_t bitcode_bytes, Clock::time_point start,
          Record& r, std::string& error) {
  CacheCounts before = cache_counts(request.dir, module);
  runtime::RunRequest run;
  run.app = request.app;
  run.modules = request.modules;
  run.args = {request.app};
  run.args.insert(run.args.end(), request.args.begin(), request.args.end());
  run.jit.params = jit::Params::from_environment();
  run.cache.dir = cache_dir(request.dir);
  Observed seen;
  auto child = [&] {
    int status = runtime::run(run);  // returns only when the program cannot start
    fflush(nullptr);
    _exit(status);
  };
  if (!observe(child, start, seen, error)) return false;
  CacheCounts after = cache_counts(request.dir, module);
  r.phase = "grow";
  r.code_bytes = file_size("/proc/self/exe") + bitcode_bytes;
  r.status = seen.status;
  r.first_output_s = seen.first_output_s;
  r.end_s = seen.end_s;
  r.tok_s = seen.tok_s;
  r.compiles = after.misses - std::min(after.misses, before.misses);
  r.cache_hits = after.hits - std::min(after.hits, before.hits);
  r.tiers = after.tiers;
  return true;
}

// The program with the profile that every run left in DIR's cache, written atomically.
void converge(const Request& request, const std::string& appliance, Record& r) {
  exporter::ExportRequest ex;
  ex.app = request.app;
  ex.modules = request.modules;
  ex.output = appliance;
  ex.profiles = {cache_dir(request.dir)};
  ex.report = request.dir + "/export.json";
  exporter::ExportReport report;
  std::string error;
  if (!exporter::export_program(ex, report, error)) {
    fprintf(stderr, "bareflow: lifecycle: export: %s (the next run grows again)\n", error.c_str());
    return;
  }
  fputs(exporter::report_text(report).c_str(), stderr);
  r.phase = "converged";
  r.export_s = report.seconds;
}

}  // namespace

int boot(const Request& request) {
  const Clock::time_point start = Clock::now();
  std::string error;
  modules::Program program;
  if (!modules::read_program(request.modules.empty() ? std::vector<std::string>{request.app} : request.modules,
                             program, error))
    return refuse(error);
  const cache::Digest module = cache::hash_bytes(program.bitcode);
  int lock_fd = -1;
  if (!prepare_dir(request.dir, lock_fd, error)) return refuse(error);
  remove_temporaries(request.dir);
  std::vector<Record> records;
  const std::string journal = journal_path(request.dir);
  if (::access(journal.c_str(), F_OK) == 0 && !read_journal(journal, records, error)) return refuse(error);

  Record r;
  r.boot = records.empty() ? 1 : records.back().boot + 1;
  r.module = module.hex();
  const std::string appliance = appliance_path(request.dir, r.module);
  if (::access(appliance.c_str(), X_OK) == 0) {
    if (!run_appliance(appliance, request, start, r, error)) return refuse(error);
  } else {
    if (!grow(request, module, program.bitcode.size(), start, r, error)) return refuse(error);
    records.push_back(r);
    if (quiet_streak(records, r.module) >= request.converge_after) converge(request, appliance, r);
  }
  if (!append_record(journal, r, error)) return refuse(error);
  ::close(lock_fd);
  return r.status;
}

}  // namespace bf::lifecycle
