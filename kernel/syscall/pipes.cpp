// Pipes within the program: a 16 KiB ring each. A read of an empty pipe blocks until data comes
// or every write end is closed (then 0); a write to a full one blocks until a reader makes room;
// a write with no read end left gets EPIPE after SIGPIPE (whose default ends the program).
#include "sched/scheduler.h"
#include "syscall/fd_table.h"
#include "syscall/handlers.h"

namespace {

constexpr int kMaxPipes = 16;
constexpr u32 kPipeBytes = 16 * 1024;
constexpr int kSigPipe = 13;

struct Pipe {
  u8* ring = nullptr;  // allocated on the slot's first use, kept for the next pipe
  u32 head = 0, count = 0;
  int readers = 0, writers = 0;  // open files of each end
  ThreadQueue waiters;           // threads waiting for data, room, or an end to close
};
constinit Pipe pipes[kMaxPipes];

void wake_all(Pipe& p) {
  while (Thread* t = p.waiters.head) sched_wake(t, 0);
}

void wait_on(Pipe& p, WaitKind kind) {
  p.waiters.push_back(current_thread());
  sched_block(kind, (u64)(&p - pipes), 0);
}

int alloc_pipe() {
  for (int i = 0; i < kMaxPipes; i++) {
    Pipe& p = pipes[i];
    if (p.readers || p.writers) continue;
    if (!p.ring) {
      u64 phys = frame_alloc_contiguous(kPipeBytes);
      if (!phys) return -ENOMEM;
      p.ring = (u8*)phys_to_virt(phys);
    }
    p.head = p.count = 0;
    return i;
  }
  return -ENFILE;
}

i64 make_pipe(u64 fds_out, u64 flags) {
  if (flags & ~(u64)(kOCloexec | kONonblock)) return -EINVAL;
  if (!user_writable(fds_out, 8)) return -EFAULT;
  int i = alloc_pipe();
  if (i < 0) return i;
  int fds[2];
  OpenFile* ends[2];
  for (int e = 0; e < 2; e++) {
    ends[e] = open_file_alloc(&fds[e]);
    if (!ends[e]) {
      if (e) sys_close(SyscallArgs{(u64)fds[0], 0, 0, 0, 0, 0});
      return -EMFILE;
    }
    ends[e]->kind = FileKind::Pipe;
    ends[e]->pipe = (u8)i;
    ends[e]->pipe_writer = e == 1;
    ends[e]->flags = (u32)(e == 1 ? 1 : 0) | (u32)(flags & kONonblock);
    fd_install(fds[e], ends[e]);
    (e == 1 ? pipes[i].writers : pipes[i].readers) = 1;
  }
  memcpy((void*)fds_out, fds, sizeof fds);
  return 0;
}

}  // namespace

i64 sys_pipe(const SyscallArgs& a) { return make_pipe(a.a0, 0); }
i64 sys_pipe2(const SyscallArgs& a) { return make_pipe(a.a0, a.a1); }

void pipe_release(OpenFile& f) {
  Pipe& p = pipes[f.pipe];
  (f.pipe_writer ? p.writers : p.readers)--;
  wake_all(p);
}

i64 pipe_read(OpenFile* f, u64 buf, u64 n) {
  if (f->pipe_writer) return -EBADF;
  Pipe& p = pipes[f->pipe];
  while (!p.count) {
    if (!p.writers || !n) return 0;
    if (f->flags & kONonblock) return -EAGAIN;
    wait_on(p, WaitKind::PipeRead);
  }
  u64 k = min_of(n, (u64)p.count);
  for (u64 i = 0; i < k; i++) ((u8*)buf)[i] = p.ring[(p.head + i) % kPipeBytes];
  p.head = (u32)((p.head + k) % kPipeBytes);
  p.count -= (u32)k;
  wake_all(p);
  return (i64)k;
}

i64 pipe_write(OpenFile* f, u64 buf, u64 n) {
  if (!f->pipe_writer) return -EBADF;
  Pipe& p = pipes[f->pipe];
  u64 done = 0;
  while (done < n) {
    if (!p.readers) {
      if (done) return (i64)done;
      signal_send(kSigPipe);
      return -EPIPE;
    }
    if (p.count == kPipeBytes) {
      if (f->flags & kONonblock) return done ? (i64)done : -EAGAIN;
      wait_on(p, WaitKind::PipeWrite);
      continue;
    }
    u64 k = min_of(n - done, (u64)(kPipeBytes - p.count));
    for (u64 i = 0; i < k; i++) p.ring[(p.head + p.count + i) % kPipeBytes] = ((const u8*)buf)[done + i];
    p.count += (u32)k;
    done += k;
    wake_all(p);
  }
  return (i64)done;
}
