// Offsets shared by the assembly entry points and the C++ structures they touch (checked by
// static_assert in percpu.h and trap.h).
#pragma once

// struct Cpu, reached through %gs while in the kernel.
#define CPU_SELF 0
#define CPU_KSTACK_TOP 8   // top of the current thread's kernel stack
#define CPU_SCRATCH 16     // the program's rsp during syscall entry
#define CPU_XSAVE 24       // the current thread's extended-state area

// struct TrapFrame, lowest address first.
#define TF_GS_SWAPPED 0
#define TF_RIP (19 * 8)
#define TF_WORDS 24

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define SYSCALL_VECTOR 0x100  // not an IDT vector: marks frames pushed by syscall_entry
