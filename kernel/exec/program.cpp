#include "exec/program.h"

#include "arch/x86_64/cpu.h"
#include "exec/elf.h"
#include "console.h"
#include "fs/fat32.h"
#include "mm/memory.h"
#include "sched/scheduler.h"
#include "syscall/syscall.h"

namespace {

constexpr u64 kStackTop = 0x00007FFFFFFFF000UL;
constexpr u64 kStackSize = 8UL << 20;
static_assert(kStackTop - kStackSize >= kElfHighest);

u8 segment_prot(const ProgramHeader& p) {
  return (u8)(((p.flags & kPfRead) ? kProtRead : 0) | ((p.flags & kPfWrite) ? kProtWrite : 0) |
              ((p.flags & kPfExec) ? kProtExec : 0));
}

// A page shared by two segments gets the rights of both.
void protect_segments(const ElfHeader& eh, const ProgramHeader* ph, u64 base) {
  u64 prev_last = ~0UL;
  u8 prev_prot = 0;
  for (int i = 0; i < eh.phnum; i++) {
    const ProgramHeader& p = ph[i];
    if (p.type != kPtLoad || !p.memsz) continue;
    u64 start = align_down(p.vaddr + base, kPageSize), end = align_up(p.vaddr + base + p.memsz, kPageSize);
    u8 prot = segment_prot(p);
    vma_protect(start, end, prot);
    if (start == prev_last) vma_protect(start, start + kPageSize, prot | prev_prot);
    prev_last = end - kPageSize;
    prev_prot = prot;
  }
}

}  // namespace

int program_load(const char* path, ProgramImage* out) {
  FatNode node;
  int r = fat_lookup(path, &node);
  if (r) {
    kerror("%s: %s\n", path, r == -2 ? "no such program on the disk" : "cannot open the program");
    return r == -2 ? kExitNotFound : kExitCannotExecute;
  }
  if (node.is_dir()) {
    kerror("%s: is a directory\n", path);
    return kExitCannotExecute;
  }
  ElfHeader eh;
  memset(&eh, 0, sizeof eh);
  fat_read(node, 0, &eh, sizeof eh);
  if (const char* problem = elf_check_header(eh, node.size)) {
    kerror("%s: %s\n", path, problem);
    return kExitCannotExecute;
  }
  static ProgramHeader ph[kElfMaxPhdrs];
  u64 ph_bytes = (u64)eh.phnum * sizeof(ProgramHeader);
  if (fat_read(node, eh.phoff, ph, ph_bytes) != (isize)ph_bytes) {
    kerror("%s: read error in the program headers\n", path);
    return kExitCannotExecute;
  }
  ElfPlan plan;
  if (const char* problem = elf_plan(eh, ph, node.size, &plan)) {
    if (plan.interp >= 0) {
      char interp[128] = "?";
      u64 n = min_of(ph[plan.interp].filesz, (u64)sizeof interp - 1);
      if (fat_read(node, ph[plan.interp].offset, interp, n) == (isize)n) interp[n] = 0;
      kerror("%s: dynamically linked (interpreter %s); the unikernel runs static executables only "
             "(link with -static)\n", path, interp);
    } else {
      kerror("%s: %s\n", path, problem);
    }
    return kExitCannotExecute;
  }
  u64 base = plan.base, need = plan.need, lo = plan.lo;
  u64 reserve = 4UL << 20;  // page tables, stack, the first allocations
  if (need + reserve > frames_free_bytes()) {
    kerror("%s: does not fit in memory (needs %lu MiB, %lu MiB free); boot with more --mem\n", path,
           (need + reserve) >> 20, frames_free_bytes() >> 20);
    return kExitCannotExecute;
  }
  u64 phdr = 0, mapped_end = 0;
  // Each segment is written while its pages are writable, then given the rights its flags ask.
  for (int i = 0; i < eh.phnum; i++) {
    const ProgramHeader& p = ph[i];
    if (p.type == kPtPhdr) phdr = p.vaddr + base;
    if (p.type == kPtGnuStack) out->exec_stack = p.flags & kPfExec;
    if (p.type != kPtLoad || !p.memsz) continue;
    u64 start = align_down(p.vaddr + base, kPageSize), end = align_up(p.vaddr + base + p.memsz, kPageSize);
    u64 from = max_of(start, mapped_end);  // a page shared with the previous segment is mapped
    if (from < end && !vma_add(from, end, kProtRead | kProtWrite, kVmaAnon)) {
      kerror("%s: overlapping segments\n", path);
      return kExitCannotExecute;
    }
    mapped_end = max_of(mapped_end, end);
    for (u64 va = start; va < end; va += kPageSize)
      if (!map_user_page(va)) {
        kerror("%s: out of memory while loading\n", path);
        return kExitCannotExecute;
      }
    if (p.filesz && fat_read(node, p.offset, (void*)(p.vaddr + base), p.filesz) != (isize)p.filesz) {
      kerror("%s: read error while loading\n", path);
      return kExitCannotExecute;
    }
    if (!phdr && eh.phoff >= p.offset && eh.phoff + ph_bytes <= p.offset + p.filesz)
      phdr = p.vaddr + base + (eh.phoff - p.offset);
  }
  protect_segments(eh, ph, base);
  out->entry = eh.entry + base;
  out->phdr = phdr;
  out->phnum = eh.phnum;
  out->base = 0;
  out->brk_start = plan.hi + base;
  klog("loaded %s: %lu KiB at %lx, entry %lx\n", path, need >> 10, lo + base, out->entry);
  return 0;
}

