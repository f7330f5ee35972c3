// Files that are not on the disk: /dev/null, /dev/zero, /dev/urandom and /dev/random, the console
// (/dev/stdout, /dev/stderr, /dev/tty), and text made when read: /proc/meminfo, /proc/interrupts
// (the timer's and the rescheduling IPIs' counts per CPU) and the CPU lists
// of /sys/devices/system/cpu (glibc's get_nprocs reads "online"). /proc/self/exe names the program.
#include "arch/x86_64/cpu.h"
#include "syscall/fd_table.h"
#include "syscall/handlers.h"

namespace {

char program_path[256];

usize generate(GeneratedText which, char* buf, usize cap) {
  switch (which) {
    case GeneratedText::Meminfo: {
      u64 total = frames_total_bytes() >> 10, free = frames_free_bytes() >> 10;
      return snprint(buf, cap,
                     "MemTotal:       %8lu kB\nMemFree:        %8lu kB\nMemAvailable:   %8lu kB\n"
                     "Buffers:               0 kB\nCached:                0 kB\nSwapTotal:             0 kB\n"
                     "SwapFree:              0 kB\n",
                     total, free, free);
    }
    case GeneratedText::Interrupts: {  // Linux's layout, the two rows that exist here
      usize n = snprint(buf, cap, "    ");
      for (u32 i = 0; i < cpu_count; i++) n += snprint(buf + min_of(n, cap), cap - min_of(n, cap), "       CPU%u", i);
      const char* rows[2] = {"LOC", "RES"};
      const char* names[2] = {"Local timer interrupts", "Rescheduling interrupts"};
      for (int r = 0; r < 2; r++) {
        n += snprint(buf + min_of(n, cap), cap - min_of(n, cap), "\n%s:", rows[r]);
        for (u32 i = 0; i < cpu_count; i++)
          n += snprint(buf + min_of(n, cap), cap - min_of(n, cap), " %10lu", r ? cpus[i]->ipis : cpus[i]->timer_interrupts);
        n += snprint(buf + min_of(n, cap), cap - min_of(n, cap), "   %s", names[r]);
      }
      return n + snprint(buf + min_of(n, cap), cap - min_of(n, cap), "\n");
    }
    case GeneratedText::CpusOnline:
    case GeneratedText::CpusPossible:
      return cpu_count == 1 ? snprint(buf, cap, "0\n") : snprint(buf, cap, "0-%u\n", cpu_count - 1);
  }
  return 0;
}

}  // namespace

void special_files_init(const char* program) { strncpy_z(program_path, program, sizeof program_path); }

const char* special_alias(const char* path) { return strcmp(path, "/proc/self/exe") ? path : program_path; }

bool special_open(const char* path, OpenFile* f) {
  struct Entry {
    const char* path;
    FileKind kind;
    GeneratedText text;
  };
  static const Entry entries[] = {
      {"/dev/null", FileKind::Null, {}},
      {"/dev/zero", FileKind::Zero, {}},
      {"/dev/urandom", FileKind::Random, {}},
      {"/dev/random", FileKind::Random, {}},
      {"/dev/stdout", FileKind::Console, {}},
      {"/dev/stderr", FileKind::Console, {}},
      {"/dev/tty", FileKind::Console, {}},
      {"/proc/meminfo", FileKind::Generated, GeneratedText::Meminfo},
      {"/proc/interrupts", FileKind::Generated, GeneratedText::Interrupts},
      {"/sys/devices/system/cpu/online", FileKind::Generated, GeneratedText::CpusOnline},
      {"/sys/devices/system/cpu/possible", FileKind::Generated, GeneratedText::CpusPossible},
  };
  for (const Entry& e : entries)
    if (!strcmp(path, e.path)) {
      f->kind = e.kind;
      f->text = e.text;
      f->channel = !strcmp(path, "/dev/stdout") ? Channel::Stdout : Channel::Stderr;
      return true;
    }
  return false;
}

i64 special_read(OpenFile* f, u64 buf, u64 n, u64* pos) {
  switch (f->kind) {
    case FileKind::Zero:
      memset((void*)buf, 0, n);
      return (i64)n;
    case FileKind::Random:
      for (u64 i = 0; i < n; i += 8) {
        u64 v = cpu_random64();
        memcpy((u8*)buf + i, &v, min_of((u64)8, n - i));
      }
      return (i64)n;
    case FileKind::Generated: {
      char text[1024];
      usize len = min_of(generate(f->text, text, sizeof text), sizeof text - 1);
      if (*pos >= len) return 0;
      u64 k = min_of(n, len - *pos);
      memcpy((void*)buf, text + *pos, k);
      *pos += k;
      return (i64)k;
    }
    default:
      return -EBADF;
  }
}
