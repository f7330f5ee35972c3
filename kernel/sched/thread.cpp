#include "sched/thread.h"

#include "arch/x86_64/cpu.h"
#include "journal.h"
#include "mm/memory.h"

Thread threads[kMaxThreads];
void (*program_end_hook)() = nullptr;

extern "C" void thread_first_run();

namespace {

i32 next_tid = 1;

// Kernel stacks live in their own region: 16 KiB each, below each an unmapped guard, so that an
// overflow faults instead of overwriting a neighbour.
constexpr u64 kStackStride = 32 * 1024, kStackBytes = 16 * 1024;
static_assert(kMaxThreads * kStackStride <= (1UL << 30));

// A slot's kernel stack and state area are made on its first use and kept for the next thread.
bool prepare_slot(int i) {
  Thread& t = threads[i];
  if (!t.kstack_top) {
    u64 top = kKernelStacks + (u64)(i + 1) * kStackStride;
    for (u64 va = top - kStackBytes; va < top; va += kPageSize)
      if (!map_kernel_page(va)) return false;
    t.kstack_top = top;
  }
  if (!t.xsave) {
    u64 p = frame_alloc();
    if (!p) return false;
    t.xsave = phys_to_virt(p);
  }
  return true;
}

}  // namespace

void ThreadQueue::push_back(Thread* t) {
  t->next = nullptr;
  t->prev = tail;
  if (tail) tail->next = t;
  else head = t;
  tail = t;
  t->queue = this;
}

Thread* ThreadQueue::pop_front() {
  Thread* t = head;
  if (t) remove(t);
  return t;
}

void ThreadQueue::remove(Thread* t) {
  if (t->prev) t->prev->next = t->next;
  else head = t->next;
  if (t->next) t->next->prev = t->prev;
  else tail = t->prev;
  t->next = t->prev = nullptr;
  t->queue = nullptr;
}

Thread* current_thread() { return this_cpu()->current; }

Thread* thread_by_tid(i32 tid) {
  for (Thread& t : threads)
    if (t.tid == tid && t.state != ThreadState::Free && t.state != ThreadState::Dead) return &t;
  return nullptr;
}

int thread_live_count() {
  int n = 0;
  for (Thread& t : threads) n += t.state != ThreadState::Free && t.state != ThreadState::Dead;
  return n;
}

Thread* thread_create(const TrapFrame& frame, const void* xsave, u64 fs_base, u64 gs_base) {
  for (int i = 0; i < kMaxThreads; i++) {
    Thread& t = threads[i];
    if (t.state != ThreadState::Free) continue;
    if (!prepare_slot(i)) return nullptr;
    u64 top = t.kstack_top;
    void* area = t.xsave;
    t = Thread{};
    t.kstack_top = top;
    t.xsave = area;
    memcpy(t.xsave, xsave, kExtendedStateBytes);
    t.fs_base = fs_base;
    t.gs_base = gs_base;
    t.tid = next_tid++;
    t.cpu = -1;
    t.state = ThreadState::Blocked;  // until sched_make_runnable
    *t.frame() = frame;
    // Its first switch pops six callee-saved registers and returns into thread_first_run.
    u64* sp = (u64*)t.frame();
    *--sp = (u64)thread_first_run;
    for (int r = 0; r < 6; r++) *--sp = 0;
    t.saved_rsp = (u64)sp;
    return &t;
  }
  return nullptr;
}

void program_end(int status) {
  if (program_end_hook) program_end_hook();
  if (exit_hook) exit_hook();
  journal_append(status);  // after the program's files: the journal may be one of them
  machine_exit(status);
}
