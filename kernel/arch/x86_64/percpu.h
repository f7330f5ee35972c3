// Per-CPU state. While a CPU runs kernel code its GS base points at its Cpu (every entry from the
// program does swapgs, so the program keeps its own GS base); the first fields are read by entry.S.
#pragma once
#include "arch/x86_64/asm_offsets.h"
#include "lib/lib.h"

struct Thread;

struct PACKED Tss {
  u32 reserved0;
  u64 rsp[3];
  u64 reserved1;
  u64 ist[7];
  u64 reserved2;
  u16 reserved3;
  u16 iomap_base;
};
static_assert(sizeof(Tss) == 104);

constexpr int kMaxCpus = 16;

struct Cpu {
  Cpu* self;            // CPU_SELF
  u64 kstack_top;       // CPU_KSTACK_TOP
  u64 scratch;          // CPU_SCRATCH
  void* xsave;          // CPU_XSAVE
  Thread* current;
  Thread* idle;
  Thread* switched_from;  // the thread this CPU left at its last switch (freed if it ended)
  u32 index;            // 0 for the boot CPU
  u32 apic_id;
  u64 slice_end_ns;     // when the running thread's time slice ends
  volatile u32 ipi_pending;  // IpiRequest bits, set by other CPUs
  u64 timer_interrupts, ipis;  // taken, for /proc/interrupts
  alignas(16) u64 gdt[5];
  alignas(16) Tss tss;
};
static_assert(__builtin_offsetof(Cpu, self) == CPU_SELF && __builtin_offsetof(Cpu, kstack_top) == CPU_KSTACK_TOP &&
              __builtin_offsetof(Cpu, scratch) == CPU_SCRATCH && __builtin_offsetof(Cpu, xsave) == CPU_XSAVE);

inline Cpu* this_cpu() {
  Cpu* c;
  asm volatile("movq %%gs:0, %0" : "=r"(c));
  return c;
}

extern Cpu* cpus[kMaxCpus];  // by index; the boot CPU's is static, the others' are allocated
extern u32 cpu_count;        // CPUs running the scheduler