void program_start(const ProgramImage& img, int argc, char** argv, int envc, char** envp) {
  vma_add(kStackTop - kStackSize, kStackTop, kProtRead | kProtWrite | (img.exec_stack ? kProtExec : 0), kVmaStack);
  u64 sp = kStackTop;
  auto push_bytes = [&](const void* data, u64 n) {
    sp -= n;
    memcpy((void*)sp, data, n);
    return sp;
  };
  static u64 argv_ptrs[256], envp_ptrs[256];
  argc = min_of(argc, 255);
  envc = min_of(envc, 255);
  u64 execfn = push_bytes(argv[0], strlen(argv[0]) + 1);
  for (int i = argc - 1; i >= 0; i--) argv_ptrs[i] = push_bytes(argv[i], strlen(argv[i]) + 1);
  for (int i = envc - 1; i >= 0; i--) envp_ptrs[i] = push_bytes(envp[i], strlen(envp[i]) + 1);
  u64 platform = push_bytes("x86_64", 7);
  u64 rnd[2] = {cpu_random64(), cpu_random64()};
  sp = align_down(sp, 16);
  u64 random = push_bytes(rnd, 16);
  u32 a, b, c, d;
  cpuid(1, 0, &a, &b, &c, &d);
  const u64 auxv[][2] = {
      {3, img.phdr}, {4, 56}, {5, img.phnum}, {6, kPageSize}, {7, img.base}, {8, 0}, {9, img.entry},
      {11, 0}, {12, 0}, {13, 0}, {14, 0}, {15, platform}, {16, d}, {17, 100}, {23, 0}, {25, random},
      {26, 0}, {31, execfn}, {0, 0},
  };
  u64 words = 1 + (u64)argc + 1 + (u64)envc + 1 + sizeof auxv / 8;
  sp = align_down(sp - words * 8, 16);
  u64* w = (u64*)sp;
  *w++ = (u64)argc;
  for (int i = 0; i < argc; i++) *w++ = argv_ptrs[i];
  *w++ = 0;
  for (int i = 0; i < envc; i++) *w++ = envp_ptrs[i];
  *w++ = 0;
  memcpy(w, auxv, sizeof auxv);
  syscall_init(argv[0], img.brk_start);
  sched_start(img.entry, sp);
}
