// The program's address space: mmap, mremap, munmap and brk over the regions of mm/memory.h.
#include "syscall/fd_table.h"
#include "syscall/handlers.h"

namespace {

constexpr u64 kMapFixed = 0x10, kMapAnonymous = 0x20, kMapFixedNoReplace = 0x100000;
constexpr u64 kMremapMayMove = 1;
constexpr u64 kBrkLimit = 64UL << 30;
u64 brk_start = 0, brk_current = 0;

}  // namespace

void memory_init(u64 brk) { brk_start = brk_current = brk; }

i64 sys_mmap(const SyscallArgs& a) {
  u64 addr = a.a0, len = a.a1, flags = a.a3, off = a.a5;
  if (!len || (off & (kPageSize - 1))) return -EINVAL;
  len = align_up(len, kPageSize);
  bool fixed = flags & (kMapFixed | kMapFixedNoReplace);
  bool anon = flags & kMapAnonymous;
  OpenFile* f = nullptr;
  if (!anon) {
    f = file_for((i32)a.a4);
    if (!f) return -EBADF;
    if (f->kind != FileKind::File || f->node->is_dir()) return -ENODEV;
  }
  if (fixed) {
    if ((addr & (kPageSize - 1)) || !user_ok(addr, len) || addr < 0x10000) return -EINVAL;
    vma_remove(addr, addr + len);
  } else {
    addr = mm_find_free(len);
  }
  if (!vma_add(addr, addr + len, kVmaAnon)) return -ENOMEM;
  if (f && off < f->node->size) {
    // Private file mappings are copies: the file's bytes are read in now.
    u64 n = min_of(len, (u64)f->node->size - off);
    if (n > frames_free_bytes()) {
      vma_remove(addr, addr + len);
      return -ENOMEM;
    }
    isize r = fat_read(*f->node, off, (void*)addr, n);
    if (r < 0) {
      vma_remove(addr, addr + len);
      return r;
    }
  }
  return (i64)addr;
}

i64 sys_munmap(const SyscallArgs& a) {
  if (a.a0 & (kPageSize - 1)) return -EINVAL;
  vma_remove(a.a0, a.a0 + align_up(a.a1, kPageSize));
  return 0;
}

i64 sys_mremap(const SyscallArgs& a) {
  u64 old = a.a0, old_len = align_up(a.a1, kPageSize), new_len = align_up(a.a2, kPageSize);
  if ((old & (kPageSize - 1)) || !new_len) return -EINVAL;
  if (new_len <= old_len) {
    vma_remove(old + new_len, old + old_len);
    return (i64)old;
  }
  if (!(a.a3 & kMremapMayMove)) return -ENOMEM;
  u64 addr = mm_find_free(new_len);
  if (!vma_add(addr, addr + new_len, kVmaAnon) || !mm_move(old, addr, old_len)) return -ENOMEM;
  vma_remove(old, old + old_len);
  return (i64)addr;
}

i64 sys_brk(const SyscallArgs& a) {
  u64 addr = a.a0;
  if (addr < brk_start || addr > brk_start + kBrkLimit) return (i64)brk_current;
  u64 want = align_up(addr, kPageSize), have = align_up(brk_current, kPageSize);
  if (addr < brk_current) vma_remove(want, have);
  else if (want > have && want - have > frames_free_bytes()) return (i64)brk_current;
  if (want > have) vma_add(have, want, kVmaBrk);
  brk_current = addr;
  return (i64)addr;
}
