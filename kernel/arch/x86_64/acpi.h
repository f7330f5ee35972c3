// ACPI, only as far as the CPUs: the MADT's list of local APICs.
#pragma once
#include "lib/lib.h"

// The APIC ids of the enabled CPUs the MADT lists (the boot CPU among them), at most `max`; 0
// when there are no ACPI tables. `rsdp` is where the boot loader said the RSDP is (0: search the
// BIOS area for it).
int acpi_cpu_apic_ids(u64 rsdp, u32* ids, int max);
