#include "sched/lock.h"

#include "arch/x86_64/percpu.h"

void (*kernel_lock_spin_hook)() = nullptr;

namespace {
constexpr u32 kNoOwner = ~0u;
volatile u32 owner = kNoOwner;
u32 depth = 0;
}  // namespace

void kernel_lock() {
  u32 me = this_cpu()->index;
  if (owner == me) {
    depth++;
    return;
  }
  for (;;) {
    u32 expected = kNoOwner;
    if (__atomic_compare_exchange_n(&owner, &expected, me, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) break;
    if (kernel_lock_spin_hook) kernel_lock_spin_hook();
    asm volatile("pause");
  }
  depth = 1;
}

void kernel_unlock() {
  if (--depth == 0) __atomic_store_n(&owner, kNoOwner, __ATOMIC_RELEASE);
}

bool kernel_lock_held() { return owner == this_cpu()->index; }
