// The other CPUs: started one by one with INIT and startup IPIs, each with its own Cpu, interrupt
// stacks, idle thread and local APIC timer; and the requests CPUs make of one another by IPI.
#pragma once
#include "lib/lib.h"

// Starts every enabled CPU the ACPI tables list (`rsdp` from the boot loader, 0 to search), at
// most `max_cpus` in all; sets cpu_count. Before the program starts.
void smp_init(u64 rsdp, u32 max_cpus);

enum IpiRequest : u32 {
  kIpiReschedule = 1,  // a thread became runnable: an idle CPU should look
  kIpiFlushTlb = 2,    // page-table entries lost rights: flush, then clear the bit
  kIpiStop = 4,        // the program has ended: halt
};
void smp_wake_idle_cpu();         // one idle CPU, if any, looks at the run queue
void smp_flush_tlb_everywhere();  // every other CPU has flushed its TLB when this returns
void smp_handle_requests();       // this CPU's pending requests (IPI handler, lock spinning)
