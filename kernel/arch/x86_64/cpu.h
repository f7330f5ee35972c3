// x86-64 CPU setup: GDT with a TSS (IST stacks), IDT for the 32 exceptions, SSE/AVX through
// XSAVE, the `syscall` MSRs, and the machine's exit (isa-debug-exit under QEMU).
#pragma once
#include "lib/lib.h"

// Pushed by exc_common in entry.S, lowest address first.
struct ExceptionFrame {
  u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
  u64 vector, error;
  u64 rip, cs, rflags, rsp, ss;
};
static_assert(sizeof(ExceptionFrame) == 22 * 8);

// Exit statuses the kernel itself produces (a program's own status is 0..255).
enum ExitStatus : int {
  kExitKernelPanic = 125,    // the kernel faulted or could not start
  kExitCannotExecute = 126,  // the program is not a static x86-64 ELF or does not fit in memory
  kExitNotFound = 127,       // no such program on the disk
  kExitOutOfMemory = 137,    // like SIGKILL from the OOM killer
  kExitSignalBase = 128,     // program faults: 128 + signal (SIGSEGV 139, SIGILL 132, SIGFPE 136)
};

void cpu_init();                 // GDT, TSS, IDT, SSE/AVX, syscall MSRs
extern "C" bool cpu_use_xsave;   // read by entry.S
u64 cpu_random64();
const char* cpu_feature_summary();

// Hook for the program's state at exit (flush files); set by the syscall layer.
extern void (*exit_hook)();
[[noreturn]] void machine_exit(int status);
[[noreturn]] void kernel_panic(const char* fmt, ...);
void dump_registers(const ExceptionFrame& f);
