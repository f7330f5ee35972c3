// Clocks and sleeping: the TSC since boot, the wall clock from the RTC; a sleeping thread blocks.
#include "sched/scheduler.h"
#include "syscall/handlers.h"
#include "time.h"

namespace {

constexpr u64 kNsPerSec = 1000000000UL;
enum : i64 { kClockRealtime = 0, kClockRealtimeCoarse = 5, kClockRealtimeAlarm = 8, kClockTai = 11 };
constexpr u64 kTimerAbstime = 1;

struct Timespec {
  i64 sec, nsec;
};

i64 put_timespec(u64 out, u64 ns) {
  if (!user_writable(out, 16)) return -EFAULT;
  Timespec t{(i64)(ns / kNsPerSec), (i64)(ns % kNsPerSec)};
  memcpy((void*)out, &t, 16);
  return 0;
}

i64 sleep(u64 req, bool absolute, i64 clock) {
  if (!user_readable(req, 16)) return -EFAULT;
  const Timespec& t = *(const Timespec*)req;
  if (t.sec < 0 || t.nsec < 0 || t.nsec >= (i64)kNsPerSec) return -EINVAL;
  u64 ns = (u64)t.sec * kNsPerSec + (u64)t.nsec;
  if (absolute) {
    u64 now = (clock == kClockRealtime) ? time_realtime_ns() : time_monotonic_ns();
    ns = ns > now ? ns - now : 0;
  }
  if (ns) sched_block(WaitKind::Sleep, 0, time_monotonic_ns() + ns);  // ends with -ETIMEDOUT: slept
  return 0;
}

}  // namespace

i64 sys_clock_gettime(const SyscallArgs& a) {
  i64 clock = (i32)a.a0;
  bool wall = clock == kClockRealtime || clock == kClockRealtimeCoarse || clock == kClockRealtimeAlarm ||
              clock == kClockTai;
  return put_timespec(a.a1, wall ? time_realtime_ns() : time_monotonic_ns());
}

i64 sys_clock_getres(const SyscallArgs& a) { return a.a1 ? put_timespec(a.a1, 1) : 0; }  // 1 ns
i64 sys_nanosleep(const SyscallArgs& a) { return sleep(a.a0, false, 1); }
i64 sys_clock_nanosleep(const SyscallArgs& a) { return sleep(a.a2, a.a1 & kTimerAbstime, (i32)a.a0); }

i64 sys_gettimeofday(const SyscallArgs& a) {
  u64 ns = time_realtime_ns();
  if (a.a0) {
    if (!user_writable(a.a0, 16)) return -EFAULT;
    ((i64*)a.a0)[0] = (i64)(ns / kNsPerSec);
    ((i64*)a.a0)[1] = (i64)(ns % kNsPerSec / 1000);
  }
  return 0;
}

i64 sys_time(const SyscallArgs& a) {
  i64 t = (i64)(time_realtime_ns() / kNsPerSec);
  if (a.a0 && user_writable(a.a0, 8)) *(i64*)a.a0 = t;
  return t;
}
