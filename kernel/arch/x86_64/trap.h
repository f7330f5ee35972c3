// Every entry from the program into the kernel (system call, exception, interrupt) leaves a
// TrapFrame on the thread's kernel stack; the way back restores it and ends in iretq.
#pragma once
#include "arch/x86_64/asm_offsets.h"
#include "lib/lib.h"

struct TrapFrame {
  u64 gs_swapped;  // the entry swapped GS (the program's GS base was live)
  u64 pad;
  u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
  u64 vector, error;
  u64 rip, cs, rflags, rsp, ss;  // as pushed by the CPU (syscall_entry pushes the same)
};
static_assert(sizeof(TrapFrame) == TF_WORDS * 8 && __builtin_offsetof(TrapFrame, rip) == TF_RIP);
static_assert(sizeof(TrapFrame) % 16 == 0, "kernel stacks stay 16-byte aligned");

// Interrupt vectors (exceptions are 0-31; the legacy PICs are moved to 0x20-0x2F and masked).
enum : u64 {
  kVectorPicFirst = 0x20,
  kVectorPicLast = 0x2F,
  kVectorTimer = 0x40,    // local APIC timer
  kVectorIpi = 0x41,      // another CPU asks: reschedule, flush the TLB, or stop
  kVectorSpurious = 0xFF,
  kVectorSyscall = SYSCALL_VECTOR,
};

inline bool from_program(const TrapFrame& f) { return f.rip < 0x0000800000000000UL; }

extern "C" void trap_dispatch(TrapFrame* f);     // entry.S, every vector
extern "C" void syscall_dispatch(TrapFrame* f);  // entry.S, syscall instruction
// Resumes the program from a TrapFrame on the current kernel stack (entry.S).
extern "C" [[noreturn]] void return_to_program();
