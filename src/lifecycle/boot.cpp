// One invocation of `bareflow lifecycle`: the state in DIR says which phase runs.
#include "lifecycle/lifecycle.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

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

bool read_file(const std::string& path, std::string& bytes, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  std::ostringstream s;
  s << in.rdbuf();
  bytes = s.str();
  return true;
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
  // An open file description lock (as flock's, it goes with this open; the unikernel has fcntl's).
  struct flock whole = {};
  whole.l_type = F_WRLCK;
  whole.l_whence = SEEK_SET;
  if (::fcntl(lock_fd, F_OFD_SETLK, &whole) != 0) {
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

runtime::RunRequest run_request(const Request& request) {
  runtime::RunRequest run;
  run.app = request.app;
  run.modules = request.modules;
  run.args = {request.app};
  run.args.insert(run.args.end(), request.args.begin(), request.args.end());
  run.jit.params = jit::Params::from_environment();
  run.cache.dir = cache_dir(request.dir);
  // A grow boot finishes its compiles before it exits, so that the next boot of the same
  // command compiles nothing and the lifecycle converges a boot sooner (docs/code-cache.md,
  // "Finishing at exit").
  run.finish_compiles_s = runtime::kFinishCompilesSeconds;
  return run;
}

// A grow boot's record from what was seen of the run and the cache's counters around it.
void grow_record(const Observed& seen, const CacheCounts& before, const CacheCounts& after, uint64_t bitcode_bytes,
                 Record& r) {
  r.phase = "grow";
  r.code_bytes = file_size("/proc/self/exe") + bitcode_bytes;
  r.status = seen.status;
  r.first_output_s = seen.first_output_s;
  r.end_s = seen.end_s;
  r.tok_s = seen.tok_s;
  r.compiles = after.misses - std::min(after.misses, before.misses);
  r.cache_hits = after.hits - std::min(after.hits, before.hits);
  r.tiers = after.tiers;
}

bool grow(const Request& request, const cache::Digest& module, uint64_t bitcode_bytes, Clock::time_point start,
          Record& r, std::string& error) {
  CacheCounts before = cache_counts(request.dir, module);
  runtime::RunRequest run = run_request(request);
  Observed seen;
  auto child = [&] {
    int status = runtime::run(run);  // returns only when the program cannot start
    fflush(nullptr);
    _exit(status);
  };
  if (!observe(child, start, seen, error)) return false;
  grow_record(seen, before, cache_counts(request.dir, module), bitcode_bytes, r);
  return true;
}

// The program with the profile that every run left in DIR's cache, written atomically; false
// (said in one line) when the export failed.
bool export_appliance(const Request& request, const std::string& appliance, Record& r) {
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
    return false;
  }
  fputs(exporter::report_text(report).c_str(), stderr);
  r.export_s = report.seconds;
  return true;
}

// --- A boot of an image (`bareflow image --grow`, docs/lifecycle.md): the unikernel has no fork,
// so the run happens in this process, which it ends; the rest of the boot is an exit handler
// that runs after the session's own (the JIT stopped, the code cache's last checkpoint written).

// GRUB reads DIR/boot.cfg; `bareflow image --grow` wrote the appliance's configuration beside it
// as appliance.cfg. Its copy is fsynced as a temporary and renamed over boot.cfg, so that a
// machine stopped at any moment boots one configuration or the other, whole.
bool switch_boot_config(const std::string& dir, const std::string& appliance, std::string& error) {
  std::string text;
  const std::string from = dir + "/appliance.cfg", to = dir + "/boot.cfg", tmp = to + ".tmp-switch";
  if (!read_file(from, text, error)) return false;
  const std::string name = appliance.substr(appliance.rfind('/') + 1);
  if (text.find("/" + name + "'") == std::string::npos) {
    error = from + ": does not boot " + name;
    return false;
  }
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == ssize_t(text.size()) && ::fsync(fd) == 0;
  ok = fd >= 0 && ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), to.c_str()) != 0) {
    error = tmp + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  if (int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
    ::fsync(d);
    ::close(d);
  }
  return true;
}

struct ImageBoot {
  Request request;
  cache::Digest module;
  uint64_t bitcode_bytes = 0;
  std::vector<Record> records;  // the journal before this boot
  Record record;
  CacheCounts before;
  InProcessObserver observer;
};
ImageBoot* g_image_boot = nullptr;  // an exit handler takes no context of its own

// Converges when this boot made the streak: exports unless a boot stopped after its export left
// the appliance, then switches the boot configuration. The phase is `converged` when it switched.
void converge_image(const Request& request, Record& r) {
  const std::string appliance = appliance_path(request.dir, r.module);
  if (::access(appliance.c_str(), F_OK) != 0) {  // FAT has no execute bits
    fprintf(stderr, "bareflow: lifecycle: %d quiet boot(s): exporting the appliance\n", request.converge_after);
    if (!export_appliance(request, appliance, r)) return;
  }
  fprintf(stderr, "bareflow: lifecycle: switching the boot configuration to %s\n", appliance.c_str());
  std::string error;
  if (!switch_boot_config(request.dir, appliance, error)) {
    fprintf(stderr, "bareflow: lifecycle: %s (the next boot grows again)\n", error.c_str());
    r.export_s.reset();  // the journal gives export_s to converged boots only
    return;
  }
  r.phase = "converged";
}

void end_image_boot(int status, void*) {
  ImageBoot& b = *g_image_boot;
  Observed seen;
  b.observer.end(status, seen);
  Record& r = b.record;
  grow_record(seen, b.before, cache_counts(b.request.dir, b.module), b.bitcode_bytes, r);
  b.records.push_back(r);
  if (quiet_streak(b.records, r.module) >= b.request.converge_after) converge_image(b.request, r);
  std::string error;
  if (!append_record(journal_path(b.request.dir), r, error)) fprintf(stderr, "bareflow: lifecycle: %s\n", error.c_str());
}

// Never returns: the program's end ends the process.
[[noreturn]] void boot_image(ImageBoot* b) {
  g_image_boot = b;
  b->before = cache_counts(b->request.dir, b->module);
  runtime::RunRequest run = run_request(b->request);
  std::string error;
  // The unikernel's monotonic clock starts at the machine's boot: times are from there.
  if (!b->observer.begin(Clock::time_point{}, error)) {
    fprintf(stderr, "bareflow: lifecycle: %s\n", error.c_str());
    exit(1);
  }
  on_exit(end_image_boot, nullptr);  // before the session registers its own, so it runs after
  exit(runtime::run(run));           // runtime::run returns only when the program cannot start
}

}  // namespace

bool read_bitcode(const std::string& path, std::string& bytes, std::string& error) {
  if (!read_file(path, bytes, error)) return false;
  if (modules::is_bitcode(bytes)) return true;
  error = path + ": not LLVM bitcode";
  return false;
}

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
  if (request.in_image) {
    boot_image(new ImageBoot{request, module, program.bitcode.size(), std::move(records), r, {}, {}});
  }
  const std::string appliance = appliance_path(request.dir, r.module);
  if (::access(appliance.c_str(), X_OK) == 0) {
    if (!run_appliance(appliance, request, start, r, error)) return refuse(error);
  } else {
    if (!grow(request, module, program.bitcode.size(), start, r, error)) return refuse(error);
    records.push_back(r);
    if (quiet_streak(records, r.module) >= request.converge_after && export_appliance(request, appliance, r))
      r.phase = "converged";
  }
  if (!append_record(journal, r, error)) return refuse(error);
  ::close(lock_fd);
  return r.status;
}

}  // namespace bf::lifecycle
