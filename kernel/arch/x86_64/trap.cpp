// Every vector lands here (entry.S): CPU exceptions (demand paging, or a fault that ends the
// program) and interrupts (the local APIC's timer and other CPUs' requests).
#include "arch/x86_64/cpu.h"
#include "console.h"
#include "mm/memory.h"
#include "sched/lock.h"
#include "sched/scheduler.h"

namespace {

const char* exception_name(u64 v) {
  static const char* const names[] = {"divide error", "debug", "NMI", "breakpoint", "overflow",
                                      "bound range", "invalid opcode", "device not available",
                                      "double fault", "coprocessor overrun", "invalid TSS",
                                      "segment not present", "stack fault", "general protection",
                                      "page fault", "reserved", "x87 floating point", "alignment check",
                                      "machine check", "SIMD floating point"};
  return v < sizeof names / sizeof names[0] ? names[v] : "reserved";
}

int signal_for(u64 v) {
  switch (v) {
    case 0: case 16: case 19: return 8;  // SIGFPE
    case 6: return 4;                    // SIGILL
    case 3: case 1: return 5;            // SIGTRAP
    case 17: return 7;                   // SIGBUS
    default: return 11;                  // SIGSEGV
  }
}

void exception(TrapFrame* f) {
  u64 cr2 = read_cr2();
  kernel_lock();
  if (f->vector == 14 && mm_handle_page_fault(cr2, f->error)) {
    kernel_unlock();
    return;
  }
  // A kernel fault while copying to or from the program's memory is the program's fault.
  if (!from_program(*f) && !(f->vector == 14 && cr2 < kUserTop)) {
    kerror("kernel panic: %s (vector %lu, error %lx) at rip %016lx, address %016lx%s\n", exception_name(f->vector),
           f->vector, f->error, f->rip, cr2, mm_is_stack_guard(cr2) ? " (kernel stack overflow)" : "");
    dump_registers(*f);
    machine_exit(kExitKernelPanic);
  }
  char who[24] = "";
  if (Thread* t = current_thread(); t && t->tid != 1) snprint(who, sizeof who, " in thread %d", t->tid);
  if (f->vector == 14)
    kerror("program fault%s: page fault (vector 14, error %lx) at rip %016lx: %s address %016lx (%s)\n", who,
           f->error, f->rip, (f->error & 16) ? "execute at" : (f->error & 2) ? "write to" : "read from", cr2,
           mm_fault_reason(cr2, f->error));
  else
    kerror("program fault%s: %s (vector %lu, error %lx) at rip %016lx, address %016lx\n", who,
           exception_name(f->vector), f->vector, f->error, f->rip, cr2);
  dump_registers(*f);
  program_end(kExitSignalBase + signal_for(f->vector));
}

}  // namespace

extern "C" void trap_dispatch(TrapFrame* f) {
  if (f->vector < 32) return exception(f);
  if (f->vector >= kVectorPicFirst && f->vector <= kVectorPicLast) return;  // spurious, from the masked PICs
  if (f->vector == kVectorSpurious) return;
  sched_interrupt(f);
}
