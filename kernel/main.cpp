// The kernel's start: read what the boot loader left (PVH or multiboot2), bring up memory, CPU,
// clock, disk and file system, then load the program named on the command line and run it.
//
// Command line: [verbose] [strace] [env=NAME=VALUE]... [lifecycle-journal=PATH lifecycle-module=HEX]
//               -- PROGRAM [ARG]...  (HOME=/ unless given)
// Words are separated by spaces; "double quotes" group, a backslash takes the next character.
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/smp.h"
#include "console.h"
#include "drivers/block.h"
#include "exec/program.h"
#include "fs/fat32.h"
#include "journal.h"
#include "mm/memory.h"
#include "sched/scheduler.h"
#include "syscall/syscall.h"
#include "time.h"

extern "C" char _kernel_phys_start[], _kernel_phys_end[], kernel_stack_top[];
extern "C" void __cxa_pure_virtual() { kernel_panic("pure virtual call"); }

namespace {

struct PACKED PvhStartInfo {
  u32 magic, version, flags, nr_modules;
  u64 modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
  u32 memmap_entries, reserved;
};
struct PACKED PvhModule {
  u64 paddr, size, cmdline_paddr, reserved;
};
struct PACKED PvhMemmapEntry {
  u64 addr, size;
  u32 type, reserved;
};
static_assert(sizeof(PvhStartInfo) == 56 && sizeof(PvhModule) == 32 && sizeof(PvhMemmapEntry) == 24);

struct PACKED Mb2Tag {
  u32 type, size;
};
struct PACKED Mb2MmapEntry {
  u64 addr, len;
  u32 type, reserved;
};
static_assert(sizeof(Mb2MmapEntry) == 24);

constexpr int kMaxRegions = 64;
PhysRange usable[kMaxRegions], reserved[kMaxRegions];
int n_usable = 0, n_reserved = 0;
char cmdline[4096];
u64 rsdp = 0;  // where the boot loader says the ACPI RSDP is
usize cmdline_length = 0;  // as the boot loader gave it, for the check against the buffer

void set_cmdline(const char* s) {
  cmdline_length = strlen(s);
  strncpy_z(cmdline, s, sizeof cmdline);
}

void add_usable(u64 a, u64 len) {
  if (n_usable < kMaxRegions) usable[n_usable++] = {a, a + len};
}
void add_reserved(u64 a, u64 len) {
  if (n_reserved < kMaxRegions) reserved[n_reserved++] = {a, a + len};
}

void copy_cmdline(u64 phys) {
  if (!phys || phys >= kPhysLimit) return;
  set_cmdline((const char*)phys_to_virt(phys));
}

bool read_pvh(u64 info) {
  const PvhStartInfo& si = *(const PvhStartInfo*)phys_to_virt(info);
  if (si.magic != 0x336ec578) return false;
  add_reserved(info, sizeof si);
  copy_cmdline(si.cmdline_paddr);
  rsdp = si.rsdp_paddr;
  const PvhModule* mods = (const PvhModule*)phys_to_virt(si.modlist_paddr);
  for (u32 i = 0; si.modlist_paddr && i < si.nr_modules; i++) add_reserved(mods[i].paddr, mods[i].size);
  if (si.version < 1 || !si.memmap_entries) return false;
  const PvhMemmapEntry* mm = (const PvhMemmapEntry*)phys_to_virt(si.memmap_paddr);
  for (u32 i = 0; i < si.memmap_entries; i++)
    if (mm[i].type == 1) add_usable(mm[i].addr, mm[i].size);
  return true;
}

bool read_multiboot2(u64 info) {
  u8* base = (u8*)phys_to_virt(info);
  u32 total = *(u32*)base;
  add_reserved(info, total);
  for (u32 off = 8; off + sizeof(Mb2Tag) <= total;) {
    const Mb2Tag& t = *(const Mb2Tag*)(base + off);
    if (t.type == 0) break;
    if (t.type == 1) set_cmdline((const char*)(base + off + 8));
    if ((t.type == 14 || t.type == 15) && !rsdp) rsdp = info + off + 8;  // a copy of the RSDP
    if (t.type == 3) {
      u32 start = *(u32*)(base + off + 8), end = *(u32*)(base + off + 12);
      add_reserved(start, end - start);
    }
    if (t.type == 6) {
      u32 entry_size = *(u32*)(base + off + 8);
      for (u32 e = 16; entry_size && e + sizeof(Mb2MmapEntry) <= t.size; e += entry_size) {
        const Mb2MmapEntry& m = *(const Mb2MmapEntry*)(base + off + e);
        if (m.type == 1) add_usable(m.addr, m.len);
      }
    }
    off += align_up(t.size, 8);
  }
  return n_usable > 0;
}

// Splits the command line in place into words (quotes and backslashes as above).
int split_words(char* s, char** words, int max) {
  int n = 0;
  char* out = s;
  while (*s) {
    while (*s == ' ' || *s == '\t' || *s == '\n') s++;
    if (!*s) break;
    if (n == max) break;
    words[n++] = out;
    bool quoted = false;
    while (*s && (quoted || (*s != ' ' && *s != '\t' && *s != '\n'))) {
      if (*s == '\\' && s[1]) {
        *out++ = s[1];
        s += 2;
      } else if (*s == '"') {
        quoted = !quoted;
        s++;
      } else {
        *out++ = *s++;
      }
    }
    bool more = *s != 0;
    if (more) s++;
    *out++ = 0;
  }
  return n;
}

}  // namespace

