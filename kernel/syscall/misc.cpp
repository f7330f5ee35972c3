// The process and the machine: exit, signals (never delivered), identity, limits, the futex of
// a single thread, randomness and the FS/GS bases.
#include "arch/x86_64/cpu.h"
#include "syscall/fd_table.h"
#include "syscall/handlers.h"
#include "time.h"

namespace {

[[noreturn]] void program_exit(int status) {
  commit_all();
  klog("program exited with status %d\n", status);
  machine_exit(status & 0xFF);
}

i64 kill_self(u64 sig) {
  if ((int)sig == 0) return 0;
  kerror("program killed by signal %d\n", (int)sig);
  commit_all();
  machine_exit(kExitSignalBase + (int)sig);
}

enum : u64 { kRlimitStack = 3, kRlimitNofile = 7 };

i64 get_limit(u64 resource, u64 old) {
  if (!old) return 0;
  if (!user_ok(old, 16)) return -EFAULT;
  u64* r = (u64*)old;
  r[0] = r[1] = ~0UL;
  if (resource == kRlimitStack) r[0] = 8UL << 20;
  if (resource == kRlimitNofile) r[0] = r[1] = kMaxFds;
  return 0;
}

enum : u64 { kFutexWait = 0, kFutexWake = 1, kFutexWaitBitset = 9, kFutexWakeBitset = 10,
             kFutexCmdMask = 0x7F };
enum : u64 { kArchSetGs = 0x1001, kArchSetFs = 0x1002, kArchGetFs = 0x1003, kArchGetGs = 0x1004 };
enum : u32 { kMsrFsBase = 0xC0000100, kMsrGsBase = 0xC0000101 };

}  // namespace

i64 sys_exit(const SyscallArgs& a) { program_exit((int)a.a0); }  // exit_group too
i64 sys_kill(const SyscallArgs& a) { return kill_self(a.a1); }    // only ourselves; tkill too
i64 sys_tgkill(const SyscallArgs& a) { return kill_self(a.a2); }

// Signals are never delivered: handlers and masks are accepted, the old ones read as empty.
i64 sys_rt_sigaction(const SyscallArgs& a) {
  if (a.a2 && user_ok(a.a2, 32)) memset((void*)a.a2, 0, 32);
  return 0;
}

i64 sys_rt_sigprocmask(const SyscallArgs& a) {
  if (a.a2 && user_ok(a.a2, 8)) memset((void*)a.a2, 0, 8);
  return 0;
}

i64 sys_uname(const SyscallArgs& a) {
  if (!user_ok(a.a0, 6 * 65)) return -EFAULT;
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
  if (!user_ok(a.a0, 112)) return -EFAULT;
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

i64 sys_futex(const SyscallArgs& a) {
  u64 uaddr = a.a0, cmd = a.a1 & kFutexCmdMask;
  if (!user_ok(uaddr, 4)) return -EFAULT;
  if (cmd == kFutexWake || cmd == kFutexWakeBitset) return 0;  // nobody else is waiting
  if (cmd == kFutexWait || cmd == kFutexWaitBitset) {
    if (*(volatile u32*)uaddr != (u32)a.a2) return -EAGAIN;
    if (a.a3) return -ETIMEDOUT;
    kerror("the program waits on a futex that no other thread can wake (one CPU, one thread)\n");
    commit_all();
    machine_exit(kExitSignalBase + 6);
  }
  return -ENOSYS;
}

i64 sys_getrandom(const SyscallArgs& a) {
  u64 buf = a.a0, n = a.a1;
  if (!user_ok(buf, n)) return -EFAULT;
  u8* p = (u8*)buf;
  for (u64 i = 0; i < n; i += 8) {
    u64 v = cpu_random64();
    memcpy(p + i, &v, min_of((u64)8, n - i));
  }
  return (i64)n;
}

i64 sys_arch_prctl(const SyscallArgs& a) {
  u64 code = a.a0, addr = a.a1;
  switch (code) {
    case kArchSetGs: wrmsr(kMsrGsBase, addr); return 0;
    case kArchSetFs: wrmsr(kMsrFsBase, addr); return 0;
    case kArchGetFs: case kArchGetGs:
      if (!user_ok(addr, 8)) return -EFAULT;
      *(u64*)addr = rdmsr(code == kArchGetFs ? kMsrFsBase : kMsrGsBase);
      return 0;
    default: return -EINVAL;
  }
}

i64 sys_sched_getaffinity(const SyscallArgs& a) {  // CPU 0 only
  u64 size = a.a1, mask = a.a2;
  if (!user_ok(mask, size) || size < 8) return -EINVAL;
  memset((void*)mask, 0, size);
  *(u8*)mask = 1;
  return 8;
}

i64 sys_clone(const SyscallArgs& a) { return -EAGAIN; }  // clone3 too: one thread only
i64 sys_rseq(const SyscallArgs& a) { return -ENOSYS; }   // glibc runs without it
i64 sys_return_0(const SyscallArgs& a) { return 0; }
i64 sys_return_1(const SyscallArgs& a) { return 1; }
