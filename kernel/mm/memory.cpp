#include "mm/memory.h"

#include "arch/x86_64/cpu.h"
#include "console.h"

extern "C" u64 boot_pml4[512];

namespace {

constexpr int kMaxRanges = 64;
PhysRange ranges[kMaxRanges];
int n_ranges = 0;
u64 free_list = 0;  // physical address of the first free frame; each holds the next
u64 free_bytes = 0, total_bytes = 0;

// Subtract [r.start, r.end) from every range.
void subtract(const PhysRange& r) {
  PhysRange out[kMaxRanges];
  int n = 0;
  for (int i = 0; i < n_ranges; i++) {
    PhysRange a = ranges[i];
    if (r.end <= a.start || r.start >= a.end) {
      out[n++] = a;
      continue;
    }
    if (a.start < r.start && n < kMaxRanges) out[n++] = {a.start, r.start};
    if (r.end < a.end && n < kMaxRanges) out[n++] = {r.end, a.end};
  }
  memcpy(ranges, out, sizeof(PhysRange) * n);
  n_ranges = n;
}

u64 take_from_ranges(u64 bytes) {
  for (int i = 0; i < n_ranges; i++) {
    if (ranges[i].end - ranges[i].start >= bytes) {
      u64 p = ranges[i].start;
      ranges[i].start += bytes;
      free_bytes -= bytes;
      return p;
    }
  }
  return 0;
}

}  // namespace

void frames_init(const PhysRange* usable, int n_usable, const PhysRange* reserved, int n_reserved) {
  for (int i = 0; i < n_usable && n_ranges < kMaxRanges; i++) {
    u64 s = align_up(usable[i].start, kPageSize), e = align_down(min_of(usable[i].end, kPhysLimit), kPageSize);
    if (s < 0x100000) s = 0x100000;  // leave the first MiB (BIOS data, VGA) alone
    if (e > s) ranges[n_ranges++] = {s, e};
  }
  for (int i = 0; i < n_reserved; i++)
    subtract({align_down(reserved[i].start, kPageSize), align_up(reserved[i].end, kPageSize)});
  for (int i = 0; i < n_ranges; i++) free_bytes += ranges[i].end - ranges[i].start;
  total_bytes = free_bytes;
}

u64 frame_alloc() {
  u64 p;
  if (free_list) {
    p = free_list;
    free_list = *(u64*)phys_to_virt(p);
    free_bytes -= kPageSize;
  } else {
    p = take_from_ranges(kPageSize);
    if (!p) return 0;
  }
  memset(phys_to_virt(p), 0, kPageSize);
  return p;
}

u64 frame_alloc_contiguous(u64 bytes) { return take_from_ranges(align_up(bytes, kPageSize)); }

void frame_free(u64 phys) {
  *(u64*)phys_to_virt(phys) = free_list;
  free_list = phys;
  free_bytes += kPageSize;
}

u64 frames_free_bytes() { return free_bytes; }
u64 frames_total_bytes() { return total_bytes; }

void* kalloc(u64 bytes) {
  u64 p = frame_alloc_contiguous(bytes);
  if (!p) kernel_panic("out of memory for %lu bytes of kernel data", bytes);
  memset(phys_to_virt(p), 0, align_up(bytes, kPageSize));
  return phys_to_virt(p);
}

// Page tables --------------------------------------------------------------------------------

namespace {

constexpr u64 kPresent = 1, kWritable = 2, kAddrMask = 0x000FFFFFFFFFF000UL;

struct Vma {
  u64 start, end;
  VmaKind kind;
};
constexpr int kMaxVmas = 4096;
Vma vmas[kMaxVmas];
int n_vmas = 0;
u64 mmap_next = 0x0000100000000000UL;  // mmap grows upward from 16 TiB, far from any program image

u64* table_at(u64 entry) { return (u64*)phys_to_virt(entry & kAddrMask); }

// The level-1 entry for `va`, creating tables on the way when `create`.
u64* walk(u64 va, bool create) {
  u64* table = boot_pml4;
  for (int level = 3; level > 0; level--) {
    u64& e = table[(va >> (12 + 9 * level)) & 511];
    if (!(e & kPresent)) {
      if (!create) return nullptr;
      u64 p = frame_alloc();
      if (!p) return nullptr;
      e = p | kPresent | kWritable;
    }
    table = table_at(e);
  }
  return &table[(va >> 12) & 511];
}

void invlpg(u64 va) { asm volatile("invlpg (%0)" ::"r"(va) : "memory"); }

}  // namespace

