// Only the kernel's headers here: its freestanding declarations (lib/lib.h) would clash with the
// C library's <cstring>.
#include "boot/elf_check.h"

#include "exec/elf.h"

namespace bf::boot {

const char* kernel_elf_problem(const unsigned char* data, unsigned long size, const char** interp,
                               unsigned long* interp_len) {
  ElfHeader eh;
  memset(&eh, 0, sizeof eh);
  memcpy(&eh, data, min_of(size, sizeof eh));
  if (const char* problem = elf_check_header(eh, size)) return problem;
  static ProgramHeader ph[kElfMaxPhdrs];
  memcpy(ph, data + eh.phoff, (u64)eh.phnum * sizeof(ProgramHeader));  // inside the file: checked
  ElfPlan plan;
  const char* problem = elf_plan(eh, ph, size, &plan);
  if (problem && plan.interp >= 0) {
    const ProgramHeader& p = ph[plan.interp];
    bool inside = p.offset <= size && p.filesz <= size - p.offset;
    *interp = inside ? (const char*)data + p.offset : "?";
    *interp_len = inside ? p.filesz : 1;
  }
  return problem;
}

}  // namespace bf::boot
