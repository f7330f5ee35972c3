// Futexes: queues of waiting threads keyed by address. The program has one address space, so
// private and shared futexes are the same.
#pragma once
#include "lib/lib.h"

// Waits while *uaddr == val, until woken with a matching bitset or until wake_at (ns since boot,
// 0: no timeout). 0, -EAGAIN (the value differed), -ETIMEDOUT.
i64 futex_wait(u64 uaddr, u32 val, u32 bitset, u64 wake_at);
// Wakes up to n waiters on uaddr whose bitset shares a bit with `bitset`; returns how many.
i64 futex_wake(u64 uaddr, u64 n, u32 bitset);
// Wakes up to n_wake waiters on uaddr and moves up to n_move others to uaddr2.
i64 futex_requeue(u64 uaddr, u64 n_wake, u64 n_move, u64 uaddr2);
