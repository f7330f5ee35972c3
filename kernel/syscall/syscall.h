// The Linux x86-64 system-call layer: what static glibc and musl programs (and the inference
// engine) call, with threads, with files on the FAT disk and the console on the serial ports.
// table.cpp lists the calls; handlers.h says which file holds each one.
#pragma once
#include "lib/lib.h"

// The argument registers, in the order of the Linux calling convention: rdi, rsi, rdx, r10, r8, r9.
struct SyscallArgs {
  u64 a0, a1, a2, a3, a4, a5;
};

using SyscallHandler = i64 (*)(const SyscallArgs&);

// One row of the table: a handler returns the result or -errno.
struct Syscall {
  u16 nr;
  const char* name;
  SyscallHandler handler;
};

// Before the program starts: its path (for /proc/self/exe), its break, descriptors 0-2.
void syscall_init(const char* program_path, u64 brk_start);
// The Linux name of call `nr`, "" when Linux x86-64 has none.
const char* syscall_name(u64 nr);
extern bool syscall_trace;  // log every call with its arguments and result (kernel option `strace`)