extern "C" [[noreturn]] void kernel_main(u32 protocol, u32 info) {
  console_init();
  bool ok = protocol == 1 ? read_pvh(info) : protocol == 2 ? read_multiboot2(info) : false;
  if (!ok) {
    kerror("no memory map from the boot loader (protocol %u)\n", protocol);
    machine_exit(kExitKernelPanic);
  }
  add_reserved((u64)_kernel_phys_start, (u64)_kernel_phys_end - (u64)_kernel_phys_start);
  frames_init(usable, n_usable, reserved, n_reserved);
  paging_init();
  static Cpu boot_cpu;
  alignas(16) static u8 boot_ist[kIstTotalBytes];
  static Thread boot_idle;
  cpus[0] = &boot_cpu;
  cpu_init_boot(&boot_cpu, boot_ist);
  sched_init_cpu(&boot_idle, (u64)kernel_stack_top);

  klog("command line: %s\n", cmdline);
  if (cmdline_length >= sizeof cmdline) {
    kerror("the kernel command line is %lu bytes, longer than the %lu the kernel keeps: shorten the "
           "program's arguments\n", cmdline_length, sizeof cmdline - 1);
    machine_exit(kExitKernelPanic);
  }
  static char* words[512];
  int n_words = split_words(cmdline, words, 512);
  static char* envp[256];
  int envc = 0, first_arg = -1;
  const char *journal_path = nullptr, *journal_module = "";
  for (int i = 0; i < n_words; i++) {
    if (!strcmp(words[i], "--")) {
      first_arg = i + 1;
      break;
    }
    if (!strcmp(words[i], "verbose")) console_verbose = true;
    else if (!strcmp(words[i], "strace")) syscall_trace = true;
    else if (!strncmp(words[i], "env=", 4) && envc < 255) envp[envc++] = words[i] + 4;
    else if (!strncmp(words[i], "lifecycle-journal=", 18)) journal_path = words[i] + 18;
    else if (!strncmp(words[i], "lifecycle-module=", 17)) journal_module = words[i] + 17;
  }
  // The program's home is the disk's root, unless the command line names another: what it keeps
  // under $HOME (bareflow's code cache, ~/.cache/bareflow) lives on the disk, across boots.
  static char default_home[] = "HOME=/";
  bool has_home = false;
  for (int i = 0; i < envc; i++) has_home |= !strncmp(envp[i], "HOME=", 5);
  if (!has_home && envc < 255) envp[envc++] = default_home;
  klog("BareFlow kernel: %s boot, %lu MiB free, cpu %s\n", protocol == 1 ? "PVH" : "multiboot2",
       frames_free_bytes() >> 20, cpu_feature_summary());
  time_init();
  apic_init();
  klog("local APIC %u, timer %s\n", apic_id(), apic_timer_mode());
  smp_init(rsdp, kMaxCpus);
  if (first_arg < 0 || first_arg >= n_words) {
    kerror("no program on the kernel command line (expected: ... -- PROGRAM [ARGS])\n");
    machine_exit(kExitNotFound);
  }
  console_use_virtio();
  if (!block_init()) machine_exit(kExitKernelPanic);
  if (fat_mount()) machine_exit(kExitKernelPanic);

  static char program_path[256];
  const char* name = words[first_arg];
  snprint(program_path, sizeof program_path, "%s%s", name[0] == '/' ? "" : "/", name);
  ProgramImage img;
  int status = program_load(program_path, &img);
  if (status) machine_exit(status);
  words[first_arg] = program_path;
  if (journal_path) journal_configure(journal_path, journal_module, program_path);
  program_start(img, n_words - first_arg, words + first_arg, envc, envp);
}
