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

void (*tlb_shootdown_hook)() = nullptr;

namespace {

u64* table_at(u64 entry) { return (u64*)phys_to_virt(entry & kPteAddr); }

}  // namespace

u64* page_entry(u64 va, bool create) {
  u64* table = boot_pml4;
  for (int level = 3; level > 0; level--) {
    u64& e = table[(va >> (12 + 9 * level)) & 511];
    if (!(e & kPtePresent)) {
      if (!create) return nullptr;
      u64 p = frame_alloc();
      if (!p) return nullptr;
      e = p | kPtePresent | kPteWritable;  // rights are decided by the level-1 entries
    }
    table = table_at(e);
  }
  return &table[(va >> 12) & 511];
}

void tlb_flush_page(u64 va) { asm volatile("invlpg (%0)" ::"r"(va) : "memory"); }

void tlb_flush_all_cpus() {
  if (tlb_shootdown_hook) tlb_shootdown_hook();
}

void paging_init() {
  boot_pml4[0] = 0;  // the identity map was only for the switch to the higher half
  u64 cr3;
  asm volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3)::"memory");
}

bool map_kernel_page(u64 va) {
  u64* pte = page_entry(va, true);
  if (!pte) return false;
  if (*pte & kPtePresent) return true;
  u64 p = frame_alloc();
  if (!p) return false;
  *pte = p | kPtePresent | kPteWritable;
  return true;
}

bool mm_is_stack_guard(u64 va) {
  if (va < kKernelStacks || va >= kKernelStacks + (1UL << 30)) return false;
  u64* pte = page_entry(va, false);
  return !pte || !(*pte & kPtePresent);
}
