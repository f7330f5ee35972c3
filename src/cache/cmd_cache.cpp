// `bareflow cache ls|stats|verify|clear|prune`: what the code cache holds, whether it is intact,
// and making it smaller. Human-readable by default, --json for machines.
#include <sys/stat.h>

#include <llvm/Support/JSON.h>
#include <llvm/Support/raw_ostream.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include "cache/cache.h"

namespace {

using namespace bf::cache;

const char kUsage[] =
    "usage: bareflow cache COMMAND [--cache-dir DIR] [--json]\n"
    "\n"
    "commands:\n"
    "  ls                 per module: runs, functions per tier, objects, bytes, last use\n"
    "  stats              entries, bytes, modules, hits and misses\n"
    "  verify             check every entry's header and checksum (exit 1 when one is damaged)\n"
    "  clear              remove every entry\n"
    "  prune --max SIZE   remove least recently used entries until they total at most SIZE\n"
    "                     (bytes, or with K, M, G, T; default 1G)\n"
    "\n"
    "--cache-dir DIR      the cache (default: $BAREFLOW_CACHE_DIR, else $XDG_CACHE_HOME/bareflow,\n"
    "                     else ~/.cache/bareflow)\n"
    "--json               one JSON object on stdout\n"
    "See docs/code-cache.md.\n";

struct Args {
  std::string command, dir = default_dir();
  bool json = false;
  uint64_t max = kDefaultMaxBytes;
};

int usage_error(const std::string& what) {
  fprintf(stderr, "bareflow: cache: %s (see bareflow cache --help)\n", what.c_str());
  return 2;
}

std::string human_bytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = double(n);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, u++;
  char buf[32];
  snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", v, units[u]);
  return buf;
}

std::string local_time(int64_t t) {
  if (!t) return "-";
  time_t tt = time_t(t);
  struct tm tm;
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", localtime_r(&tt, &tm));
  return buf;
}

void print_json(llvm::json::Object o) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(o)));
  printf("%s\n", s.c_str());
}

int cmd_ls(Store& store, const Args& a) {
  std::vector<ModuleInfo> mods = store.modules();
  if (a.json) {
    llvm::json::Array list;
    for (const ModuleInfo& m : mods) {
      llvm::json::Object fns;
      for (const auto& [tier, n] : m.functions) fns[tier] = int64_t(n);
      list.push_back(llvm::json::Object{{"module", m.module.hex()}, {"path", m.path}, {"runs", int64_t(m.runs)},
                                        {"functions", std::move(fns)}, {"objects", int64_t(m.objects)},
                                        {"bytes", int64_t(m.bytes)}, {"last_use", m.last_use}});
    }
    print_json(llvm::json::Object{{"cache_dir", store.dir()}, {"modules", std::move(list)}});
    return 0;
  }
  if (mods.empty()) {
    printf("%s: no modules\n", store.dir().c_str());
    return 0;
  }
  printf("%-16s %5s  %-22s %7s %10s  %-19s  %s\n", "module", "runs", "functions per tier", "objects", "bytes",
         "last use", "path");
  for (const ModuleInfo& m : mods) {
    std::string tiers;
    for (const auto& [tier, n] : m.functions) tiers += (tiers.empty() ? "" : ", ") + tier + " " + std::to_string(n);
    printf("%-16.16s %5llu  %-22s %7llu %10s  %-19s  %s\n", m.module.hex().c_str(),
           static_cast<unsigned long long>(m.runs), tiers.empty() ? "-" : tiers.c_str(),
           static_cast<unsigned long long>(m.objects), human_bytes(m.bytes).c_str(), local_time(m.last_use).c_str(),
           m.path.empty() ? "-" : m.path.c_str());
  }
  return 0;
}

int cmd_stats(Store& store, const Args& a) {
  Stats s = store.stats();
  if (a.json) {
    print_json(llvm::json::Object{{"cache_dir", store.dir()}, {"objects", int64_t(s.objects)},
                                  {"modules", int64_t(s.modules)},
                {"temporaries", int64_t(s.temporaries)}, {"bytes", int64_t(s.bytes)}, {"hits", int64_t(s.hits)},
                {"misses", int64_t(s.misses)}});
    return 0;
  }
  printf("directory    %s\nobjects      %llu\nmodules      %llu\ntemporaries  %llu\nbytes        %llu (%s)\n"
         "hits         %llu\nmisses       %llu\n",
         store.dir().c_str(), static_cast<unsigned long long>(s.objects), static_cast<unsigned long long>(s.modules),
         static_cast<unsigned long long>(s.temporaries), static_cast<unsigned long long>(s.bytes),
         human_bytes(s.bytes).c_str(), static_cast<unsigned long long>(s.hits),
         static_cast<unsigned long long>(s.misses));
  return 0;
}

