// Signals. They are never delivered: actions and masks are kept so that they read back as set,
// and a signal sent to the program or one of its threads takes its default action (most end the
// program with 128 + signal) or is ignored. One with a handler cannot run it, and ends the program
// with a message saying so.
#include "arch/x86_64/cpu.h"
#include "console.h"
#include "sched/thread.h"
#include "syscall/fd_table.h"
#include "syscall/handlers.h"

namespace {

constexpr int kSignals = 64;
enum : int { kSigKill = 9, kSigChld = 17, kSigCont = 18, kSigStop = 19, kSigTstp = 20, kSigTtin = 21,
             kSigTtou = 22, kSigUrg = 23, kSigWinch = 28 };
constexpr u64 kSigDefault = 0, kSigIgnore = 1;

struct SigAction {
  u64 handler, flags, restorer, mask;
};
static_assert(sizeof(SigAction) == 32);
SigAction actions[kSignals + 1];

bool ignored_by_default(int sig) {
  return sig == kSigChld || sig == kSigUrg || sig == kSigWinch || sig == kSigCont ||
         (sig >= kSigStop && sig <= kSigTtou);
}

}  // namespace

i64 signal_send(int sig) {
  if (sig == 0) return 0;
  if (sig < 0 || sig > kSignals) return -EINVAL;
  u64 h = actions[sig].handler;
  if (h == kSigIgnore || (h == kSigDefault && ignored_by_default(sig))) return 0;
  if (h != kSigDefault)
    kerror("signal %d has a handler, but the unikernel does not deliver signals: the program ends\n", sig);
  else
    kerror("program killed by signal %d\n", sig);
  program_end(kExitSignalBase + sig);
}

i64 sys_rt_sigaction(const SyscallArgs& a) {
  int sig = (int)a.a0;
  if (sig < 1 || sig > kSignals || a.a3 != 8) return -EINVAL;
  if (a.a1 && (sig == kSigKill || sig == kSigStop)) return -EINVAL;
  if (a.a1 && !user_readable(a.a1, sizeof(SigAction))) return -EFAULT;
  if (a.a2 && !user_writable(a.a2, sizeof(SigAction))) return -EFAULT;
  SigAction old = actions[sig];
  if (a.a1) actions[sig] = *(const SigAction*)a.a1;
  if (a.a2) *(SigAction*)a.a2 = old;
  return 0;
}

i64 sys_rt_sigprocmask(const SyscallArgs& a) {
  enum : u64 { kBlock = 0, kUnblock = 1, kSetMask = 2 };
  if (a.a3 != 8) return -EINVAL;
  if (a.a1 && !user_readable(a.a1, 8)) return -EFAULT;
  if (a.a2 && !user_writable(a.a2, 8)) return -EFAULT;
  Thread* t = current_thread();
  u64 old = t->signal_mask;
  if (a.a1) {
    u64 set = *(const u64*)a.a1;
    if (a.a0 == kBlock) t->signal_mask |= set;
    else if (a.a0 == kUnblock) t->signal_mask &= ~set;
    else if (a.a0 == kSetMask) t->signal_mask = set;
    else return -EINVAL;
  }
  if (a.a2) *(u64*)a.a2 = old;
  return 0;
}

// kill(pid, sig): the program is process 1; 0 and -1 name it too.
i64 sys_kill(const SyscallArgs& a) {
  i32 pid = (i32)a.a0;
  if (pid != 1 && pid != 0 && pid != -1) return -ESRCH;
  return signal_send((int)a.a1);
}

i64 sys_tkill(const SyscallArgs& a) { return thread_by_tid((i32)a.a0) ? signal_send((int)a.a1) : -ESRCH; }

i64 sys_tgkill(const SyscallArgs& a) {
  if ((i32)a.a0 != 1 || !thread_by_tid((i32)a.a1)) return -ESRCH;
  return signal_send((int)a.a2);
}
