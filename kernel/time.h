// Time: the TSC, calibrated at boot against the PIT, and the wall clock read once from the RTC.
#pragma once
#include "lib/lib.h"

void time_init();
u64 time_monotonic_ns();   // since boot
u64 time_realtime_ns();    // since the Unix epoch
u64 time_tsc_at(u64 ns);   // the TSC value at `ns` since boot
void time_to_dos(u64 unix_seconds, u16* date, u16* time);
