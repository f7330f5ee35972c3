// Threads and the process: clone, thread and program exit, thread ids, futexes, yielding, the
// FS/GS bases and the CPUs a thread may run on.
#include "arch/x86_64/cpu.h"
#include "console.h"
#include "sched/futex.h"
#include "sched/scheduler.h"
#include "syscall/handlers.h"
#include "time.h"

namespace {

enum : u64 {
  kCloneVm = 0x100, kCloneFs = 0x200, kCloneFiles = 0x400, kCloneSighand = 0x800, kCloneSysvsem = 0x40000,
  kCloneThread = 0x10000, kCloneSettls = 0x80000, kCloneParentSettid = 0x100000,
  kCloneChildCleartid = 0x200000, kCloneDetached = 0x400000, kCloneChildSettid = 0x1000000,
  kCloneSignalMask = 0xFF,
};
// What a thread may share or set; anything else (a new process, namespaces, pidfds) is not supported.
constexpr u64 kCloneThreadFlags = kCloneVm | kCloneFs | kCloneFiles | kCloneSighand | kCloneSysvsem | kCloneThread |
                                  kCloneSettls | kCloneParentSettid | kCloneChildCleartid | kCloneDetached |
                                  kCloneChildSettid;

bool new_process_reported = false;

i64 clone_thread(u64 flags, u64 stack, u64 parent_tid, u64 child_tid, u64 tls) {
  constexpr u64 kNeeded = kCloneVm | kCloneThread | kCloneSighand;
  if ((flags & kNeeded) != kNeeded) {
    if (!new_process_reported)
      kerror("clone without CLONE_VM and CLONE_THREAD (a new process, flags %lx) is not supported "
             "(returns ENOSYS)\n", flags);
    new_process_reported = true;
    return -ENOSYS;
  }
  if (flags & ~(kCloneThreadFlags | kCloneSignalMask)) return -EINVAL;
  if ((flags & kCloneParentSettid) && !user_writable(parent_tid, 4)) return -EFAULT;
  if ((flags & (kCloneChildSettid | kCloneChildCleartid)) && !user_writable(child_tid, 4)) return -EFAULT;
  Thread* parent = current_thread();
  TrapFrame f = *parent->frame();
  f.rax = 0;  // the child's result
  if (stack) f.rsp = stack;
  u64 fs = (flags & kCloneSettls) ? tls : rdmsr(kMsrFsBase);
  Thread* t = thread_create(f, parent->xsave, fs, rdmsr(kMsrKernelGsBase));
  if (!t) return -EAGAIN;
  t->signal_mask = parent->signal_mask;
  if (flags & kCloneParentSettid) *(i32*)parent_tid = t->tid;
  if (flags & kCloneChildSettid) *(i32*)child_tid = t->tid;
  if (flags & kCloneChildCleartid) t->clear_child_tid = child_tid;
  sched_make_runnable(t);
  return t->tid;
}

struct CloneArgs {
  u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};
constexpr u64 kCloneArgsMinSize = 64;

enum : u64 {
  kFutexWait = 0, kFutexWake = 1, kFutexRequeue = 3, kFutexCmpRequeue = 4, kFutexWakeOp = 5,
  kFutexWaitBitset = 9, kFutexWakeBitset = 10, kFutexCmdMask = 0x7F, kFutexClockRealtime = 256,
};

constexpr u64 kNsPerSec = 1000000000UL;

// A futex timeout as a deadline in ns since boot: FUTEX_WAIT's is relative (CLOCK_MONOTONIC),
// FUTEX_WAIT_BITSET's absolute, on CLOCK_REALTIME with FUTEX_CLOCK_REALTIME.
i64 futex_deadline(u64 timeout, bool absolute, bool realtime, u64* deadline) {
  *deadline = 0;
  if (!timeout) return 0;
  if (!user_readable(timeout, 16)) return -EFAULT;
  i64 sec = ((const i64*)timeout)[0], nsec = ((const i64*)timeout)[1];
  if (sec < 0 || nsec < 0 || nsec >= (i64)kNsPerSec) return -EINVAL;
  u64 ns = (u64)sec * kNsPerSec + (u64)nsec;
  u64 now = time_monotonic_ns();
  if (!absolute) ns += now;
  else if (realtime) ns = ns > time_realtime_ns() - now ? ns - (time_realtime_ns() - now) : 1;
  *deadline = ns ? ns : 1;
  return 0;
}

// FUTEX_WAKE_OP: *uaddr2 = op(old, arg) atomically, then wake on uaddr and, if cmp(old), on uaddr2.
i64 futex_wake_op(u64 uaddr, u64 n, u64 uaddr2, u64 n2, u32 encoded) {
  u32 op = (encoded >> 28) & 7, cmp = (encoded >> 24) & 15;
  if (op > 4 || cmp > 5) return -ENOSYS;
  u32 arg = (encoded >> 12) & 0xFFF, cmparg = encoded & 0xFFF;
  if (encoded & (8u << 28)) arg = 1u << (arg & 31);
  volatile u32* p = (volatile u32*)uaddr2;
  u32 old = *p, value;
  do {
    switch (op) {
      case 0: value = arg; break;
      case 1: value = old + arg; break;
      case 2: value = old | arg; break;
      case 3: value = old & ~arg; break;
      default: value = old ^ arg; break;
    }
  } while (!__atomic_compare_exchange_n(p, &old, value, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
  i64 woken = futex_wake(uaddr, n, ~0u);
  i32 o = (i32)old, c = (i32)cmparg;
  bool hit = cmp == 0 ? o == c : cmp == 1 ? o != c : cmp == 2 ? o < c : cmp == 3 ? o <= c : cmp == 4 ? o > c : o >= c;
  if (hit) woken += futex_wake(uaddr2, n2, ~0u);
  return woken;
}

u8 futex_reported[2];  // each unsupported operation once

[[noreturn]] void program_exit(int status) {
  klog("program exited with status %d\n", status);
  program_end(status & 0xFF);
}

}  // namespace

i64 sys_clone(const SyscallArgs& a) { return clone_thread(a.a0, a.a1, a.a2, a.a3, a.a4); }

i64 sys_clone3(const SyscallArgs& a) {
  if (a.a1 < kCloneArgsMinSize) return -EINVAL;
  if (!user_readable(a.a0, kCloneArgsMinSize)) return -EFAULT;
  const CloneArgs& c = *(const CloneArgs*)a.a0;
  if (c.stack && !c.stack_size) return -EINVAL;
  return clone_thread(c.flags | (c.exit_signal & kCloneSignalMask), c.stack ? c.stack + c.stack_size : 0,
                      c.parent_tid, c.child_tid, c.tls);
}

// exit ends the calling thread (the program when it was the last); CLONE_CHILD_CLEARTID's word is
// zeroed and its waiter woken, which is what pthread_join waits for.
i64 sys_exit(const SyscallArgs& a) {
  Thread* t = current_thread();
  if (t->clear_child_tid && user_writable(t->clear_child_tid, 4)) {
    *(volatile u32*)t->clear_child_tid = 0;
    futex_wake(t->clear_child_tid, 1, ~0u);
  }
  if (thread_live_count() == 1) program_exit((int)a.a0);
  klog("thread %d exited with status %d\n", t->tid, (int)a.a0);
  sched_exit_current();
}

i64 sys_exit_group(const SyscallArgs& a) { program_exit((int)a.a0); }

i64 sys_set_tid_address(const SyscallArgs& a) {
  current_thread()->clear_child_tid = a.a0;
  return current_thread()->tid;
}

i64 sys_gettid(const SyscallArgs& a) { return current_thread()->tid; }
i64 sys_getpid(const SyscallArgs& a) { return 1; }  // the program is process 1 (its first thread's id)

i64 sys_sched_yield(const SyscallArgs& a) {
  sched_yield();
  return 0;
}

i64 sys_futex(const SyscallArgs& a) {
  u64 uaddr = a.a0, op = a.a1, cmd = op & kFutexCmdMask;
  u32 val = (u32)a.a2;
  if ((uaddr & 3) != 0) return -EINVAL;
  if (!user_readable(uaddr, 4)) return -EFAULT;  // a wait only reads the word; WAKE_OP writes uaddr2
  u64 deadline;
  switch (cmd) {
    case kFutexWait:
    case kFutexWaitBitset: {
      u32 bitset = cmd == kFutexWait ? ~0u : (u32)a.a5;
      if (!bitset) return -EINVAL;
      if (i64 r = futex_deadline(a.a3, cmd == kFutexWaitBitset, op & kFutexClockRealtime, &deadline)) return r;
      return futex_wait(uaddr, val, bitset, deadline);
    }
    case kFutexWake:
    case kFutexWakeBitset: {
      u32 bitset = cmd == kFutexWake ? ~0u : (u32)a.a5;
      if (!bitset) return -EINVAL;
      return futex_wake(uaddr, val, bitset);
    }
    case kFutexRequeue:
    case kFutexCmpRequeue:
      if ((a.a4 & 3) || !user_writable(a.a4, 4)) return -EFAULT;
      if (cmd == kFutexCmpRequeue && *(volatile u32*)uaddr != (u32)a.a5) return -EAGAIN;
      return futex_requeue(uaddr, val, a.a3, a.a4);  // a3: how many to move (val2)
    case kFutexWakeOp:
      if ((a.a4 & 3) || !user_writable(a.a4, 4)) return -EFAULT;
      return futex_wake_op(uaddr, val, a.a4, a.a3, (u32)a.a5);
    default:
      if (!futex_reported[0]) kerror("futex operation %lu (priority inheritance) is not implemented (returns ENOSYS)\n", cmd);
      futex_reported[0] = 1;
      return -ENOSYS;
  }
}

enum : u64 { kArchSetGs = 0x1001, kArchSetFs = 0x1002, kArchGetFs = 0x1003, kArchGetGs = 0x1004 };

// The program's GS base waits in KERNEL_GS_BASE while the kernel runs (swapgs).
i64 sys_arch_prctl(const SyscallArgs& a) {
  u64 code = a.a0, addr = a.a1;
  switch (code) {
    case kArchSetGs: wrmsr(kMsrKernelGsBase, addr); return 0;
    case kArchSetFs: wrmsr(kMsrFsBase, addr); return 0;
    case kArchGetFs: case kArchGetGs:
      if (!user_writable(addr, 8)) return -EFAULT;
      *(u64*)addr = rdmsr(code == kArchGetFs ? kMsrFsBase : kMsrKernelGsBase);
      return 0;
    default: return -EINVAL;
  }
}

// Every thread may run on every CPU.
i64 sys_sched_getaffinity(const SyscallArgs& a) {
  u64 size = a.a1, mask = a.a2;
  if (a.a0 && !thread_by_tid((i32)a.a0)) return -ESRCH;
  if (size < 8 || (size & 7)) return -EINVAL;
  if (!user_writable(mask, size)) return -EFAULT;
  memset((void*)mask, 0, size);
  for (u32 i = 0; i < cpu_count; i++) ((u8*)mask)[i / 8] |= (u8)(1u << (i % 8));
  return 8;
}

i64 sys_rseq(const SyscallArgs& a) { return -ENOSYS; }  // glibc runs without it

i64 sys_getcpu(const SyscallArgs& a) {
  if ((a.a0 && !user_writable(a.a0, 4)) || (a.a1 && !user_writable(a.a1, 4))) return -EFAULT;
  if (a.a0) *(u32*)a.a0 = this_cpu()->index;
  if (a.a1) *(u32*)a.a1 = 0;  // one NUMA node
  return 0;
}

// The options C libraries and runtimes use; the others fail with EINVAL, silently.
i64 sys_prctl(const SyscallArgs& a) {
  enum : u64 { kSetPdeathsig = 1, kGetPdeathsig = 2, kGetDumpable = 3, kSetDumpable = 4, kSetName = 15,
               kGetName = 16, kSetThpDisable = 41, kGetThpDisable = 42, kSetVma = 0x53564D41 };
  Thread* t = current_thread();
  switch (a.a0) {
    case kSetName:
      if (!user_readable(a.a1, 1)) return -EFAULT;
      strncpy_z(t->name, (const char*)a.a1, sizeof t->name);
      return 0;
    case kGetName:
      if (!user_writable(a.a1, sizeof t->name)) return -EFAULT;
      memcpy((void*)a.a1, t->name, sizeof t->name);
      return 0;
    case kGetPdeathsig:
      if (!user_writable(a.a1, 4)) return -EFAULT;
      *(i32*)a.a1 = 0;
      return 0;
    case kGetDumpable: return 1;
    case kSetPdeathsig: case kSetDumpable: case kSetThpDisable: case kSetVma: return 0;
    case kGetThpDisable: return 0;
    default: return -EINVAL;
  }
}