int cmd_verify(Store& store, const Args& a) {
  VerifyReport r = store.verify();
  size_t damaged = 0;
  for (const Problem& p : r.problems) damaged += p.damaged;
  if (a.json) {
    llvm::json::Array bad, notes;
    for (const Problem& p : r.problems)
      (p.damaged ? bad : notes).push_back(llvm::json::Object{{"path", p.path}, {"reason", p.reason}});
    print_json(llvm::json::Object{{"cache_dir", store.dir()}, {"entries", int64_t(r.entries)},
                                  {"damaged", std::move(bad)},
                {"notes", std::move(notes)}});
  } else {
    for (const Problem& p : r.problems)
      printf("%s %s: %s\n", p.damaged ? "damaged" : "note   ", p.path.c_str(), p.reason.c_str());
    printf("%s: %llu entries checked, %zu damaged\n", store.dir().c_str(),
           static_cast<unsigned long long>(r.entries), damaged);
  }
  return damaged ? 1 : 0;
}

int cmd_remove(Store& store, const Args& a) {
  Removed removed;
  std::string error;
  bool ok = a.command == "clear" ? store.clear(removed, error) : store.prune(a.max, removed, error);
  if (!ok) {
    fprintf(stderr, "bareflow: %s\n", error.c_str());
    return 1;
  }
  uint64_t left = store.stats().bytes;
  if (a.json) {
    print_json(llvm::json::Object{{"cache_dir", store.dir()}, {"removed_files", int64_t(removed.files)},
                {"removed_bytes", int64_t(removed.bytes)}, {"bytes", int64_t(left)}});
  } else {
    printf("%s: removed %llu files (%s); %s left\n", store.dir().c_str(),
           static_cast<unsigned long long>(removed.files), human_bytes(removed.bytes).c_str(),
           human_bytes(left).c_str());
  }
  return 0;
}

}  // namespace

int bf_cmd_cache(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i];
    // --NAME VALUE or --NAME=VALUE; false when `arg` is not --NAME.
    auto option = [&](const std::string& name, std::string& out) {
      if (arg.rfind(name + "=", 0) == 0) {
        out = arg.substr(name.size() + 1);
        return true;
      }
      if (arg != name) return false;
      out = i + 1 < argc ? argv[++i] : "";
      return true;
    };
    std::string v;
    if (arg == "-h" || arg == "--help") {
      fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--json") {
      a.json = true;
    } else if (option("--cache-dir", v)) {
      if (v.empty()) return usage_error("--cache-dir needs a directory");
      a.dir = v;
    } else if (option("--max", v)) {
      if (!parse_size(v, a.max)) return usage_error("--max: '" + v + "' is not a size (bytes, or with K, M, G, T)");
    } else if (a.command.empty() && arg[0] != '-') {
      a.command = arg;
    } else {
      return usage_error("unknown argument '" + arg + "'");
    }
  }
  if (a.command.empty()) return usage_error("which command? ls, stats, verify, clear or prune");
  bool writes = a.command == "clear" || a.command == "prune";
  if (!writes && a.command != "ls" && a.command != "stats" && a.command != "verify")
    return usage_error("unknown command '" + a.command + "'");
  if (a.dir.empty())
    return usage_error("no cache directory: give --cache-dir DIR or set BAREFLOW_CACHE_DIR, XDG_CACHE_HOME or HOME");
  // Reading never creates the directory; neither does emptying one that is not there.
  struct stat st;
  bool exists = stat(a.dir.c_str(), &st) == 0;
  Settings settings{a.dir, writes && exists ? Mode::read_write : Mode::read_only, kDefaultMaxBytes, nullptr};
  settings.max_bytes = UINT64_MAX;  // only `prune` removes entries here
  std::string warning;
  std::unique_ptr<Store> store = Store::open(settings, warning);
  if (!store) {
    fprintf(stderr, "bareflow: %s\n", warning.c_str());
    return 1;
  }
  if (a.command == "ls") return cmd_ls(*store, a);
  if (a.command == "stats") return cmd_stats(*store, a);
  if (a.command == "verify") return cmd_verify(*store, a);
  if (!exists) {
    if (a.json)
      print_json(llvm::json::Object{{"cache_dir", a.dir}, {"removed_files", 0}, {"removed_bytes", 0}, {"bytes", 0}});
    else printf("%s: no cache here\n", a.dir.c_str());
    return 0;
  }
  return cmd_remove(*store, a);
}
