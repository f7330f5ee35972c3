// Physical memory (frames from the boot memory map), page tables, and the program's address space.
// The kernel sees all physical memory below 4 GiB through a direct map at kDirectMap; the lower
// half of the address space belongs to the program: regions (vma.cpp) with Linux's protections,
// mapped with 4 KiB pages on demand.
#pragma once
#include "lib/lib.h"

constexpr uptr kDirectMap = 0xFFFF800000000000UL;
constexpr uptr kUserTop = 0x0000800000000000UL;
constexpr u64 kPageSize = 4096;
constexpr u64 kPhysLimit = 4UL << 30;  // the direct map covers the first 4 GiB
constexpr uptr kKernelStacks = 0xFFFFFF0000000000UL;  // 1 GiB for the threads' kernel stacks

inline void* phys_to_virt(u64 phys) { return (void*)(phys + kDirectMap); }
inline u64 virt_to_phys_direct(const void* v) { return (uptr)v - kDirectMap; }

struct PhysRange {
  u64 start, end;
};

// Frames. `usable` lists RAM from the memory map; `reserved` what must not be handed out.
void frames_init(const PhysRange* usable, int n_usable, const PhysRange* reserved, int n_reserved);
u64 frame_alloc();                     // one zeroed 4 KiB frame, 0 when memory is exhausted
u64 frame_alloc_contiguous(u64 bytes); // physically contiguous, 4 KiB aligned, not zeroed; 0 on failure
void frame_free(u64 phys);
u64 frames_free_bytes();
u64 frames_total_bytes();

// Kernel heap: simple bump allocation of direct-mapped frames (never freed; used at start-up).
void* kalloc(u64 bytes);

// Page tables: one set for every CPU (the kernel's, whose lower half is the program's).
enum : u64 {
  kPtePresent = 1, kPteWritable = 2,
  kPteOwned = 1UL << 9,    // the frame belongs to the program (kept while PROT_NONE hides it)
  kPteNoExec = 1UL << 63,
  kPteAddr = 0x000FFFFFFFFFF000UL,
};
void paging_init();                  // drop the boot identity map
u64* page_entry(u64 va, bool create);  // the level-1 entry, nullptr if absent (or out of memory)
// Calls fn(va, entry) for each level-1 entry in [start, end), skipping absent tables.
template <class Fn> void for_each_page_entry(u64 start, u64 end, Fn fn);
void tlb_flush_page(u64 va);         // this CPU
void tlb_flush_all_cpus();           // after entries lost rights: every CPU (smp)
extern void (*tlb_shootdown_hook)();

// Kernel pages outside the direct map (the threads' kernel stacks).
bool map_kernel_page(u64 va);        // a zeroed frame at va, unless one is there (false: out of memory)
bool mm_is_stack_guard(u64 va);      // va lies in the guard below a kernel stack

// The program's regions (vma.cpp). Protections are Linux's PROT_* bits.
enum : u8 { kProtRead = 1, kProtWrite = 2, kProtExec = 4, kProtNone = 0 };
enum VmaKind : u8 { kVmaAnon, kVmaStack, kVmaBrk };
struct Vma {
  u64 start, end;
  u8 prot;
  VmaKind kind;
};
bool vma_add(u64 start, u64 end, u8 prot, VmaKind kind);  // demand-zero; the range must be free
bool vma_remove(u64 start, u64 end);             // unmap and free the frames (false: no room to split)
int vma_protect(u64 start, u64 end, u8 prot);    // 0, -ENOMEM (a hole in the range or no room)
void vma_discard(u64 start, u64 end);            // drop the frames: the pages read as zero again
const Vma* vma_find(u64 addr);
bool vma_overlaps(u64 start, u64 end);
// Every byte lies in some region allowing `access` (kProtRead: any but PROT_NONE, as on x86).
bool vma_covers(u64 start, u64 end, u8 access);
bool map_user_page(u64 va);                      // back the page now (false: out of memory)
bool mm_handle_page_fault(u64 addr, u64 error);  // demand paging; false if a real fault
const char* mm_fault_reason(u64 addr, u64 error);  // why a fault is real, for the report
bool mm_move(u64 old_start, u64 new_start, u64 len);  // move mappings (mremap)
u64 mm_find_free(u64 len, u64 hint);             // an unused range for mmap (the hint if it is free)

// ---------------------------------------------------------------------------------------------

template <class Fn> void for_each_page_entry(u64 start, u64 end, Fn fn) {
  for (u64 va = start; va < end;) {
    u64* pte = page_entry(va, false);
    if (!pte) {  // no level-1 table here: skip to the next 2 MiB
      va = align_down(va, 2UL << 20) + (2UL << 20);
      continue;
    }
    fn(va, pte);
    va += kPageSize;
  }
}
