// The kernel lock. System calls, faults, interrupts and the scheduler run on one CPU at a time;
// the program's threads still run in parallel on every CPU. It is recursive per CPU (a fault while
// the kernel touches the program's memory takes it again) and is handed from thread to thread
// across a context switch on the same CPU. Kernel code runs with interrupts off.
#pragma once
#include "lib/lib.h"

void kernel_lock();
void kernel_unlock();
bool kernel_lock_held();  // by this CPU
// Called while spinning (for the lock, or for other CPUs): answers their requests meanwhile.
extern void (*kernel_lock_spin_hook)();
