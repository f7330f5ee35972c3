// Record locks: fcntl's F_GETLK, F_SETLK, F_SETLKW and their open-file-description forms
// F_OFD_*. A lock is a byte range of a file, shared (read) or exclusive (write), held either by
// an open file description (OFD locks: dup'd descriptors share them, the last close releases
// them) or by the process (classic POSIX locks: any close of a descriptor of the file releases
// them). The program is one process, so its classic locks never conflict with each other; OFD
// locks conflict with every other holder, so two threads with their own opens exclude each other.
#include "sched/scheduler.h"
#include "syscall/fd_table.h"
#include "syscall/handlers.h"

namespace {

constexpr int kMaxLocks = 128;
enum : i16 { kReadLock = 0, kWriteLock = 1, kUnlock = 2 };
enum : u64 { kGetLk = 5, kSetLk = 6, kSetLkW = 7, kOfdGetLk = 36, kOfdSetLk = 37, kOfdSetLkW = 38 };
constexpr u64 kToTheEnd = ~0UL;  // a range with l_len 0: to the end of the file, however far it grows
constexpr i32 kProcessId = 1;

struct Flock {  // struct flock on x86-64
  i16 type, whence;
  i32 pad0;
  i64 start, len;
  i32 pid, pad1;
};
static_assert(sizeof(Flock) == 32);

struct Lock {
  const FatNode* file = nullptr;    // the shared node; nullptr for a free slot
  const OpenFile* owner = nullptr;  // nullptr: the process (a classic lock)
  u64 start = 0, end = 0;           // [start, end)
  bool exclusive = false;
};
constinit Lock locks[kMaxLocks];
ThreadQueue waiters;  // threads in F_SETLKW; every release wakes them all to try again

const Lock* conflict(const FatNode* file, const OpenFile* owner, u64 start, u64 end, bool exclusive) {
  for (const Lock& l : locks)
    if (l.file == file && l.owner != owner && l.start < end && start < l.end && (exclusive || l.exclusive)) return &l;
  return nullptr;
}

Lock* free_slot() {
  for (Lock& l : locks)
    if (!l.file) return &l;
  return nullptr;
}

void wake_waiters() {
  while (Thread* t = waiters.head) sched_wake(t, 0);
}

// `owner` now holds [start, end) of `file` as `type` (kUnlock: no longer holds it): its locks that
// overlap are cut back or split. The slots are counted first, so a full table changes nothing.
i64 set_range(const FatNode* file, const OpenFile* owner, u64 start, u64 end, i16 type) {
  int need = type != kUnlock, free = 0;
  for (const Lock& l : locks) {
    if (!l.file) free++;
    else if (l.file == file && l.owner == owner && l.start < start && l.end > end) need++;
  }
  if (need > free) return -ENOLCK;
  for (Lock& l : locks) {
    if (l.file != file || l.owner != owner || l.end <= start || end <= l.start) continue;
    if (l.start < start && l.end > end) {  // keep both sides
      Lock* tail = free_slot();
      *tail = l;
      tail->start = end;
      l.end = start;
    } else if (l.start < start) {
      l.end = start;
    } else if (l.end > end) {
      l.start = end;
    } else {
      l.file = nullptr;
    }
  }
  if (type != kUnlock) *free_slot() = Lock{file, owner, start, end, type == kWriteLock};
  wake_waiters();
  return 0;
}

// The range l_whence, l_start and l_len describe, as [start, end).
i64 range_of(const OpenFile* f, const Flock& fl, u64* start, u64* end) {
  i64 base = fl.whence == 0 ? 0 : fl.whence == 1 ? (i64)f->pos : fl.whence == 2 ? (i64)f->node->size : -1;
  if (base < 0) return -EINVAL;
  i64 s = base + fl.start;
  if (fl.len < 0) {
    if (s + fl.len < 0) return -EINVAL;
    *start = (u64)(s + fl.len), *end = (u64)s;
  } else {
    if (s < 0) return -EINVAL;
    *start = (u64)s;
    *end = fl.len == 0 ? kToTheEnd : (u64)s + (u64)fl.len;
    if (*end < *start) return -EOVERFLOW;
  }
  return 0;
}

}  // namespace

i64 file_lock(i32 fd, u64 cmd, u64 arg) {
  OpenFile* f = file_for(fd);
  bool ofd = cmd == kOfdGetLk || cmd == kOfdSetLk || cmd == kOfdSetLkW;
  bool get = cmd == kGetLk || cmd == kOfdGetLk, wait = cmd == kSetLkW || cmd == kOfdSetLkW;
  if (!(get ? user_writable(arg, sizeof(Flock)) : user_readable(arg, sizeof(Flock)))) return -EFAULT;
  Flock fl;
  memcpy(&fl, (const void*)arg, sizeof fl);
  if (ofd && fl.pid != 0) return -EINVAL;
  if (f->kind != FileKind::File) return -EINVAL;  // pipes and devices: not lockable here
  if (fl.type != kReadLock && fl.type != kWriteLock && (get || fl.type != kUnlock)) return -EINVAL;
  u64 start, end;
  if (i64 r = range_of(f, fl, &start, &end)) return r;
  const OpenFile* owner = ofd ? f : nullptr;
  bool exclusive = fl.type == kWriteLock;
  if (get) {
    const Lock* c = conflict(f->node, owner, start, end, exclusive);
    if (c) {
      fl.type = c->exclusive ? kWriteLock : kReadLock;
      fl.whence = 0;
      fl.start = (i64)c->start;
      fl.len = c->end == kToTheEnd ? 0 : (i64)(c->end - c->start);
      fl.pid = c->owner ? -1 : kProcessId;  // Linux says -1 for an OFD lock
    } else {
      fl.type = kUnlock;
    }
    memcpy((void*)arg, &fl, sizeof fl);
    return 0;
  }
  if (fl.type != kUnlock) {
    u32 access = f->flags & kOAccMode;
    if ((exclusive && access == 0) || (!exclusive && access == 1)) return -EBADF;
    while (conflict(f->node, owner, start, end, exclusive)) {
      if (!wait) return -EAGAIN;
      waiters.push_back(current_thread());
      sched_block(WaitKind::Lock, (u64)fd, 0);
      if (file_for(fd) != f) return -EBADF;  // closed by another thread meanwhile
    }
  }
  return set_range(f->node, owner, start, end, fl.type);
}

void locks_closed(const OpenFile& f, bool last) {
  if (f.kind != FileKind::File) return;
  bool released = false;
  for (Lock& l : locks)
    if (l.file == f.node && (!l.owner || (last && l.owner == &f))) l.file = nullptr, released = true;
  if (released) wake_waiters();
}
