#include "exec/elf.h"

namespace {
constexpr u64 kPage = 4096;
}

const char* elf_check_header(const ElfHeader& eh, u64 file_size) {
  if (file_size < sizeof(ElfHeader) || memcmp(eh.ident, "\x7f" "ELF", 4) != 0) return "not an ELF executable";
  if (eh.ident[4] != 2 || eh.ident[5] != 1 || eh.machine != 62) return "not an x86-64 ELF (64-bit, little-endian)";
  if (eh.type != kEtExec && eh.type != kEtDyn) return "not an executable (an object file or a core dump?)";
  if (eh.phentsize != sizeof(ProgramHeader) || eh.phnum == 0 || eh.phnum > kElfMaxPhdrs)
    return "bad program header table";
  u64 bytes = (u64)eh.phnum * sizeof(ProgramHeader);
  if (eh.phoff > file_size || bytes > file_size - eh.phoff) return "truncated program header table";
  return nullptr;
}

const char* elf_plan(const ElfHeader& eh, const ProgramHeader* ph, u64 file_size, ElfPlan* plan) {
  *plan = ElfPlan{};
  u64 lo = ~0UL, hi = 0, need = 0;
  for (int i = 0; i < eh.phnum; i++) {
    const ProgramHeader& p = ph[i];
    if (p.type == kPtInterp) {
      plan->interp = i;
      return "dynamically linked";
    }
    if (p.type != kPtLoad || !p.memsz) continue;
    if (p.filesz > p.memsz || p.offset > file_size || p.filesz > file_size - p.offset)
      return "a segment lies outside the file";
    if (p.vaddr > kElfHighest || p.memsz > kElfHighest - p.vaddr) return "a segment lies outside the address space";
    u64 s = align_down(p.vaddr, kPage), e = align_up(p.vaddr + p.memsz, kPage);
    lo = min_of(lo, s);
    hi = max_of(hi, e);
    need += e - s;
  }
  if (!hi) return "no loadable segments";
  u64 base = eh.type == kEtDyn ? kElfPieBase - lo : 0;  // wraps consistently when lo > kElfPieBase
  if (lo + base < kElfLowest || hi - lo > kElfHighest - (lo + base)) return "segments do not fit the address space";
  if (eh.entry - lo >= hi - lo) return "the entry point lies outside the loaded segments";
  plan->base = base;
  plan->lo = lo;
  plan->hi = hi;
  plan->need = need;
  return nullptr;
}