void paging_init() {
  boot_pml4[0] = 0;  // the identity map was only for the switch to the higher half
  u64 cr3;
  asm volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3)::"memory");
}

bool vma_contains(u64 start, u64 end) {
  for (int i = 0; i < n_vmas; i++)
    if (start >= vmas[i].start && end <= vmas[i].end) return true;
  return false;
}

bool vma_covers(u64 start, u64 end) {
  while (start < end) {
    bool found = false;
    for (int i = 0; i < n_vmas && !found; i++)
      if (start >= vmas[i].start && start < vmas[i].end) start = vmas[i].end, found = true;
    if (!found) return false;
  }
  return true;
}

bool vma_add(u64 start, u64 end, VmaKind kind) {
  if (end <= start || end > kUserTop) return false;
  for (int i = 0; i < n_vmas; i++)  // grow a neighbour instead (brk grows a page range at a time)
    if (vmas[i].kind == kind && (vmas[i].end == start || vmas[i].start == end)) {
      vmas[i].start = min_of(vmas[i].start, start);
      vmas[i].end = max_of(vmas[i].end, end);
      return true;
    }
  if (n_vmas == kMaxVmas) return false;
  vmas[n_vmas++] = {start, end, kind};
  return true;
}

void vma_remove(u64 start, u64 end) {
  for (u64 va = start; va < end; va += kPageSize) {
    u64* pte = walk(va, false);
    if (pte && (*pte & kPresent)) {
      frame_free(*pte & kAddrMask);
      *pte = 0;
      invlpg(va);
    }
  }
  for (int i = 0; i < n_vmas; i++) {
    Vma v = vmas[i];
    if (end <= v.start || start >= v.end) continue;
    // Cut [start, end) out of v: up to two pieces remain.
    vmas[i] = vmas[--n_vmas];
    i--;
    if (v.start < start) vma_add(v.start, start, v.kind);
    if (end < v.end) vma_add(end, v.end, v.kind);
  }
}

bool map_kernel_page(u64 va) { return map_user_page(va); }

bool mm_is_stack_guard(u64 va) {
  if (va < kKernelStacks || va >= kKernelStacks + (1UL << 30)) return false;
  u64* pte = walk(va, false);
  return !pte || !(*pte & kPresent);
}

bool map_user_page(u64 va) {
  va = align_down(va, kPageSize);
  u64* pte = walk(va, true);
  if (!pte) return false;
  if (*pte & kPresent) return true;
  u64 p = frame_alloc();
  if (!p) return false;
  *pte = p | kPresent | kWritable;
  return true;
}

bool mm_handle_page_fault(u64 addr, u64 error) {
  if (addr >= kUserTop || (error & 1)) return false;  // protection faults are real faults
  if (!vma_contains(addr, addr + 1)) return false;
  if (!map_user_page(addr)) {
    kerror("out of memory: %lu MiB in use, none left for the page at %016lx\n",
           (frames_total_bytes() - frames_free_bytes()) >> 20, addr);
    if (exit_hook) exit_hook();
    machine_exit(kExitOutOfMemory);
  }
  return true;
}

bool mm_move(u64 old_start, u64 new_start, u64 len) {
  for (u64 off = 0; off < len; off += kPageSize) {
    u64* src = walk(old_start + off, false);
    if (!src || !(*src & kPresent)) continue;
    u64* dst = walk(new_start + off, true);
    if (!dst) return false;
    *dst = *src;
    *src = 0;
    invlpg(old_start + off);
  }
  return true;
}

u64 mm_find_free(u64 len) {
  u64 a = mmap_next;
  mmap_next += align_up(len, kPageSize) + kPageSize;  // a guard page between mappings
  return a;
}
