#include "sched/futex.h"

#include "lib/errno.h"
#include "sched/scheduler.h"
#include "time.h"

namespace {

constexpr int kBuckets = 64;
ThreadQueue buckets[kBuckets];

ThreadQueue& bucket(u64 addr) { return buckets[(addr * 0x9E3779B97F4A7C15UL) >> 58]; }
static_assert(kBuckets == 64, "the hash keeps 6 bits");

}  // namespace

i64 futex_wait(u64 uaddr, u32 val, u32 bitset, u64 wake_at) {
  if (*(volatile u32*)uaddr != val) return -EAGAIN;
  if (wake_at && wake_at <= time_monotonic_ns()) return -ETIMEDOUT;
  Thread* t = current_thread();
  t->futex_bitset = bitset;
  bucket(uaddr).push_back(t);
  return sched_block(WaitKind::Futex, uaddr, wake_at);
}

i64 futex_wake(u64 uaddr, u64 n, u32 bitset) {
  u64 woken = 0;
  ThreadQueue& q = bucket(uaddr);
  for (Thread* t = q.head; t && woken < n;) {
    Thread* next = t->next;
    if (t->wait_addr == uaddr && (t->futex_bitset & bitset)) {
      sched_wake(t, 0);
      woken++;
    }
    t = next;
  }
  return (i64)woken;
}

i64 futex_requeue(u64 uaddr, u64 n_wake, u64 n_move, u64 uaddr2) {
  i64 done = futex_wake(uaddr, n_wake, ~0u);
  ThreadQueue& from = bucket(uaddr);
  ThreadQueue& to = bucket(uaddr2);
  for (Thread* t = from.head; t && n_move;) {
    Thread* next = t->next;
    if (t->wait_addr == uaddr) {
      from.remove(t);
      t->wait_addr = uaddr2;
      to.push_back(t);
      n_move--;
      done++;
    }
    t = next;
  }
  return done;
}
