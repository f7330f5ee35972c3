// The local APIC (xAPIC, through its MMIO page): its timer, one-shot or TSC-deadline where the CPU
// has it, and interrupts between CPUs.
#pragma once
#include "lib/lib.h"

void apic_init();                   // this CPU: enabled, spurious vector, the timer calibrated (once)
u32 apic_id();                      // this CPU's
void apic_eoi();
void apic_timer_arm(u64 deadline);  // one interrupt at `deadline` (ns since boot); 0 disarms
void apic_send_ipi(u32 apic_id, u8 vector);
void apic_send_init(u32 apic_id);
void apic_send_startup(u32 apic_id, u8 page);  // SIPI: start at physical page << 12, real mode
const char* apic_timer_mode();
