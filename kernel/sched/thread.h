// The program's threads. Each has a kernel stack (where its entries from the program leave their
// TrapFrame and where it blocks), an area for its SSE/AVX state and its own FS and GS bases.
// Thread 1 is the program's first; every CPU also has an idle thread that never runs the program.
#pragma once
#include "arch/x86_64/trap.h"

enum class ThreadState : u8 { Free, Runnable, Running, Blocked, Dead };
enum class WaitKind : u8 { None, Futex, Sleep, PipeRead, PipeWrite };

struct ThreadQueue;

struct Thread {
  u64 saved_rsp;   // its kernel stack pointer while switched out
  u64 kstack_top;  // 16-byte aligned; the TrapFrame of its latest entry lies just below
  void* xsave;     // kExtendedStateBytes, 64-byte aligned
  u64 fs_base, gs_base;
  i32 tid;
  ThreadState state;
  WaitKind wait;
  bool idle;
  i32 cpu;              // where it runs or ran last
  u64 wait_addr;        // the futex (or the pipe's number) it waits on, for the report of a deadlock
  u32 futex_bitset;
  u64 wake_at;          // ns since boot when a timed wait ends, 0 for none
  i64 wake_result;      // what the waker (or the timeout) passed to sched_wake
  Thread *next, *prev;  // in a ThreadQueue
  ThreadQueue* queue;   // the queue holding it (run queue or a futex's), nullptr for none
  u64 clear_child_tid;  // CLONE_CHILD_CLEARTID, set_tid_address: zeroed and woken at exit
  u64 signal_mask;
  char name[16];        // prctl(PR_SET_NAME)      // rt_sigprocmask (signals are never delivered, but the mask reads back)
  TrapFrame* frame() const { return (TrapFrame*)(kstack_top - sizeof(TrapFrame)); }
};

// FIFO of threads, linked through the threads themselves.
struct ThreadQueue {
  Thread *head = nullptr, *tail = nullptr;
  bool empty() const { return !head; }
  void push_back(Thread* t);
  Thread* pop_front();
  void remove(Thread* t);
};

constexpr int kMaxThreads = 256;
extern Thread threads[kMaxThreads];  // the program's threads, slots reused after exit

Thread* current_thread();
Thread* thread_by_tid(i32 tid);  // a live thread of the program, or nullptr
// A new program thread resuming at `frame` with the given SSE/AVX state and bases; it is not yet
// runnable. nullptr when the table is full or memory is out.
Thread* thread_create(const TrapFrame& frame, const void* xsave, u64 fs_base, u64 gs_base);
int thread_live_count();
// Ends the whole program: files are committed, the other CPUs stopped, the machine exits.
[[noreturn]] void program_end(int status);
extern void (*program_end_hook)();  // stops the other CPUs (smp)
