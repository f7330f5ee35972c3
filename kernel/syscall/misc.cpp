// The machine and the process's limits: uname, sysinfo, resource limits, randomness.
#include "arch/x86_64/cpu.h"
#include "syscall/fd_table.h"
#include "syscall/handlers.h"
#include "time.h"

namespace {

enum : u64 { kRlimitStack = 3, kRlimitNofile = 7 };

i64 get_limit(u64 resource, u64 old) {
  if (!old) return 0;
  if (!user_writable(old, 16)) return -EFAULT;
  u64* r = (u64*)old;
  r[0] = r[1] = ~0UL;
  if (resource == kRlimitStack) r[0] = 8UL << 20;
  if (resource == kRlimitNofile) r[0] = r[1] = kMaxFds;
  return 0;
}

}  // namespace

i64 sys_uname(const SyscallArgs& a) {
  if (!user_writable(a.a0, 6 * 65)) return -EFAULT;
  char* u = (char*)a.a0;
  memset(u, 0, 6 * 65);
  strncpy_z(u + 0 * 65, "Linux", 65);
  strncpy_z(u + 1 * 65, "bareflow", 65);
  strncpy_z(u + 2 * 65, "6.1.0-bareflow", 65);
  strncpy_z(u + 3 * 65, "#1 SMP BareFlow unikernel", 65);
  strncpy_z(u + 4 * 65, "x86_64", 65);
  strncpy_z(u + 5 * 65, "(none)", 65);
  return 0;
}

i64 sys_sysinfo(const SyscallArgs& a) {
  if (!user_writable(a.a0, 112)) return -EFAULT;
  u64* s = (u64*)a.a0;
  memset(s, 0, 112);
  s[0] = time_monotonic_ns() / 1000000000UL;  // uptime
  s[4] = frames_total_bytes();                // totalram
  s[5] = frames_free_bytes();                 // freeram
  ((u16*)(s + 10))[0] = 1;                    // procs
  ((u32*)((u8*)s + 104))[0] = 1;              // mem_unit
  return 0;
}

i64 sys_getrlimit(const SyscallArgs& a) { return get_limit(a.a0, a.a1); }
i64 sys_prlimit64(const SyscallArgs& a) { return get_limit(a.a1, a.a3); }

i64 sys_getrandom(const SyscallArgs& a) {
  u64 buf = a.a0, n = a.a1;
  if (!user_writable(buf, n)) return -EFAULT;
  u8* p = (u8*)buf;
  for (u64 i = 0; i < n; i += 8) {
    u64 v = cpu_random64();
    memcpy(p + i, &v, min_of((u64)8, n - i));
  }
  return (i64)n;
}

i64 sys_return_0(const SyscallArgs& a) { return 0; }

i64 sys_getgroups(const SyscallArgs& a) { return 0; }  // root, in no supplementary group

i64 sys_getresuid(const SyscallArgs& a) {  // getresgid too: all three are 0
  const u64 ids[3] = {a.a0, a.a1, a.a2};
  for (u64 p : ids)
    if (!user_writable(p, 4)) return -EFAULT;
  for (u64 p : ids) *(u32*)p = 0;
  return 0;
}
