// x86-64 CPU setup: each CPU's GDT, TSS (IST stacks) and GS base, the shared IDT, SSE/AVX through
// XSAVE, the `syscall` MSRs, and the machine's exit (isa-debug-exit under QEMU).
#pragma once
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trap.h"

// Exit statuses the kernel itself produces (a program's own status is 0..255).
enum ExitStatus : int {
  kExitKernelPanic = 125,    // the kernel faulted or could not start
  kExitCannotExecute = 126,  // the program is not a static x86-64 ELF or does not fit in memory
  kExitNotFound = 127,       // no such program on the disk
  kExitOutOfMemory = 137,    // like SIGKILL from the OOM killer
  kExitSignalBase = 128,     // program faults: 128 + signal (SIGSEGV 139, SIGILL 132, SIGFPE 136)
};

// Stack sizes of each CPU's interrupt stacks (IST 1-4).
constexpr u64 kIstBytes[4] = {16 * 1024, 32 * 1024, 8 * 1024, 8 * 1024};
constexpr u64 kIstTotalBytes = 64 * 1024;

void cpu_init_boot(Cpu* c, u8* ist_memory);  // the boot CPU: PICs, IDT, then cpu_init_this
void cpu_init_this(Cpu* c, u8* ist_memory);  // every CPU: GDT, TSS, IDT, SIMD, MSRs, GS base
extern "C" bool cpu_use_xsave;               // read by entry.S
constexpr u64 kExtendedStateBytes = 4096;    // per thread, 64-byte aligned (AVX-512 needs 2,688)
constexpr u32 kXcr0Avx512 = 0xE0;             // XCR0 bits 5-7: opmask, ZMM_Hi256, Hi16_ZMM
void cpu_init_extended_state(void* area);    // a new program's SSE/AVX state (as execve leaves it)
u64 cpu_random64();
const char* cpu_feature_summary();

enum : u32 { kMsrFsBase = 0xC0000100, kMsrGsBase = 0xC0000101, kMsrKernelGsBase = 0xC0000102 };
inline u64 read_cr2() {
  u64 v;
  asm volatile("mov %%cr2, %0" : "=r"(v));
  return v;
}

// Hook for the program's state at exit (flush files); set by the syscall layer.
extern void (*exit_hook)();
[[noreturn]] void machine_exit(int status);
[[noreturn]] void kernel_panic(const char* fmt, ...);
void dump_registers(const TrapFrame& f);
