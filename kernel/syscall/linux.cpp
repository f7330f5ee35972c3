// The Linux x86-64 system-call layer: what static glibc and musl programs (and the inference
// engine) call, on one CPU, with files on the FAT disk and the console on the serial ports.
#include "arch/x86_64/cpu.h"
#include "console.h"
#include "exec/program.h"
#include "fs/fat32.h"
#include "mm/memory.h"
#include "time.h"

bool syscall_trace = false;

// Pushed by syscall_entry in entry.S, lowest address first.
struct SyscallFrame {
  u64 nr, rdi, rsi, rdx, r10, r8, r9, rcx, r11, user_rsp;
};

namespace {

enum : i64 {
  ENOENT = 2, EIO = 5, EBADF = 9, EAGAIN = 11, ENOMEM = 12, EFAULT = 14, EEXIST = 17, ENOTDIR = 20,
  EISDIR = 21, EINVAL = 22, EMFILE = 24, ENOTTY = 25, ESPIPE = 29, ERANGE = 34, ENOSYS = 38, ETIMEDOUT = 110,
};
constexpr int kAtFdcwd = -100;
enum : u32 { kOAccMode = 3, kOCreat = 0x40, kOExcl = 0x80, kOTrunc = 0x200, kOAppend = 0x400,
             kODirectory = 0x10000 };

enum class Kind : u8 { Free, Stdin, Console, Null, File };
struct OpenFile {
  Kind kind = Kind::Free;
  int refs = 0;
  Channel channel = Channel::Stdout;
  u32 flags = 0;
  u64 pos = 0;
  u64 dir_cookie = 0;
  FatNode* node = nullptr;  // shared by every open of the same file
  char path[256] = {};
};
constexpr int kMaxFds = 64;
constinit OpenFile open_files[kMaxFds];
int fd_table[kMaxFds];  // index into open_files, -1 if closed

char program_path[256];
char cwd[256] = "/";
u64 brk_start = 0, brk_current = 0;
constexpr u64 kBrkLimit = 64UL << 30;
u8 unimplemented_logged[512];

// The program's buffers must lie in its mapped regions: a bad pointer gets EFAULT, as on Linux,
// rather than a fault in the middle of a file system operation.
bool user_ok(u64 p, u64 n) { return p < kUserTop && n <= kUserTop - p && vma_covers(p, p + max_of(n, (u64)1)); }

// Copies a path from the program, resolves it against `base` and normalizes "." and "..".
i64 resolve_path(const char* base, u64 user_path, char* out, usize cap) {
  if (!user_ok(user_path, 1)) return -EFAULT;
  const char* in = (const char*)user_path;
  char tmp[512];
  usize n = 0;
  if (in[0] != '/') {
    for (const char* b = base; *b && n < sizeof tmp - 1; b++) tmp[n++] = *b;
    if (n < sizeof tmp - 1) tmp[n++] = '/';
  }
  for (usize i = 0; in[i]; i++) {
    if (n >= sizeof tmp - 1) return -36;  // ENAMETOOLONG
    tmp[n++] = in[i];
  }
  tmp[n] = 0;
  usize o = 0;
  out[o++] = '/';
  for (usize i = 0; i < n;) {
    while (i < n && tmp[i] == '/') i++;
    usize j = i;
    while (j < n && tmp[j] != '/') j++;
    usize len = j - i;
    if (len == 0 || (len == 1 && tmp[i] == '.')) {
    } else if (len == 2 && tmp[i] == '.' && tmp[i + 1] == '.') {
      while (o > 1 && out[o - 1] != '/') o--;
      if (o > 1) o--;
    } else {
      if (o > 1) out[o++] = '/';
      if (o + len + 1 >= cap) return -36;
      memcpy(out + o, tmp + i, len);
      o += len;
    }
    i = j;
  }
  out[o] = 0;
  return 0;
}

OpenFile* file_for(i32 fd) {
  if (fd < 0 || fd >= kMaxFds || fd_table[fd] < 0) return nullptr;
  return &open_files[fd_table[fd]];
}

i64 path_at(i32 dirfd, u64 user_path, char* out) {
  const char* base = cwd;
  if (dirfd != kAtFdcwd && user_ok(user_path, 1) && ((const char*)user_path)[0] != '/') {
    OpenFile* d = file_for(dirfd);
    if (!d) return -EBADF;
    if (d->kind != Kind::File || !d->node->is_dir()) return -ENOTDIR;
    base = d->path;
  }
  return resolve_path(base, user_path, out, 256);
}

int alloc_fd(int from = 0) {
  for (int fd = from; fd < kMaxFds; fd++)
    if (fd_table[fd] < 0) return fd;
  return -EMFILE;
}

int alloc_open_file() {
  for (int i = 0; i < kMaxFds; i++)
    if (open_files[i].kind == Kind::Free) return i;
  return -EMFILE;
}

// Open files of the same directory entry share one FatNode, so they agree on size and clusters.
struct SharedNode {
  FatNode node;
  int refs = 0;
  bool orphan = false;  // unlinked while open: its clusters go at the last close
};
constinit SharedNode shared_nodes[kMaxFds];
static_assert(__builtin_offsetof(SharedNode, node) == 0);

FatNode* node_acquire(const FatNode& n) {
  if (!n.is_root && n.dirent_lba)
    for (SharedNode& s : shared_nodes)
      if (s.refs && s.node.dirent_lba == n.dirent_lba && s.node.dirent_off == n.dirent_off) {
        s.refs++;
        return &s.node;
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

SharedNode* shared_for(const FatNode& n) {
  if (n.is_root || !n.dirent_lba) return nullptr;
  for (SharedNode& s : shared_nodes)
    if (s.refs && s.node.dirent_lba == n.dirent_lba && s.node.dirent_off == n.dirent_off) return &s;
  return nullptr;
}

int node_release(FatNode* n) {
  SharedNode& s = *(SharedNode*)n;  // node is the first member
  int r = 0;
  if (--s.refs == 0) {
    if (s.orphan) r = fat_truncate(s.node, 0);
    int c = fat_commit(s.node);
    if (!r) r = c;
  }
  return r;
}

int release(int fd) {
  OpenFile& f = open_files[fd_table[fd]];
  fd_table[fd] = -1;
  if (--f.refs > 0) return 0;
  int r = 0;
  if (f.kind == Kind::File) r = node_release(f.node);
  f.kind = Kind::Free;
  return r;
}

// At exit (or a fault) every open file is closed, as Linux does; unlinked ones give back their clusters.
void commit_all() {
  for (SharedNode& s : shared_nodes)
    if (s.refs) {
      if (s.orphan) fat_truncate(s.node, 0);
      fat_commit(s.node);
    }
}

i64 sys_openat(i32 dirfd, u64 upath, u32 flags) {
  char path[256];
  i64 r = path_at(dirfd, upath, path);
  if (r) return r;
  int fd = alloc_fd(), of = alloc_open_file();
  if (fd < 0 || of < 0) return -EMFILE;
  OpenFile& f = open_files[of];
  f = OpenFile{};
  f.flags = flags;
  strncpy_z(f.path, path, sizeof f.path);
  if (!strcmp(path, "/dev/null")) {
    f.kind = Kind::Null;
  } else if (!strcmp(path, "/dev/stdout") || !strcmp(path, "/dev/stderr") || !strcmp(path, "/dev/tty")) {
    f.kind = Kind::Console;
    f.channel = path[5] == 's' && path[8] == 'd' ? Channel::Stdout : Channel::Stderr;
  } else {
    bool writable = (flags & kOAccMode) != 0;
    FatNode found;
    r = fat_lookup(path, &found);
    if (r == -ENOENT && (flags & kOCreat)) r = fat_create(path, false, &found);
    else if (r == 0 && (flags & kOCreat) && (flags & kOExcl)) r = -EEXIST;
    if (r) return r;
    if (found.is_dir() && writable) return -EISDIR;
    if (!found.is_dir() && (flags & kODirectory)) return -ENOTDIR;
    f.node = node_acquire(found);
    if (!f.node) return -EMFILE;
    if ((flags & kOTrunc) && writable && f.node->size) {
      if ((r = fat_truncate(*f.node, 0)) || (r = fat_commit(*f.node))) {
        node_release(f.node);
        return r;
      }
    }
    f.kind = Kind::File;
  }
  f.refs = 1;
  fd_table[fd] = of;
  return fd;
}

i64 do_read(OpenFile* f, u64 buf, u64 n, u64* pos) {
  if (!user_ok(buf, n)) return -EFAULT;
  switch (f->kind) {
    case Kind::Stdin: case Kind::Null: return 0;
    case Kind::Console: return -EBADF;
    case Kind::File: {
      if ((f->flags & kOAccMode) == 1) return -EBADF;
      if ((*f->node).is_dir()) return -EISDIR;
      isize r = fat_read((*f->node), *pos, (void*)buf, n);
      if (r > 0) *pos += r;
      return r;
    }
    default: return -EBADF;
  }
}

i64 do_write(OpenFile* f, u64 buf, u64 n, u64* pos) {
  if (!user_ok(buf, n)) return -EFAULT;
  switch (f->kind) {
    case Kind::Console: console_write(f->channel, (const char*)buf, n); return (i64)n;
    case Kind::Null: return (i64)n;
    case Kind::File: {
      if ((f->flags & kOAccMode) == 0) return -EBADF;
      if (f->flags & kOAppend) *pos = (*f->node).size;
      isize r = fat_write((*f->node), *pos, (const void*)buf, n);
      if (r > 0) *pos += r;
      return r;
    }
    default: return -EBADF;
  }
}

struct Iovec {
  u64 base, len;
};

i64 sys_rw_vec(i32 fd, u64 iov, i64 cnt, bool write) {
  OpenFile* f = file_for(fd);
  if (!f) return -EBADF;
  if (cnt < 0 || cnt > 1024 || !user_ok(iov, cnt * sizeof(Iovec))) return -EINVAL;
  i64 total = 0;
  for (i64 i = 0; i < cnt; i++) {
    const Iovec& v = ((const Iovec*)iov)[i];
    if (!v.len) continue;
    i64 r = write ? do_write(f, v.base, v.len, &f->pos) : do_read(f, v.base, v.len, &f->pos);
    if (r < 0) return total ? total : r;
    total += r;
    if ((u64)r < v.len) break;
  }
  return total;
}

struct LinuxStat {
  u64 dev, ino, nlink;
  u32 mode, uid, gid, pad0;
  u64 rdev;
  i64 size, blksize, blocks;
  i64 atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
  i64 reserved[3];
};
static_assert(sizeof(LinuxStat) == 144);

i64 dos_to_unix(u16 date, u16 time) {
  int y = 1980 + (date >> 9), m = (date >> 5) & 15, d = date & 31;
  if (m < 1) m = 1;
  if (d < 1) d = 1;
  y -= m <= 2;
  i64 era = y / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  i64 days = era * 146097 + doe - 719468;
  return days * 86400 + (time >> 11) * 3600 + ((time >> 5) & 63) * 60 + (time & 31) * 2;
}

i64 fill_stat(const OpenFile* f, const FatNode* n, u64 out) {
  if (!user_ok(out, sizeof(LinuxStat))) return -EFAULT;
  LinuxStat st;
  memset(&st, 0, sizeof st);
  st.dev = 1;
  st.nlink = 1;
  st.blksize = 4096;
  if (f && f->kind != Kind::File) {
    st.mode = 0020620;  // character device
    st.rdev = f->kind == Kind::Null ? 0x103 : 0x400;
    st.ino = 1;
  } else {
    st.mode = n->is_dir() ? 0040755 : 0100755;
    st.size = n->is_dir() ? (i64)fat_cluster_bytes() : n->size;
    st.blocks = (i64)(align_up(n->size, fat_cluster_bytes()) / 512);
    st.ino = n->is_root ? 2 : (n->dirent_lba << 4) | (n->dirent_off >> 5);
    st.mtime = st.atime = st.ctime = n->is_root ? 0 : dos_to_unix(n->mdate, n->mtime);
  }
  memcpy((void*)out, &st, sizeof st);
  return 0;
}

i64 sys_newfstatat(i32 dirfd, u64 upath, u64 out, u64 flags) {
  if ((flags & 0x1000) && user_ok(upath, 1) && ((const char*)upath)[0] == 0) {  // AT_EMPTY_PATH
    OpenFile* f = file_for(dirfd);
    if (!f) return -EBADF;
    return fill_stat(f, f->node, out);
  }
  char path[256];
  i64 r = path_at(dirfd, upath, path);
  if (r) return r;
  if (!strcmp(path, "/dev/null")) {
    OpenFile tmp;
    tmp.kind = Kind::Null;
    return fill_stat(&tmp, nullptr, out);
  }
  FatNode n;
  if ((r = fat_lookup(path, &n))) return r;
  return fill_stat(nullptr, &n, out);
}

i64 sys_getdents64(i32 fd, u64 buf, u64 cap) {
  OpenFile* f = file_for(fd);
  if (!f) return -EBADF;
  if (f->kind != Kind::File || !(*f->node).is_dir()) return -ENOTDIR;
  if (!user_ok(buf, cap)) return -EFAULT;
  u64 used = 0;
  for (;;) {
    u64 cookie = f->dir_cookie;
    char name[256];
    FatNode child;
    int r = fat_readdir((*f->node), &cookie, name, sizeof name, &child);
    if (r < 0) return used ? (i64)used : r;
    if (r == 0) break;
    u64 len = strlen(name);
    u64 reclen = align_up(19 + len + 1, 8);
    if (used + reclen > cap) {
      if (!used) return -EINVAL;
      break;
    }
    u8* rec = (u8*)(buf + used);
    u64 ino = (child.dirent_lba << 4) | (child.dirent_off >> 5);
    memcpy(rec, &ino, 8);
    i64 off = (i64)cookie;
    memcpy(rec + 8, &off, 8);
    u16 rl = (u16)reclen;
    memcpy(rec + 16, &rl, 2);
    rec[18] = child.is_dir() ? 4 : 8;  // DT_DIR, DT_REG
    memcpy(rec + 19, name, len + 1);
    used += reclen;
    f->dir_cookie = cookie;
  }
  return (i64)used;
}

i64 sys_lseek(i32 fd, i64 off, int whence) {
  OpenFile* f = file_for(fd);
  if (!f) return -EBADF;
  if (f->kind != Kind::File) return -ESPIPE;
  i64 base = whence == 0 ? 0 : whence == 1 ? (i64)f->pos : whence == 2 ? (i64)(*f->node).size : -1;
  if (base < 0 || base + off < 0) return -EINVAL;
  f->pos = (u64)(base + off);
  if ((*f->node).is_dir() && f->pos == 0) f->dir_cookie = 0;
  return (i64)f->pos;
}

i64 sys_mmap(u64 addr, u64 len, u64 prot, u64 flags, i32 fd, u64 off) {
  if (!len || (off & (kPageSize - 1))) return -EINVAL;
  len = align_up(len, kPageSize);
  bool fixed = flags & (0x10 | 0x100000);  // MAP_FIXED, MAP_FIXED_NOREPLACE
  bool anon = flags & 0x20;
  OpenFile* f = nullptr;
  if (!anon) {
    f = file_for(fd);
    if (!f) return -EBADF;
    if (f->kind != Kind::File || (*f->node).is_dir()) return -19;  // ENODEV
  }
  if (fixed) {
    if ((addr & (kPageSize - 1)) || !user_ok(addr, len) || addr < 0x10000) return -EINVAL;
    vma_remove(addr, addr + len);
  } else {
    addr = mm_find_free(len);
  }
  if (!vma_add(addr, addr + len, kVmaAnon)) return -ENOMEM;
  if (f && off < (*f->node).size) {
    // Private file mappings are copies: the file's bytes are read in now.
    u64 n = min_of(len, (u64)(*f->node).size - off);
    if (n > frames_free_bytes()) {
      vma_remove(addr, addr + len);
      return -ENOMEM;
    }
    isize r = fat_read((*f->node), off, (void*)addr, n);
    if (r < 0) {
      vma_remove(addr, addr + len);
      return r;
    }
  }
  return (i64)addr;
}

i64 sys_mremap(u64 old, u64 old_len, u64 new_len, u64 flags) {
  old_len = align_up(old_len, kPageSize);
  new_len = align_up(new_len, kPageSize);
  if ((old & (kPageSize - 1)) || !new_len) return -EINVAL;
  if (new_len <= old_len) {
    vma_remove(old + new_len, old + old_len);
    return (i64)old;
  }
  if (!(flags & 1)) return -ENOMEM;  // MREMAP_MAYMOVE
  u64 addr = mm_find_free(new_len);
  if (!vma_add(addr, addr + new_len, kVmaAnon) || !mm_move(old, addr, old_len)) return -ENOMEM;
  vma_remove(old, old + old_len);
  return (i64)addr;
}

i64 sys_brk(u64 addr) {
  if (addr < brk_start || addr > brk_start + kBrkLimit) return (i64)brk_current;
  if (addr < brk_current) vma_remove(align_up(addr, kPageSize), align_up(brk_current, kPageSize));
  else if (align_up(addr, kPageSize) > align_up(brk_current, kPageSize) &&
           align_up(addr, kPageSize) - align_up(brk_current, kPageSize) > frames_free_bytes())
    return (i64)brk_current;
  if (align_up(addr, kPageSize) > align_up(brk_current, kPageSize))
    vma_add(align_up(brk_current, kPageSize), align_up(addr, kPageSize), kVmaBrk);
  brk_current = addr;
  return (i64)addr;
}

struct Timespec {
  i64 sec, nsec;
};

i64 put_timespec(u64 out, u64 ns) {
  if (!user_ok(out, 16)) return -EFAULT;
  Timespec t{(i64)(ns / 1000000000UL), (i64)(ns % 1000000000UL)};
  memcpy((void*)out, &t, 16);
  return 0;
}

i64 sys_clock_gettime(i64 clock, u64 out) {
  return put_timespec(out, (clock == 0 || clock == 5 || clock == 8 || clock == 11) ? time_realtime_ns()
                                                                                    : time_monotonic_ns());
}

i64 sys_nanosleep(u64 req, bool absolute, i64 clock) {
  if (!user_ok(req, 16)) return -EFAULT;
  const Timespec& t = *(const Timespec*)req;
  if (t.sec < 0 || t.nsec < 0 || t.nsec >= 1000000000) return -EINVAL;
  u64 ns = (u64)t.sec * 1000000000UL + (u64)t.nsec;
  if (absolute) {
    u64 now = (clock == 0) ? time_realtime_ns() : time_monotonic_ns();
    ns = ns > now ? ns - now : 0;
  }
  time_sleep_ns(ns);
  return 0;
}

i64 sys_uname(u64 out) {
  if (!user_ok(out, 6 * 65)) return -EFAULT;
  char* u = (char*)out;
  memset(u, 0, 6 * 65);
  strncpy_z(u + 0 * 65, "Linux", 65);
  strncpy_z(u + 1 * 65, "bareflow", 65);
  strncpy_z(u + 2 * 65, "6.1.0-bareflow", 65);
  strncpy_z(u + 3 * 65, "#1 SMP BareFlow unikernel", 65);
  strncpy_z(u + 4 * 65, "x86_64", 65);
  strncpy_z(u + 5 * 65, "(none)", 65);
  return 0;
}

i64 sys_sysinfo(u64 out) {
  if (!user_ok(out, 112)) return -EFAULT;
  u64* s = (u64*)out;
  memset(s, 0, 112);
  s[0] = time_monotonic_ns() / 1000000000UL;  // uptime
  s[4] = frames_total_bytes();                // totalram
  s[5] = frames_free_bytes();                 // freeram
  ((u16*)(s + 10))[0] = 1;                    // procs
  ((u32*)((u8*)s + 104))[0] = 1;              // mem_unit
  return 0;
}

i64 sys_prlimit(u64 resource, u64 old) {
  if (!old) return 0;
  if (!user_ok(old, 16)) return -EFAULT;
  u64* r = (u64*)old;
  r[0] = r[1] = ~0UL;
  if (resource == 3) r[0] = 8UL << 20;      // RLIMIT_STACK
  if (resource == 7) r[0] = r[1] = kMaxFds;  // RLIMIT_NOFILE
  return 0;
}

i64 sys_readlink(i32 dirfd, u64 upath, u64 buf, u64 size) {
  char path[256];
  i64 r = path_at(dirfd, upath, path);
  if (r) return r;
  if (!user_ok(buf, size)) return -EFAULT;
  if (strcmp(path, "/proc/self/exe")) {
    FatNode n;
    return fat_lookup(path, &n) ? -ENOENT : -EINVAL;  // FAT has no symbolic links
  }
  u64 n = min_of((u64)strlen(program_path), size);
  memcpy((void*)buf, program_path, n);
  return (i64)n;
}

i64 sys_futex(u64 uaddr, u64 op, u64 val, u64 timeout) {
  if (!user_ok(uaddr, 4)) return -EFAULT;
  u64 cmd = op & 0x7F;
  if (cmd == 1 || cmd == 10) return 0;  // FUTEX_WAKE(_BITSET): nobody else is waiting
  if (cmd == 0 || cmd == 9) {
    if (*(volatile u32*)uaddr != (u32)val) return -EAGAIN;
    if (timeout) return -ETIMEDOUT;
    kerror("the program waits on a futex that no other thread can wake (one CPU, one thread)\n");
    commit_all();
    machine_exit(kExitSignalBase + 6);
  }
  return -ENOSYS;
}

i64 sys_getrandom(u64 buf, u64 n) {
  if (!user_ok(buf, n)) return -EFAULT;
  u8* p = (u8*)buf;
  for (u64 i = 0; i < n; i += 8) {
    u64 v = cpu_random64();
    memcpy(p + i, &v, min_of((u64)8, n - i));
  }
  return (i64)n;
}

i64 sys_arch_prctl(u64 code, u64 addr) {
  switch (code) {
    case 0x1001: wrmsr(0xC0000101, addr); return 0;  // ARCH_SET_GS
    case 0x1002: wrmsr(0xC0000100, addr); return 0;  // ARCH_SET_FS
    case 0x1003: case 0x1004:
      if (!user_ok(addr, 8)) return -EFAULT;
      *(u64*)addr = rdmsr(code == 0x1003 ? 0xC0000100 : 0xC0000101);
      return 0;
    default: return -EINVAL;
  }
}

i64 sys_dup(i32 fd, i32 to, bool exact) {
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

[[noreturn]] void program_exit(int status) {
  commit_all();
  klog("program exited with status %d\n", status);
  machine_exit(status & 0xFF);
}

const char* syscall_name(u64 nr) {
  switch (nr) {
    case 56: return "clone";
    case 57: return "fork";
    case 58: return "vfork";
    case 59: return "execve";
    case 61: return "wait4";
    case 22: case 293: return "pipe";
    case 41: return "socket";
    default: return "";
  }
}

}  // namespace

void syscall_init(const char* path, u64 brk) {
  strncpy_z(program_path, path, sizeof program_path);
  brk_start = brk_current = brk;
  for (int i = 0; i < kMaxFds; i++) fd_table[i] = -1;
  open_files[0].kind = Kind::Stdin;
  open_files[1].kind = Kind::Console;
  open_files[1].channel = Channel::Stdout;
  open_files[1].flags = 1;
  open_files[2].kind = Kind::Console;
  open_files[2].channel = Channel::Stderr;
  open_files[2].flags = 1;
  for (int i = 0; i < 3; i++) open_files[i].refs = 1, fd_table[i] = i;
  exit_hook = commit_all;
}

extern "C" i64 syscall_dispatch(SyscallFrame* fr) {
  u64 a0 = fr->rdi, a1 = fr->rsi, a2 = fr->rdx, a3 = fr->r10, a4 = fr->r8, a5 = fr->r9;
  i64 r;
  switch (fr->nr) {
    case 0: { OpenFile* f = file_for(a0); r = f ? do_read(f, a1, a2, &f->pos) : -EBADF; break; }
    case 1: { OpenFile* f = file_for(a0); r = f ? do_write(f, a1, a2, &f->pos) : -EBADF; break; }
    case 2: r = sys_openat(kAtFdcwd, a0, (u32)a1); break;
    case 3: r = (a0 < kMaxFds && fd_table[a0] >= 0) ? release((int)a0) : -EBADF; break;
    case 4: case 6: r = sys_newfstatat(kAtFdcwd, a0, a1, 0); break;
    case 5: { OpenFile* f = file_for(a0); r = f ? fill_stat(f, f->node, a1) : -EBADF; break; }
    case 8: r = sys_lseek(a0, (i64)a1, (int)a2); break;
    case 9: r = sys_mmap(a0, a1, a2, a3, (i32)a4, a5); break;
    case 10: case 28: r = 0; break;  // mprotect, madvise: everything is read-write in ring 0
    case 11: r = (a0 & (kPageSize - 1)) ? -EINVAL : (vma_remove(a0, a0 + align_up(a1, kPageSize)), 0); break;
    case 12: r = sys_brk(a0); break;
    case 13: if (a2 && user_ok(a2, 32)) memset((void*)a2, 0, 32); r = 0; break;  // rt_sigaction
    case 14: if (a2 && user_ok(a2, 8)) memset((void*)a2, 0, 8); r = 0; break;    // rt_sigprocmask
    case 16: {  // ioctl: the console is not a terminal, so stdio buffers like a pipe
      OpenFile* f = file_for(a0);
      r = !f ? -EBADF : -ENOTTY;
      break;
    }
    case 17: { OpenFile* f = file_for(a0); u64 p = a3; r = f ? do_read(f, a1, a2, &p) : -EBADF; break; }
    case 18: { OpenFile* f = file_for(a0); u64 p = a3; r = f ? do_write(f, a1, a2, &p) : -EBADF; break; }
    case 19: r = sys_rw_vec(a0, a1, (i64)a2, false); break;
    case 20: r = sys_rw_vec(a0, a1, (i64)a2, true); break;
    case 21: case 269: case 439: {  // access, faccessat, faccessat2
      char path[256];
      bool at = fr->nr != 21;
      r = path_at(at ? (i32)a0 : kAtFdcwd, at ? a1 : a0, path);
      FatNode n;
      if (!r && strcmp(path, "/dev/null")) r = fat_lookup(path, &n);
      break;
    }
    case 24: r = 0; break;  // sched_yield
    case 25: r = sys_mremap(a0, a1, a2, a3); break;
    case 32: r = sys_dup(a0, 0, false); break;
    case 33: r = sys_dup(a0, a1, true); break;
    case 292: r = a0 == a1 ? -EINVAL : sys_dup(a0, a1, true); break;
    case 35: r = sys_nanosleep(a0, false, 1); break;
    case 230: r = sys_nanosleep(a2, a1 & 1, (i32)a0); break;
    case 39: case 186: r = 1; break;  // getpid, gettid
    case 110: r = 0; break;           // getppid
    case 102: case 104: case 107: case 108: r = 0; break;  // root, as far as the program can tell
    case 56: case 435: r = -EAGAIN; break;  // clone, clone3: one thread only
    case 60: case 231: program_exit((int)a0);
    case 62: case 200: case 234: {  // kill, tkill, tgkill: only ourselves
      int sig = (int)(fr->nr == 234 ? a2 : a1);
      if (sig == 0) { r = 0; break; }
      kerror("program killed by signal %d\n", sig);
      commit_all();
      machine_exit(kExitSignalBase + sig);
    }
    case 63: r = sys_uname(a0); break;
    case 72: {  // fcntl
      OpenFile* f = file_for(a0);
      if (!f) r = -EBADF;
      else if (a1 == 0 || a1 == 1030) r = sys_dup(a0, a2, false);  // F_DUPFD(_CLOEXEC)
      else if (a1 == 3) r = f->flags;                             // F_GETFL
      else r = 0;
      break;
    }
    case 74: case 75: { OpenFile* f = file_for(a0); r = !f ? -EBADF : f->kind == Kind::File ? fat_commit(*f->node) : 0; break; }
    case 77: {  // ftruncate
      OpenFile* f = file_for(a0);
      r = !f ? -EBADF : f->kind != Kind::File || (f->flags & kOAccMode) == 0 ? -EINVAL : fat_truncate((*f->node), a1);
      if (!r) r = fat_commit(*f->node);  // a shortened chain must not wait for another file's commit
      break;
    }
    case 79: {  // getcwd
      u64 n = strlen(cwd) + 1;
      r = !user_ok(a0, a1) ? -EFAULT : a1 < n ? -ERANGE : (memcpy((void*)a0, cwd, n), (i64)n);
      break;
    }
    case 80: {  // chdir
      char path[256];
      FatNode n;
      r = resolve_path(cwd, a0, path, sizeof path);
      if (!r) r = fat_lookup(path, &n);
      if (!r && !n.is_dir()) r = -ENOTDIR;
      if (!r) strncpy_z(cwd, path, sizeof cwd);
      break;
    }
    case 82: case 264: case 316: {  // rename, renameat, renameat2
      char from[256], to[256];
      bool at = fr->nr != 82;
      r = path_at(at ? (i32)a0 : kAtFdcwd, at ? a1 : a0, from);
      if (!r) r = path_at(at ? (i32)a2 : kAtFdcwd, at ? a3 : a1, to);
      FatNode target, old_pos, new_pos;
      if (!r && fat_lookup(to, &target) == 0 && !target.is_dir()) {
        // Replacing a file that is open: it lives on, nameless, until its last close.
        if (SharedNode* s = shared_for(target)) {
          r = fat_unlink(to, false, true);
          if (!r) s->orphan = true, s->node.dirent_lba = 0;  // its slot may be reused
        }
      }
      if (!r) r = fat_rename(from, to, &old_pos, &new_pos);
      if (!r)
        if (SharedNode* s = shared_for(old_pos)) {
          s->node.dirent_lba = new_pos.dirent_lba;
          s->node.dirent_off = new_pos.dirent_off;
        }
      break;
    }
    case 83: case 258: {  // mkdir, mkdirat
      char path[256];
      FatNode n;
      r = fr->nr == 83 ? path_at(kAtFdcwd, a0, path) : path_at(a0, a1, path);
      if (!r) r = fat_create(path, true, &n);
      break;
    }
    case 84: case 87: case 263: {  // rmdir, unlink, unlinkat
      char path[256];
      r = fr->nr == 263 ? path_at(a0, a1, path) : path_at(kAtFdcwd, a0, path);
      bool dir = fr->nr == 84 || (fr->nr == 263 && (a2 & 0x200));
      FatNode n;
      SharedNode* open_node = !r && !dir && fat_lookup(path, &n) == 0 ? shared_for(n) : nullptr;
      if (!r) r = fat_unlink(path, dir, open_node != nullptr);
      if (!r && open_node) open_node->orphan = true, open_node->node.dirent_lba = 0;
      break;
    }
    case 89: r = sys_readlink(kAtFdcwd, a0, a1, a2); break;
    case 267: r = sys_readlink(a0, a1, a2, a3); break;
    case 96: {  // gettimeofday
      u64 ns = time_realtime_ns();
      if (a0) {
        if (!user_ok(a0, 16)) { r = -EFAULT; break; }
        ((i64*)a0)[0] = (i64)(ns / 1000000000UL);
        ((i64*)a0)[1] = (i64)(ns % 1000000000UL / 1000);
      }
      r = 0;
      break;
    }
    case 97: r = sys_prlimit(a0, a1); break;
    case 302: r = sys_prlimit(a1, a3); break;
    case 99: r = sys_sysinfo(a0); break;
    case 131: r = 0; break;  // sigaltstack
    case 158: r = sys_arch_prctl(a0, a1); break;
    case 201: {  // time
      i64 t = (i64)(time_realtime_ns() / 1000000000UL);
      if (a0 && user_ok(a0, 8)) *(i64*)a0 = t;
      r = t;
      break;
    }
    case 202: r = sys_futex(a0, a1, a2, a3); break;
    case 203: r = 0; break;  // sched_setaffinity
    case 204:                // sched_getaffinity: CPU 0 only
      if (!user_ok(a2, a1) || a1 < 8) { r = -EINVAL; break; }
      memset((void*)a2, 0, a1);
      *(u8*)a2 = 1;
      r = 8;
      break;
    case 217: r = sys_getdents64(a0, a1, a2); break;
    case 218: r = 1; break;  // set_tid_address
    case 228: r = sys_clock_gettime((i32)a0, a1); break;
    case 229: r = a1 ? put_timespec(a1, 1) : 0; break;  // clock_getres: 1 ns
    case 257: r = sys_openat((i32)a0, a1, (u32)a2); break;
    case 262: r = sys_newfstatat((i32)a0, a1, a2, a3); break;
    case 273: r = 0; break;  // set_robust_list
    case 318: r = sys_getrandom(a0, a1); break;
    case 334: r = -ENOSYS; break;  // rseq: glibc runs without it
    default:
      if (fr->nr >= sizeof unimplemented_logged * 8 || !(unimplemented_logged[fr->nr / 8] & (1 << (fr->nr % 8)))) {
        const char* name = syscall_name(fr->nr);
        kerror("system call %lu%s%s%s is not implemented (returns ENOSYS)\n", fr->nr, *name ? " (" : "", name,
               *name ? ")" : "");
        if (fr->nr < sizeof unimplemented_logged * 8) unimplemented_logged[fr->nr / 8] |= (u8)(1 << (fr->nr % 8));
      }
      r = -ENOSYS;
  }
  if (syscall_trace) klog("syscall %lu(%lx, %lx, %lx, %lx) = %ld\n", fr->nr, a0, a1, a2, a3, r);
  return r;
}
