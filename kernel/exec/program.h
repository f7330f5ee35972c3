// Loading and starting the program: a static (or static-pie) x86-64 ELF from the FAT disk.
#pragma once
#include "lib/lib.h"

struct ProgramImage {
  u64 entry = 0, phdr = 0, phnum = 0, base = 0, brk_start = 0;
  bool exec_stack = false;  // PT_GNU_STACK asks for an executable stack
};

// Loads PATH into the lower half. On failure prints one clear line and returns the exit status.
int program_load(const char* path, ProgramImage* out);
// Builds the initial stack (argc, argv, envp, auxv) and jumps to the entry; never returns.
[[noreturn]] void program_start(const ProgramImage& img, int argc, char** argv, int envc, char** envp);
