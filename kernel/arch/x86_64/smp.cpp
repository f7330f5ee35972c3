#include "arch/x86_64/smp.h"

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "console.h"
#include "mm/memory.h"
#include "sched/lock.h"
#include "sched/scheduler.h"
#include "time.h"

extern "C" const u8 ap_boot[], ap_boot_end[], ap_boot_cr3[], ap_boot_stack[], ap_boot_entry[];
extern "C" u64 boot_pml4[512], boot_pdpt[512];

namespace {

constexpr u64 kApBootPage = 0x8000;  // AP_BOOT_PAGE in ap_boot.S
constexpr u64 kKernelVma = 0xFFFFFFFF80000000UL;
constexpr u64 kApStackBytes = 16 * 1024;

// The CPU being started (one at a time) and its stack; it sets `started` when it is up.
Cpu* volatile starting = nullptr;
u64 starting_stack_top = 0;
volatile u32 started = 0;

u64 kernel_phys(const void* p) { return (u64)p - kKernelVma; }

void wait_ns(u64 ns) {
  u64 end = time_monotonic_ns() + ns;
  while (time_monotonic_ns() < end) asm volatile("pause");
}

extern "C" [[noreturn]] void ap_main() {
  Cpu* c = starting;
  asm volatile("mov %0, %%cr3" ::"r"(kernel_phys(boot_pml4)) : "memory");
  cpu_init_this(c, (u8*)kalloc(kIstTotalBytes));
  apic_init();
  sched_init_cpu((Thread*)kalloc(sizeof(Thread)), starting_stack_top);
  __atomic_store_n(&started, 1, __ATOMIC_RELEASE);
  sched_idle_loop();
}

// The boot code's page tables: the kernel's, plus the first 4 GiB mapped to themselves so that
// the code at kApBootPage goes on running when paging comes on.
u64 boot_tables() {
  u64 pml4 = frame_alloc();
  if (!pml4) kernel_panic("no memory to start the other CPUs");
  u64* t = (u64*)phys_to_virt(pml4);
  memcpy(t, boot_pml4, kPageSize);
  t[0] = kernel_phys(boot_pdpt) | kPtePresent | kPteWritable;
  return pml4;
}

bool start_cpu(u32 apic, u32 index) {
  Cpu* c = (Cpu*)kalloc(sizeof(Cpu));
  c->index = index;
  c->apic_id = apic;
  starting = c;
  starting_stack_top = (u64)kalloc(kApStackBytes) + kApStackBytes;
  u8* page = (u8*)phys_to_virt(kApBootPage);
  *(u64*)(page + (ap_boot_stack - ap_boot)) = starting_stack_top;
  started = 0;
  apic_send_init(apic);
  wait_ns(10000000);
  for (int tries = 0; tries < 2 && !started; tries++) {
    apic_send_startup(apic, (u8)(kApBootPage >> 12));
    for (u64 end = time_monotonic_ns() + 500000000; !started && time_monotonic_ns() < end;) asm volatile("pause");
  }
  if (!started) return false;
  cpus[index] = c;
  return true;
}

}  // namespace

void smp_init(u64 rsdp, u32 max_cpus) {
  kernel_lock_spin_hook = smp_handle_requests;
  tlb_shootdown_hook = smp_flush_tlb_everywhere;
  program_end_hook = [] {
    for (u32 i = 0; i < cpu_count; i++)
      if (cpus[i] != this_cpu()) {
        __atomic_or_fetch(&cpus[i]->ipi_pending, kIpiStop, __ATOMIC_SEQ_CST);
        apic_send_ipi(cpus[i]->apic_id, (u8)kVectorIpi);
      }
  };
  this_cpu()->apic_id = apic_id();
  u32 ids[kMaxCpus];
  int n = acpi_cpu_apic_ids(rsdp, ids, kMaxCpus);
  if (n <= 1 || max_cpus <= 1) return;
  u8* page = (u8*)phys_to_virt(kApBootPage);
  memcpy(page, ap_boot, ap_boot_end - ap_boot);
  *(u64*)(page + (ap_boot_cr3 - ap_boot)) = boot_tables();
  *(u64*)(page + (ap_boot_entry - ap_boot)) = (u64)ap_main;
  for (int i = 0; i < n && cpu_count < max_cpus; i++) {
    if (ids[i] == this_cpu()->apic_id) continue;
    if (start_cpu(ids[i], cpu_count)) cpu_count++;
    else kerror("the CPU with local APIC %u did not start\n", ids[i]);
  }
  klog("%u CPUs\n", cpu_count);
}

void smp_wake_idle_cpu() {
  Cpu* me = this_cpu();
  for (u32 i = 0; i < cpu_count; i++) {
    Cpu* c = cpus[i];
    if (c == me || !c->current->idle || (c->ipi_pending & kIpiReschedule)) continue;
    __atomic_or_fetch(&c->ipi_pending, kIpiReschedule, __ATOMIC_SEQ_CST);
    apic_send_ipi(c->apic_id, (u8)kVectorIpi);
    return;
  }
}

void smp_flush_tlb_everywhere() {
  Cpu* me = this_cpu();
  for (u32 i = 0; i < cpu_count; i++)
    if (cpus[i] != me) {
      __atomic_or_fetch(&cpus[i]->ipi_pending, kIpiFlushTlb, __ATOMIC_SEQ_CST);
      apic_send_ipi(cpus[i]->apic_id, (u8)kVectorIpi);
    }
  for (u32 i = 0; i < cpu_count; i++)
    while (cpus[i] != me && (__atomic_load_n(&cpus[i]->ipi_pending, __ATOMIC_ACQUIRE) & kIpiFlushTlb))
      asm volatile("pause");
}

void smp_handle_requests() {
  Cpu* c = this_cpu();
  u32 pending = __atomic_load_n(&c->ipi_pending, __ATOMIC_ACQUIRE);
  if (!pending) return;
  if (pending & kIpiStop)
    for (;;) asm volatile("cli; hlt");
  if (pending & kIpiFlushTlb) {
    u64 cr3;
    asm volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3)::"memory");
  }
  __atomic_and_fetch(&c->ipi_pending, ~pending, __ATOMIC_RELEASE);
}
