// libFuzzer target for the kernel's ELF checks (host build): any file either is refused with a
// reason or yields a plan whose segments all lie inside the file and inside the program's half
// of the address space, above the NULL pages.
#include "exec/elf.h"

extern "C" int LLVMFuzzerTestOneInput(const u8* data, usize size) {
  ElfHeader eh;
  memset(&eh, 0, sizeof eh);
  memcpy(&eh, data, min_of(size, sizeof eh));
  if (elf_check_header(eh, size)) return 0;
  static ProgramHeader ph[kElfMaxPhdrs];
  memcpy(ph, data + eh.phoff, (u64)eh.phnum * sizeof(ProgramHeader));  // checked above
  ElfPlan plan;
  if (elf_plan(eh, ph, size, &plan)) return 0;
  if (!(plan.lo < plan.hi && plan.lo + plan.base >= kElfLowest && plan.hi + plan.base <= kElfHighest &&
        plan.hi + plan.base > plan.lo + plan.base && eh.entry >= plan.lo && eh.entry < plan.hi))
    __builtin_trap();
  for (int i = 0; i < eh.phnum; i++) {
    const ProgramHeader& p = ph[i];
    if (p.type != kPtLoad || !p.memsz) continue;
    if (p.offset + p.filesz > size || p.offset + p.filesz < p.offset) __builtin_trap();
    u64 start = p.vaddr + plan.base, end = start + p.memsz;
    if (start < plan.lo + plan.base || end > plan.hi + plan.base || end < start) __builtin_trap();
  }
  return 0;
}
