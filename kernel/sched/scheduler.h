// The scheduler: one run queue shared by every CPU (under the kernel lock), threads that block on
// futexes or timers, and the idle loop. All of it runs with the kernel lock held.
#pragma once
#include "sched/thread.h"

// The boot context becomes this CPU's idle thread, on the stack it runs on.
void sched_init_cpu(Thread* idle, u64 stack_top);
// Starts the program's first thread at `entry` with stack `sp`; this CPU then idles.
[[noreturn]] void sched_start(u64 entry, u64 sp);
void sched_make_runnable(Thread* t);
// The current thread waits (kind and addr say on what, for a deadlock report) until sched_wake,
// or until `wake_at` (ns since boot; 0: no timeout), when the result is -ETIMEDOUT.
i64 sched_block(WaitKind kind, u64 addr, u64 wake_at);
void sched_wake(Thread* t, i64 result);  // a blocked thread runs again; sched_block returns `result`
void sched_yield();
[[noreturn]] void sched_exit_current();  // the thread is done; its slot is freed once switched away
[[noreturn]] void sched_idle_loop();
void sched_interrupt(TrapFrame* f);  // the timer and other CPUs' requests (trap.cpp)
constexpr u64 kTimeSliceNs = 10000000;  // a thread that does not wait runs 10 ms before the next
extern "C" void sched_thread_started();  // a new thread's first run (entry.S)
