// ELF64 checks for the program loader, kept apart from memory and disk so that the host can fuzz
// them: the header, the program headers against the file's size, and where the image will go.
#pragma once
#include "lib/lib.h"

struct PACKED ElfHeader {
  u8 ident[16];
  u16 type, machine;
  u32 version;
  u64 entry, phoff, shoff;
  u32 flags;
  u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
static_assert(sizeof(ElfHeader) == 64);

struct PACKED ProgramHeader {
  u32 type, flags;
  u64 offset, vaddr, paddr, filesz, memsz, align;
};
static_assert(sizeof(ProgramHeader) == 56);

enum : u32 { kPtLoad = 1, kPtInterp = 3, kPtPhdr = 6, kPtGnuStack = 0x6474E551 };
enum : u32 { kPfExec = 1, kPfWrite = 2, kPfRead = 4 };
enum : u16 { kEtExec = 2, kEtDyn = 3 };
constexpr int kElfMaxPhdrs = 64;
constexpr u64 kElfPieBase = 0x0000555555554000UL;   // where static-pie programs go
constexpr u64 kElfLowest = 0x10000;                 // the first pages stay unmapped (NULL)
constexpr u64 kElfHighest = 0x00007FFFF0000000UL;   // the stack lies above

struct ElfPlan {
  u64 base = 0;       // added to every address (static-pie), 0 for ET_EXEC
  u64 lo = 0, hi = 0; // page-aligned span of the PT_LOAD segments, before `base`
  u64 need = 0;       // bytes of memory the segments take
  int interp = -1;    // index of PT_INTERP when the program is dynamically linked
};

// nullptr when the header describes a loadable x86-64 executable, else the problem.
const char* elf_check_header(const ElfHeader& eh, u64 file_size);
// nullptr when every PT_LOAD lies inside the file and the image fits the program's half of the
// address space, else the problem ("dynamically linked" sets plan->interp).
const char* elf_plan(const ElfHeader& eh, const ProgramHeader* ph, u64 file_size, ElfPlan* plan);
