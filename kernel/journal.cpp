// One JSON line, as src/lifecycle/journal.cpp writes them (keys in the same order):
// {"boot":N,"cache_hits":0,"code_bytes":B,"compiles":0,"end_s":S,"first_output_s":S|null,
//  "module":"HEX","phase":"appliance","status":N,"tiers":{},"tok_s":X|null}
// Times are from the boot (the monotonic clock's zero); tok/s is the last "N tok/s" the program
// printed, copied as it was written (the kernel has no floating point).
#include "journal.h"

#include "fs/fat32.h"
#include "lib/errno.h"
#include "time.h"

namespace {

const char* g_path = nullptr;
const char* g_module = nullptr;
const char* g_program = nullptr;
u64 g_first_stdout_ns = 0;
bool g_seen_stdout = false;
char g_tail[256];  // the last bytes of stdout and stderr
usize g_tail_len = 0;

// The last occurrence of `needle` in the NUL-terminated `text`, or nullptr.
const char* last_of(const char* text, const char* needle) {
  usize k = strlen(needle);
  const char* last = nullptr;
  for (const char* p = text; *p; p++)
    if (!strncmp(p, needle, k)) last = p;
  return last;
}

// The boot number after the journal's last line ("boot":N), or 1.
u64 next_boot(FatNode& node) {
  char buf[4096];
  u64 from = node.size > sizeof buf - 1 ? node.size - (sizeof buf - 1) : 0;
  isize n = fat_read(node, from, buf, node.size - from);
  if (n <= 0) return 1;
  buf[n] = 0;
  const char* last = last_of(buf, "\"boot\":");
  if (!last) return 1;
  u64 boot = 0;
  for (const char* p = last + 7; *p >= '0' && *p <= '9'; p++) boot = boot * 10 + u64(*p - '0');
  return boot + 1;
}

// The digits of the last "N tok/s" in the tail ("null" when there is none).
void tok_s(char* out, usize cap) {
  strncpy_z(out, "null", cap);
  g_tail[g_tail_len < sizeof g_tail ? g_tail_len : sizeof g_tail - 1] = 0;
  const char* at = last_of(g_tail, " tok/s");
  if (!at) return;
  const char* start = at;
  while (start > g_tail && ((start[-1] >= '0' && start[-1] <= '9') || start[-1] == '.')) start--;
  usize n = usize(at - start);
  if (n == 0 || n >= cap || *start == '.' || at[-1] == '.') return;
  memcpy(out, start, n);
  out[n] = 0;
}

void seconds(char* out, usize cap, u64 ns) { snprint(out, cap, "%lu.%06lu", ns / 1000000000, ns / 1000 % 1000000); }

}  // namespace

void journal_configure(const char* path, const char* module, const char* program) {
  g_path = path;
  g_module = module;
  g_program = program;
}

void journal_output(Channel ch, const char* s, usize n) {
  if (!g_path || ch == Channel::Log) return;
  if (ch == Channel::Stdout && !g_seen_stdout && n) {
    g_seen_stdout = true;
    g_first_stdout_ns = time_monotonic_ns();
  }
  if (n >= sizeof g_tail - 1) {
    memcpy(g_tail, s + n - (sizeof g_tail - 1), sizeof g_tail - 1);
    g_tail_len = sizeof g_tail - 1;
    return;
  }
  if (g_tail_len + n > sizeof g_tail - 1) {
    usize drop = g_tail_len + n - (sizeof g_tail - 1);
    memmove(g_tail, g_tail + drop, g_tail_len - drop);
    g_tail_len -= drop;
  }
  memcpy(g_tail + g_tail_len, s, n);
  g_tail_len += n;
}

void journal_append(int status) {
  if (!g_path) return;
  u64 end_ns = time_monotonic_ns();
  FatNode program, node;
  u64 program_bytes = fat_lookup(g_program, &program) == 0 ? program.size : 0;
  int r = fat_lookup(g_path, &node);
  if (r == -ENOENT) r = fat_create(g_path, false, &node);
  if (r) {
    kerror("%s: cannot open the lifecycle journal (error %d)\n", g_path, -r);
    return;
  }
  char end[32], first[32], tok[32], line[512];
  seconds(end, sizeof end, end_ns);
  if (g_seen_stdout) seconds(first, sizeof first, g_first_stdout_ns);
  else strncpy_z(first, "null", sizeof first);
  tok_s(tok, sizeof tok);
  usize n = snprint(line, sizeof line,
                    "{\"boot\":%lu,\"cache_hits\":0,\"code_bytes\":%lu,\"compiles\":0,\"end_s\":%s,"
                    "\"first_output_s\":%s,\"module\":\"%s\",\"phase\":\"appliance\",\"status\":%d,\"tiers\":{},"
                    "\"tok_s\":%s}\n",
                    next_boot(node), program_bytes, end, first, g_module, status, tok);
  if (n >= sizeof line - 1 || fat_write(node, node.size, line, n) != isize(n) || fat_commit(node)) {
    kerror("%s: cannot append the lifecycle journal's line\n", g_path);
  }
}
