#include "sched/scheduler.h"

#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/smp.h"
#include "console.h"
#include "lib/errno.h"
#include "sched/lock.h"
#include "time.h"

extern "C" void context_switch(u64* save_rsp, u64 new_rsp);

namespace {

ThreadQueue run_queue;

void report_wait(const Thread& t) {
  switch (t.wait) {
    case WaitKind::Futex:
      kerror("  thread %d waits on futex 0x%lx (value %u)\n", t.tid, t.wait_addr, *(volatile u32*)t.wait_addr);
      break;
    case WaitKind::PipeRead: kerror("  thread %d waits to read from pipe %lu\n", t.tid, t.wait_addr); break;
    case WaitKind::PipeWrite: kerror("  thread %d waits to write to pipe %lu\n", t.tid, t.wait_addr); break;
    default: kerror("  thread %d waits\n", t.tid); break;
  }
}

// Nothing can run: no thread is runnable or running, and no wait has a timeout. Every thread
// waits for another, forever: say which and on what, and end the program as abort() would.
void check_deadlock() {
  bool blocked = false;
  for (Thread& t : threads) {
    if (t.state == ThreadState::Runnable || t.state == ThreadState::Running) return;
    if (t.state == ThreadState::Blocked) {
      if (t.wake_at) return;
      blocked = true;
    }
  }
  if (!blocked) return;
  kerror("every thread of the program waits and none can wake another:\n");
  for (Thread& t : threads)
    if (t.state == ThreadState::Blocked) report_wait(t);
  program_end(kExitSignalBase + 6);
}

// Runs on the thread that resumes after a switch: frees the slot of a thread that has ended.
void finish_switch() {
  Cpu* c = this_cpu();
  Thread* prev = c->switched_from;
  c->switched_from = nullptr;
  if (prev && prev->state == ThreadState::Dead) prev->state = ThreadState::Free;
}

void switch_to(Thread* prev, Thread* next) {
  Cpu* c = this_cpu();
  prev->fs_base = rdmsr(kMsrFsBase);
  prev->gs_base = rdmsr(kMsrKernelGsBase);  // the program's GS base, while the kernel's is live
  wrmsr(kMsrFsBase, next->fs_base);
  wrmsr(kMsrKernelGsBase, next->gs_base);
  c->current = next;
  c->kstack_top = next->kstack_top;
  c->xsave = next->xsave;
  c->switched_from = prev;
  context_switch(&prev->saved_rsp, next->saved_rsp);
  finish_switch();
}

// Wakes the threads whose timed wait has ended.
void wake_expired(u64 now) {
  for (Thread& t : threads)
    if (t.state == ThreadState::Blocked && t.wake_at && t.wake_at <= now) sched_wake(&t, -ETIMEDOUT);
}

// The next timer interrupt on this CPU: the end of the running thread's slice, or the first
// timed wait to end (every CPU arms for it; the first to take it wakes the thread); none when idle
// with nothing to wait for.
void arm_timer(const Thread* running) {
  u64 deadline = running->idle ? 0 : this_cpu()->slice_end_ns;
  for (Thread& t : threads)
    if (t.state == ThreadState::Blocked && t.wake_at && (!deadline || t.wake_at < deadline)) deadline = t.wake_at;
  apic_timer_arm(deadline);
}

// Picks what runs next on this CPU: the first runnable thread, else the current one if it can go
// on, else the idle thread.
void schedule() {
  Cpu* c = this_cpu();
  Thread* prev = c->current;
  u64 now = time_monotonic_ns();
  wake_expired(now);
  Thread* next = run_queue.pop_front();
  if (!next) {
    if (prev->state == ThreadState::Running) {
      c->slice_end_ns = now + kTimeSliceNs;
      arm_timer(prev);
      return;
    }
    check_deadlock();
    next = c->idle;
  }
  if (prev->state == ThreadState::Running && !prev->idle) {
    prev->state = ThreadState::Runnable;
    run_queue.push_back(prev);
  }
  next->state = ThreadState::Running;
  next->cpu = (i32)c->index;
  c->slice_end_ns = now + kTimeSliceNs;
  arm_timer(next);
  if (next != prev) switch_to(prev, next);
}

// The timer: timed waits that have ended, and the end of the running thread's slice when another
// is waiting to run. Only an interrupted program is switched away from: the kernel is not
// preemptible (an interrupt in the kernel comes from the idle loop).
void timer_interrupt(bool in_program) {
  Cpu* c = this_cpu();
  u64 now = time_monotonic_ns();
  wake_expired(now);
  if (in_program && now >= c->slice_end_ns) {
    if (!run_queue.empty()) return schedule();  // which arms the timer for the next thread
    c->slice_end_ns = now + kTimeSliceNs;       // nobody else to run: a new slice, not a storm
  }
  arm_timer(c->current);
}

}  // namespace

void sched_init_cpu(Thread* idle, u64 stack_top) {
  Cpu* c = this_cpu();
  *idle = Thread{};
  idle->idle = true;
  idle->state = ThreadState::Running;
  idle->kstack_top = stack_top;
  idle->cpu = (i32)c->index;
  c->idle = c->current = idle;
  c->kstack_top = stack_top;
}

void sched_make_runnable(Thread* t) {
  t->state = ThreadState::Runnable;
  run_queue.push_back(t);
  smp_wake_idle_cpu();
}

i64 sched_block(WaitKind kind, u64 addr, u64 wake_at) {
  Thread* t = current_thread();
  t->state = ThreadState::Blocked;
  t->wait = kind;
  t->wait_addr = addr;
  t->wake_at = wake_at;
  t->wake_result = 0;
  schedule();
  return t->wake_result;
}

void sched_wake(Thread* t, i64 result) {
  if (t->state != ThreadState::Blocked) return;
  if (t->queue) t->queue->remove(t);
  t->wait = WaitKind::None;
  t->wake_at = 0;
  t->wake_result = result;
  sched_make_runnable(t);
}

void sched_yield() { schedule(); }

void sched_exit_current() {
  current_thread()->state = ThreadState::Dead;
  schedule();
  kernel_panic("an ended thread was scheduled again");
}

void sched_thread_started() {
  finish_switch();
  kernel_unlock();
}

void sched_start(u64 entry, u64 sp) {
  alignas(64) static u8 initial_state[kExtendedStateBytes];
  cpu_init_extended_state(initial_state);
  TrapFrame f{};
  f.gs_swapped = 1;
  f.rip = entry;
  f.cs = KERNEL_CS;
  f.rflags = 0x202;  // IF
  f.rsp = sp;
  f.ss = KERNEL_DS;
  kernel_lock();
  Thread* t = thread_create(f, initial_state, 0, 0);
  if (!t) kernel_panic("no memory for the program's first thread");
  sched_make_runnable(t);
  kernel_unlock();
  sched_idle_loop();
}

// `sti; hlt` takes an interrupt that arrives in between, so a wake-up is never missed.
void sched_idle_loop() {
  for (;;) {
    kernel_lock();
    schedule();
    kernel_unlock();
    asm volatile("sti; hlt; cli" ::: "memory");
  }
}

void sched_interrupt(TrapFrame* f) {
  Cpu* c = this_cpu();
  (f->vector == kVectorIpi ? c->ipis : c->timer_interrupts)++;
  apic_eoi();
  if (f->vector == kVectorIpi) return smp_handle_requests();  // an idle CPU then looks at the run queue
  if (f->vector != kVectorTimer) return;
  kernel_lock();
  timer_interrupt(from_program(*f));
  kernel_unlock();
}
