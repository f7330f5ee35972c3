// The program's regions: a sorted array of [start, end) ranges with Linux protections, the
// page-table entries that follow them (NX for what may not execute, no write bit for what may not
// be written, nothing present for PROT_NONE), and demand paging.
#include "arch/x86_64/cpu.h"
#include "console.h"
#include "lib/errno.h"
#include "mm/memory.h"

namespace {

constexpr int kMaxVmas = 4096;
Vma vmas[kMaxVmas];
int n_vmas = 0;
u64 mmap_next = 0x0000100000000000UL;  // mmap grows upward from 16 TiB, far from any program image

// The first region ending after addr (n_vmas if none).
int first_after(u64 addr) {
  int lo = 0, hi = n_vmas;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (vmas[mid].end > addr) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

bool insert_at(int i, const Vma& v) {
  if (n_vmas == kMaxVmas) return false;
  memmove(&vmas[i + 1], &vmas[i], sizeof(Vma) * (n_vmas - i));
  vmas[i] = v;
  n_vmas++;
  return true;
}

void erase(int i, int count) {
  memmove(&vmas[i], &vmas[i + count], sizeof(Vma) * (n_vmas - i - count));
  n_vmas -= count;
}

// Makes addr a boundary between regions (false: no room).
bool split_at(u64 addr) {
  int i = first_after(addr);
  if (i == n_vmas || vmas[i].start >= addr) return true;
  Vma right = vmas[i];
  right.start = addr;
  if (!insert_at(i + 1, right)) return false;
  vmas[i].end = addr;
  return true;
}

// x86 cannot refuse a read of a writable or executable page: only PROT_NONE refuses reads.
bool prot_allows(u8 prot, u8 access) { return access == kProtRead ? prot != kProtNone : (prot & access) == access; }

bool mergeable(const Vma& a, const Vma& b) { return a.end == b.start && a.prot == b.prot && a.kind == b.kind; }

// Joins equal neighbours among vmas[from..to].
void merge_between(int from, int to) {
  from = max_of(from, 1);
  to = min_of(to, n_vmas - 1);
  for (int i = to; i >= from; i--)
    if (mergeable(vmas[i - 1], vmas[i])) {
      vmas[i - 1].end = vmas[i].end;
      erase(i, 1);
    }
}

u64 entry_flags(u8 prot) {
  if (prot == kProtNone) return kPteOwned;
  u64 f = kPtePresent | kPteOwned;
  if (prot & kProtWrite) f |= kPteWritable;
  if (!(prot & kProtExec)) f |= kPteNoExec;
  return f;
}

void set_rights(u64 start, u64 end, u8 prot) {
  u64 flags = entry_flags(prot);
  for_each_page_entry(start, end, [&](u64 va, u64* pte) {
    if (!(*pte & kPteOwned)) return;
    *pte = (*pte & kPteAddr) | flags;
    tlb_flush_page(va);
  });
}

}  // namespace

const Vma* vma_find(u64 addr) {
  int i = first_after(addr);
  return i < n_vmas && vmas[i].start <= addr ? &vmas[i] : nullptr;
}

bool vma_overlaps(u64 start, u64 end) {
  int i = first_after(start);
  return i < n_vmas && vmas[i].start < end;
}

bool vma_covers(u64 start, u64 end, u8 access) {
  for (int i = first_after(start); start < end; i++) {
    if (i == n_vmas || vmas[i].start > start || !prot_allows(vmas[i].prot, access)) return false;
    start = vmas[i].end;
  }
  return true;
}

bool vma_add(u64 start, u64 end, u8 prot, VmaKind kind) {
  if (end <= start || end > kUserTop || vma_overlaps(start, end)) return false;
  int i = first_after(start);
  if (!insert_at(i, Vma{start, end, prot, kind})) return false;
  merge_between(i, i + 1);
  return true;
}

bool vma_remove(u64 start, u64 end) {
  if (!vma_overlaps(start, end)) return true;
  if (!split_at(start) || !split_at(end)) return false;
  bool lost = false;
  for_each_page_entry(start, end, [&](u64 va, u64* pte) {
    if (*pte & kPteOwned) frame_free(*pte & kPteAddr);
    if (*pte) lost = true;
    *pte = 0;
    tlb_flush_page(va);
  });
  if (lost) tlb_flush_all_cpus();
  int i = first_after(start), j = i;
  while (j < n_vmas && vmas[j].end <= end) j++;
  erase(i, j - i);
  return true;
}

int vma_protect(u64 start, u64 end, u8 prot) {
  u64 covered = start;  // every byte must be mapped
  for (int i = first_after(start); i < n_vmas && vmas[i].start <= covered && covered < end; i++) covered = vmas[i].end;
  if (covered < end) return -ENOMEM;
  if (!split_at(start) || !split_at(end)) return -ENOMEM;
  int i = first_after(start), j = i;
  for (; j < n_vmas && vmas[j].end <= end; j++) vmas[j].prot = prot;
  set_rights(start, end, prot);
  tlb_flush_all_cpus();
  merge_between(i - 1, j);
  return 0;
}

void vma_discard(u64 start, u64 end) {
  for_each_page_entry(start, end, [&](u64 va, u64* pte) {
    if (*pte & kPteOwned) frame_free(*pte & kPteAddr);
    *pte = 0;
    tlb_flush_page(va);
  });
  tlb_flush_all_cpus();
}

bool map_user_page(u64 va) {
  va = align_down(va, kPageSize);
  const Vma* v = vma_find(va);
  u64* pte = page_entry(va, true);
  if (!v || !pte) return false;
  if (*pte & kPteOwned) return true;
  u64 p = frame_alloc();
  if (!p) return false;
  *pte = p | entry_flags(v->prot);
  return true;
}

namespace {
enum : u64 { kFaultProtection = 1, kFaultWrite = 2, kFaultFetch = 16 };

u8 access_of(u64 error) {
  return (error & kFaultFetch) ? kProtExec : (error & kFaultWrite) ? kProtWrite : kProtRead;
}
}  // namespace

bool mm_handle_page_fault(u64 addr, u64 error) {
  if (addr >= kUserTop) return false;
  const Vma* v = vma_find(addr);
  if (!v || !prot_allows(v->prot, access_of(error))) return false;
  u64* pte = page_entry(addr, false);
  if (pte && (*pte & kPteOwned)) {
    // The entry allows it already: another CPU changed it and this one's TLB held the old rights.
    tlb_flush_page(align_down(addr, kPageSize));
    return true;
  }
  if (!map_user_page(addr)) {
    kerror("out of memory: %lu MiB in use, none left for the page at %016lx\n",
           (frames_total_bytes() - frames_free_bytes()) >> 20, addr);
    if (exit_hook) exit_hook();
    machine_exit(kExitOutOfMemory);
  }
  return true;
}

const char* mm_fault_reason(u64 addr, u64 error) {
  if (addr < kPageSize) return "NULL pointer";
  const Vma* v = addr < kUserTop ? vma_find(addr) : nullptr;
  if (!v) return "not mapped";
  if (v->prot == kProtNone) return "a PROT_NONE page: a guard page";
  if ((error & kFaultFetch) && !(v->prot & kProtExec)) return "not executable";
  if ((error & kFaultWrite) && !(v->prot & kProtWrite)) return "read-only";
  return "not allowed";
}

bool mm_move(u64 old_start, u64 new_start, u64 len) {
  for (u64 off = 0; off < len; off += kPageSize) {
    u64* src = page_entry(old_start + off, false);
    if (!src || !(*src & kPteOwned)) continue;
    u64* dst = page_entry(new_start + off, true);
    if (!dst) return false;
    *dst = *src;
    *src = 0;
    tlb_flush_page(old_start + off);
  }
  tlb_flush_all_cpus();
  return true;
}

u64 mm_find_free(u64 len, u64 hint) {
  len = align_up(len, kPageSize);
  if (hint && !(hint & (kPageSize - 1)) && hint >= 0x10000 && hint < kUserTop && len <= kUserTop - hint &&
      !vma_overlaps(hint, hint + len))
    return hint;
  u64 a = mmap_next;
  mmap_next += len + kPageSize;  // a guard page between mappings
  return a;
}
