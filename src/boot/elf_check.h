// The host's check of a program before it goes into an image: the kernel's own ELF checks
// (kernel/exec/elf.cpp), so that `bareflow image` refuses what the kernel would refuse.
#pragma once

namespace bf::boot {

// nullptr when the file's bytes are a static x86-64 executable the kernel can load, else the
// problem. For a dynamically linked program, *interp is its interpreter's path (in `data`,
// `interp_len` bytes).
const char* kernel_elf_problem(const unsigned char* data, unsigned long size, const char** interp,
                               unsigned long* interp_len);

}  // namespace bf::boot
