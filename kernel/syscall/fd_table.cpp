#include "syscall/fd_table.h"

#include "syscall/handlers.h"

namespace {

constexpr u32 kSettableFlags = kOAppend | kONonblock;

constinit OpenFile open_files[kMaxFds];
int fd_table[kMaxFds];  // index into open_files, -1 if closed

// Open files of the same directory entry share one FatNode, so they agree on size and clusters.
struct SharedNode {
  FatNode node;
  int refs = 0;
  bool orphan = false;  // unlinked while open: its clusters go at the last close
};
constinit SharedNode shared_nodes[kMaxFds];
static_assert(__builtin_offsetof(SharedNode, node) == 0);

SharedNode& shared(FatNode* n) { return *(SharedNode*)n; }  // node is the first member

int alloc_fd(int from = 0) {
  for (int fd = from; fd < kMaxFds; fd++)
    if (fd_table[fd] < 0) return fd;
  return -EMFILE;
}

int alloc_open_file() {
  for (int i = 0; i < kMaxFds; i++)
    if (open_files[i].kind == FileKind::Free) return i;
  return -EMFILE;
}

int release(int fd) {
  OpenFile& f = open_files[fd_table[fd]];
  fd_table[fd] = -1;
  if (--f.refs > 0) return 0;
  int r = 0;
  if (f.kind == FileKind::File) r = node_release(f.node);
  if (f.kind == FileKind::Pipe) pipe_release(f);
  f.kind = FileKind::Free;
  return r;
}

i64 dup_to(i32 fd, i32 to, bool exact) {
  OpenFile* f = file_for(fd);
  if (!f) return -EBADF;
  if (exact) {
    if (to < 0 || to >= kMaxFds) return -EBADF;
    if (to == fd) return to;
    if (fd_table[to] >= 0) release((int)to);
  } else {
    to = alloc_fd((int)to);
    if (to < 0) return to;
  }
  fd_table[to] = fd_table[fd];
  f->refs++;
  return to;
}

}  // namespace

void fd_table_init() {
  for (int i = 0; i < kMaxFds; i++) fd_table[i] = -1;
  open_files[0].kind = FileKind::Stdin;
  open_files[1].kind = FileKind::Console;
  open_files[1].channel = Channel::Stdout;
  open_files[1].flags = 1;
  open_files[2].kind = FileKind::Console;
  open_files[2].channel = Channel::Stderr;
  open_files[2].flags = 1;
  for (int i = 0; i < 3; i++) open_files[i].refs = 1, fd_table[i] = i;
}

OpenFile* file_for(i32 fd) {
  if (fd < 0 || fd >= kMaxFds || fd_table[fd] < 0) return nullptr;
  return &open_files[fd_table[fd]];
}

OpenFile* open_file_alloc(int* fd) {
  int of = alloc_open_file();
  *fd = alloc_fd();
  if (*fd < 0 || of < 0) return nullptr;
  open_files[of] = OpenFile{};
  return &open_files[of];
}

void fd_install(int fd, OpenFile* f) {
  f->refs = 1;
  fd_table[fd] = (int)(f - open_files);
}

FatNode* node_acquire(const FatNode& n) {
  if (FatNode* open = node_if_open(n)) {
    shared(open).refs++;
    return open;
  }
  for (SharedNode& s : shared_nodes)
    if (!s.refs) {
      s.node = n;
      s.refs = 1;
      s.orphan = false;
      return &s.node;
    }
  return nullptr;
}

FatNode* node_if_open(const FatNode& n) {
  if (n.is_root || !n.dirent_lba) return nullptr;
  for (SharedNode& s : shared_nodes)
    if (s.refs && s.node.dirent_lba == n.dirent_lba && s.node.dirent_off == n.dirent_off) return &s.node;
  return nullptr;
}

int node_release(FatNode* n) {
  SharedNode& s = shared(n);
  int r = 0;
  if (--s.refs == 0) {
    if (s.orphan) r = fat_truncate(s.node, 0);
    int c = fat_commit(s.node);
    if (!r) r = c;
  }
  return r;
}

void node_orphan(FatNode* n) {
  shared(n).orphan = true;
  n->dirent_lba = 0;  // its slot may be reused
}

void node_moved(FatNode* n, const FatNode& to) {
  n->dirent_lba = to.dirent_lba;
  n->dirent_off = to.dirent_off;
}

void commit_all() {
  for (SharedNode& s : shared_nodes)
    if (s.refs) {
      if (s.orphan) fat_truncate(s.node, 0);
      fat_commit(s.node);
    }
}

i64 sys_close(const SyscallArgs& a) {
  return (a.a0 < kMaxFds && fd_table[a.a0] >= 0) ? release((int)a.a0) : -EBADF;
}

i64 sys_dup(const SyscallArgs& a) { return dup_to(a.a0, 0, false); }
i64 sys_dup2(const SyscallArgs& a) { return dup_to(a.a0, a.a1, true); }
i64 sys_dup3(const SyscallArgs& a) { return a.a0 == a.a1 ? -EINVAL : dup_to(a.a0, a.a1, true); }

i64 sys_fcntl(const SyscallArgs& a) {
  OpenFile* f = file_for(a.a0);
  if (!f) return -EBADF;
  if (a.a1 == 0 || a.a1 == 1030) return dup_to(a.a0, a.a2, false);  // F_DUPFD(_CLOEXEC)
  if (a.a1 == 3) return f->flags;                                  // F_GETFL
  if (a.a1 == 4) f->flags = (f->flags & ~kSettableFlags) | ((u32)a.a2 & kSettableFlags);  // F_SETFL
  return 0;
}

// The console is not a terminal, so stdio buffers like a pipe.
i64 sys_ioctl(const SyscallArgs& a) { return !file_for(a.a0) ? -EBADF : -ENOTTY; }
