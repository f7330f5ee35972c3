// Physical memory (frames from the boot memory map) and the program's address space.
// The kernel sees all physical memory below 4 GiB through a direct map at kDirectMap; the lower
// half of the address space belongs to the program, mapped with 4 KiB pages on demand.
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

// Kernel pages outside the direct map (the threads' kernel stacks).
bool map_kernel_page(u64 va);        // a zeroed frame at va, unless one is there (false: out of memory)
bool mm_is_stack_guard(u64 va);      // va lies in the guard below a kernel stack

// The program's address space.
void paging_init();  // drop the boot identity map
enum VmaKind : u8 { kVmaAnon, kVmaStack, kVmaBrk };
bool vma_add(u64 start, u64 end, VmaKind kind);  // demand-zero region
void vma_remove(u64 start, u64 end);             // unmap and free the frames
bool vma_contains(u64 start, u64 end);
bool vma_covers(u64 start, u64 end);            // every byte lies in some region (EFAULT checks)
bool map_user_page(u64 va);                      // map a zeroed frame now (false: out of memory)
bool mm_handle_page_fault(u64 addr, u64 error);  // demand paging; false if not ours
bool mm_move(u64 old_start, u64 new_start, u64 len);  // move mappings (mremap)
u64 mm_find_free(u64 len);                       // an unused range for mmap
