// The program's address space: mmap, munmap, mprotect, madvise, mremap and brk over the regions
// of mm/memory.h, with Linux's protections.
#include "syscall/fd_table.h"
#include "syscall/handlers.h"

namespace {

constexpr u64 kMapShared = 0x01, kMapPrivate = 0x02, kMapFixed = 0x10, kMapAnonymous = 0x20,
              kMapFixedNoReplace = 0x100000;
constexpr u64 kProtMask = kProtRead | kProtWrite | kProtExec;
constexpr u64 kProtGrowsDown = 0x01000000, kProtGrowsUp = 0x02000000;
constexpr u64 kMremapMayMove = 1, kMremapFixed = 2;
constexpr u64 kMadvDontNeed = 4, kMadvFree = 8;
constexpr u64 kBrkLimit = 64UL << 30;
u64 brk_start = 0, brk_current = 0;

bool page_aligned(u64 v) { return !(v & (kPageSize - 1)); }

// A private file mapping is a copy: the file's bytes are read in now, while the pages are
// writable, and the mapping then gets the rights asked for.
i64 fill_from_file(OpenFile* f, u64 off, u64 addr, u64 len, u8 prot) {
  if (off >= f->node->size) return 0;
  u64 n = min_of(len, (u64)f->node->size - off);
  if (n > frames_free_bytes()) return -ENOMEM;
  if (prot != (kProtRead | kProtWrite)) vma_protect(addr, addr + len, kProtRead | kProtWrite);
  isize r = fat_read(*f->node, off, (void*)addr, n);
  if (r < 0) return r;
  if (prot != (kProtRead | kProtWrite)) vma_protect(addr, addr + len, prot);
  return 0;
}

}  // namespace

void memory_init(u64 brk) { brk_start = brk_current = brk; }

i64 sys_mmap(const SyscallArgs& a) {
  u64 addr = a.a0, len = a.a1, prot = a.a2, flags = a.a3, off = a.a5;
  if (!len || !page_aligned(off) || (prot & ~kProtMask) || !(flags & (kMapShared | kMapPrivate))) return -EINVAL;
  if (len > kUserTop) return -ENOMEM;
  len = align_up(len, kPageSize);
  bool fixed = flags & (kMapFixed | kMapFixedNoReplace);
  OpenFile* f = nullptr;
  if (!(flags & kMapAnonymous)) {
    f = file_for((i32)a.a4);
    if (!f) return -EBADF;
    if (f->kind != FileKind::File || f->node->is_dir()) return -ENODEV;
    // File mappings are private copies: a shared writable one would lose its writes silently.
    // Refused as Linux refuses a file system without shared mappings (LLVM's output buffers, lld's
    // included, then write through write()).
    if ((flags & kMapShared) && (prot & kProtWrite)) return -ENODEV;
  }
  if (fixed) {
    if (!page_aligned(addr) || !user_range(addr, len) || addr < 0x10000) return -EINVAL;
    if (vma_overlaps(addr, addr + len)) {
      if (!(flags & kMapFixed)) return -EEXIST;  // MAP_FIXED_NOREPLACE
      if (!vma_remove(addr, addr + len)) return -ENOMEM;
    }
  } else {
    addr = mm_find_free(len, addr);
  }
  if (!vma_add(addr, addr + len, (u8)prot, kVmaAnon)) return -ENOMEM;
  if (f) {
    if (i64 r = fill_from_file(f, off, addr, len, (u8)prot)) {
      vma_remove(addr, addr + len);
      return r;
    }
  }
  return (i64)addr;
}

i64 sys_munmap(const SyscallArgs& a) {
  if (!page_aligned(a.a0) || !a.a1 || !user_range(a.a0, a.a1)) return -EINVAL;
  return vma_remove(a.a0, a.a0 + align_up(a.a1, kPageSize)) ? 0 : -ENOMEM;
}

// Fails with ENOMEM when part of the range is not mapped, as on Linux.
i64 sys_mprotect(const SyscallArgs& a) {
  u64 prot = a.a2 & ~(kProtGrowsDown | kProtGrowsUp);
  if (!page_aligned(a.a0) || (prot & ~kProtMask)) return -EINVAL;
  if (!user_range(a.a0, a.a1)) return -ENOMEM;
  if (!a.a1) return 0;
  return vma_protect(a.a0, a.a0 + align_up(a.a1, kPageSize), (u8)prot);
}

// MADV_DONTNEED and MADV_FREE give the pages back (anonymous pages read as zero again); other
// advice is accepted.
i64 sys_madvise(const SyscallArgs& a) {
  if (!page_aligned(a.a0) || !user_range(a.a0, a.a1)) return -EINVAL;
  u64 end = a.a0 + align_up(a.a1, kPageSize);
  if (a.a2 == kMadvDontNeed || a.a2 == kMadvFree) {
    if (!vma_covers(a.a0, end, kProtRead)) return -ENOMEM;
    vma_discard(a.a0, end);
  }
  return 0;
}

i64 sys_mremap(const SyscallArgs& a) {
  u64 old = a.a0, old_len = align_up(a.a1, kPageSize), new_len = align_up(a.a2, kPageSize);
  if (!page_aligned(old) || !new_len || (a.a3 & kMremapFixed)) return -EINVAL;
  const Vma* v = vma_find(old);
  if (!v || !old_len || !vma_covers(old, old + old_len, kProtNone) || old + old_len > v->end) return -EFAULT;
  u8 prot = v->prot;
  if (new_len <= old_len) {
    vma_remove(old + new_len, old + old_len);
    return (i64)old;
  }
  if (!vma_overlaps(old + old_len, old + new_len) && vma_add(old + old_len, old + new_len, prot, kVmaAnon))
    return (i64)old;  // grown in place
  if (!(a.a3 & kMremapMayMove)) return -ENOMEM;
  u64 addr = mm_find_free(new_len, 0);
  if (!vma_add(addr, addr + new_len, prot, kVmaAnon) || !mm_move(old, addr, old_len)) return -ENOMEM;
  vma_remove(old, old + old_len);
  return (i64)addr;
}

i64 sys_brk(const SyscallArgs& a) {
  u64 addr = a.a0;
  if (addr < brk_start || addr > brk_start + kBrkLimit) return (i64)brk_current;
  u64 want = align_up(addr, kPageSize), have = align_up(brk_current, kPageSize);
  if (addr < brk_current) vma_remove(want, have);
  else if (want > have && (want - have > frames_free_bytes() || vma_overlaps(have, want))) return (i64)brk_current;
  if (want > have) vma_add(have, want, kProtRead | kProtWrite, kVmaBrk);
  brk_current = addr;
  return (i64)addr;
}
