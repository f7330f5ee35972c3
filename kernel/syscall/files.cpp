// Files, directories and paths: the FAT disk, plus /dev/null and the console devices.
#include "syscall/fd_table.h"
#include "syscall/handlers.h"
#include "time.h"

namespace {

constexpr int kAtFdcwd = -100;
constexpr u32 kAtRemoveDir = 0x200, kAtEmptyPath = 0x1000;
constexpr usize kPathMax = 256;

char cwd[kPathMax] = "/";

// Copies a path from the program, resolves it against `base` and normalizes "." and "..".
i64 resolve_path(const char* base, u64 user_path, char* out, usize cap) {
  if (!user_readable(user_path, 1)) return -EFAULT;
  const char* in = (const char*)user_path;
  char tmp[512];
  usize n = 0;
  if (in[0] != '/') {
    for (const char* b = base; *b && n < sizeof tmp - 1; b++) tmp[n++] = *b;
    if (n < sizeof tmp - 1) tmp[n++] = '/';
  }
  for (usize i = 0; in[i]; i++) {
    if (n >= sizeof tmp - 1) return -ENAMETOOLONG;
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
      if (o + len + 1 >= cap) return -ENAMETOOLONG;
      memcpy(out + o, tmp + i, len);
      o += len;
    }
    i = j;
  }
  out[o] = 0;
  return 0;
}

// A path of an *at() call: relative ones start at the directory dirfd (or the working directory).
i64 path_at(i32 dirfd, u64 user_path, char* out) {
  const char* base = cwd;
  if (dirfd != kAtFdcwd && user_readable(user_path, 1) && ((const char*)user_path)[0] != '/') {
    OpenFile* d = file_for(dirfd);
    if (!d) return -EBADF;
    if (d->kind != FileKind::File || !d->node->is_dir()) return -ENOTDIR;
    base = d->path;
  }
  return resolve_path(base, user_path, out, kPathMax);
}

i64 open_at(i32 dirfd, u64 upath, u32 flags) {
  char path[kPathMax];
  i64 r = path_at(dirfd, upath, path);
  if (r) return r;
  int fd;
  OpenFile* f = open_file_alloc(&fd);
  if (!f) return -EMFILE;
  f->flags = flags;
  strncpy_z(path, special_alias(path), sizeof path);
  strncpy_z(f->path, path, sizeof f->path);
  bool writable = (flags & kOAccMode) != 0;
  if (special_open(path, f)) {
    if (f->kind == FileKind::Generated && writable) return -EACCES;
  } else {
    FatNode found;
    r = fat_lookup(path, &found);
    if (r == -ENOENT && (flags & kOCreat)) r = fat_create(path, false, &found);
    else if (r == 0 && (flags & kOCreat) && (flags & kOExcl)) r = -EEXIST;
    if (r) return r;
    if (found.is_dir() && writable) return -EISDIR;
    if (!found.is_dir() && (flags & kODirectory)) return -ENOTDIR;
    f->node = node_acquire(found);
    if (!f->node) return -EMFILE;
    if ((flags & kOTrunc) && writable && f->node->size) {
      if ((r = fat_truncate(*f->node, 0)) || (r = fat_commit(*f->node))) {
        node_release(f->node);
        return r;
      }
    }
    f->kind = FileKind::File;
  }
  fd_install(fd, f);
  return fd;
}

i64 do_read(OpenFile* f, u64 buf, u64 n, u64* pos) {
  if (!user_writable(buf, n)) return -EFAULT;
  switch (f->kind) {
    case FileKind::Stdin: case FileKind::Null: return 0;
    case FileKind::Console: return -EBADF;
    case FileKind::Zero: case FileKind::Random: case FileKind::Generated: return special_read(f, buf, n, pos);
    case FileKind::Pipe: return pipe_read(f, buf, n);
    case FileKind::File: {
      if ((f->flags & kOAccMode) == 1) return -EBADF;
      if (f->node->is_dir()) return -EISDIR;
      isize r = fat_read(*f->node, *pos, (void*)buf, n);
      if (r > 0) *pos += r;
      return r;
    }
    default: return -EBADF;
  }
}

i64 do_write(OpenFile* f, u64 buf, u64 n, u64* pos) {
  if (!user_readable(buf, n)) return -EFAULT;
  switch (f->kind) {
    case FileKind::Console: console_write(f->channel, (const char*)buf, n); return (i64)n;
    case FileKind::Null: case FileKind::Zero: case FileKind::Random: return (i64)n;
    case FileKind::Pipe: return pipe_write(f, buf, n);
    case FileKind::File: {
      if ((f->flags & kOAccMode) == 0) return -EBADF;
      if (f->flags & kOAppend) *pos = f->node->size;
      isize r = fat_write(*f->node, *pos, (const void*)buf, n);
      if (r > 0) *pos += r;
      return r;
    }
    default: return -EBADF;
  }
}

struct Iovec {
  u64 base, len;
};

i64 rw_vec(i32 fd, u64 iov, i64 cnt, bool write) {
  OpenFile* f = file_for(fd);
  if (!f) return -EBADF;
  if (cnt < 0 || cnt > 1024 || !user_readable(iov, cnt * sizeof(Iovec))) return -EINVAL;
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
  if (!user_writable(out, sizeof(LinuxStat))) return -EFAULT;
  LinuxStat st;
  memset(&st, 0, sizeof st);
  st.dev = 1;
  st.nlink = 1;
  st.blksize = 4096;
  if (f && f->kind == FileKind::Pipe) {
    st.mode = 0010600;  // FIFO
    st.ino = 3 + f->pipe;
  } else if (f && f->kind == FileKind::Generated) {
    st.mode = 0100444;  // a regular file of size 0, as /proc's
    st.ino = 32 + (u64)f->text;
  } else if (f && f->kind != FileKind::File) {
    st.mode = 0020666;  // character device: the major and minor numbers of Linux's
    st.rdev = f->kind == FileKind::Null ? 0x103 : f->kind == FileKind::Zero ? 0x105 : f->kind == FileKind::Random ? 0x109 : 0x400;
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

i64 stat_at(i32 dirfd, u64 upath, u64 out, u64 flags) {
  if ((flags & kAtEmptyPath) && user_readable(upath, 1) && ((const char*)upath)[0] == 0) {
    OpenFile* f = file_for(dirfd);
    if (!f) return -EBADF;
    return fill_stat(f, f->node, out);
  }
  char path[kPathMax];
  i64 r = path_at(dirfd, upath, path);
  if (r) return r;
  OpenFile special;
  if (special_open(path, &special)) return fill_stat(&special, nullptr, out);
  FatNode n;
  if ((r = fat_lookup(special_alias(path), &n))) return r;
  return fill_stat(nullptr, &n, out);
}

i64 access_at(i32 dirfd, u64 upath) {
  char path[kPathMax];
  FatNode n;
  OpenFile special;
  i64 r = path_at(dirfd, upath, path);
  if (!r && !special_open(path, &special)) r = fat_lookup(special_alias(path), &n);
  return r;
}

i64 rename_at(i32 from_dirfd, u64 from_upath, i32 to_dirfd, u64 to_upath) {
  char from[kPathMax], to[kPathMax];
  i64 r = path_at(from_dirfd, from_upath, from);
  if (!r) r = path_at(to_dirfd, to_upath, to);
  FatNode target, old_pos, new_pos;
  if (!r && fat_lookup(to, &target) == 0 && !target.is_dir()) {
    // Replacing a file that is open: it lives on, nameless, until its last close.
    if (FatNode* open = node_if_open(target)) {
      r = fat_unlink(to, false, true);
      if (!r) node_orphan(open);
    }
  }
  if (!r) r = fat_rename(from, to, &old_pos, &new_pos);
  if (!r)
    if (FatNode* open = node_if_open(old_pos)) node_moved(open, new_pos);
  return r;
}

i64 mkdir_at(i32 dirfd, u64 upath) {
  char path[kPathMax];
  FatNode n;
  i64 r = path_at(dirfd, upath, path);
  if (!r) r = fat_create(path, true, &n);
  return r;
}

i64 unlink_at(i32 dirfd, u64 upath, bool dir) {
  char path[kPathMax];
  i64 r = path_at(dirfd, upath, path);
  FatNode n;
  FatNode* open = !r && !dir && fat_lookup(path, &n) == 0 ? node_if_open(n) : nullptr;
  if (!r) r = fat_unlink(path, dir, open != nullptr);
  if (!r && open) node_orphan(open);
  return r;
}

i64 readlink_at(i32 dirfd, u64 upath, u64 buf, u64 size) {
  char path[kPathMax];
  i64 r = path_at(dirfd, upath, path);
  if (r) return r;
  if (!user_writable(buf, size)) return -EFAULT;
  if (strcmp(path, "/proc/self/exe")) {
    FatNode n;
    return fat_lookup(path, &n) ? -ENOENT : -EINVAL;  // FAT has no symbolic links
  }
  const char* target = special_alias(path);
  u64 n = min_of((u64)strlen(target), size);
  memcpy((void*)buf, target, n);
  return (i64)n;
}

}  // namespace

i64 sys_read(const SyscallArgs& a) {
  OpenFile* f = file_for(a.a0);
  return f ? do_read(f, a.a1, a.a2, &f->pos) : -EBADF;
}

i64 sys_write(const SyscallArgs& a) {
  OpenFile* f = file_for(a.a0);
  return f ? do_write(f, a.a1, a.a2, &f->pos) : -EBADF;
}

i64 sys_pread64(const SyscallArgs& a) {
  OpenFile* f = file_for(a.a0);
  u64 pos = a.a3;
  return f ? do_read(f, a.a1, a.a2, &pos) : -EBADF;
}

i64 sys_pwrite64(const SyscallArgs& a) {
  OpenFile* f = file_for(a.a0);
  u64 pos = a.a3;
  return f ? do_write(f, a.a1, a.a2, &pos) : -EBADF;
}

i64 sys_readv(const SyscallArgs& a) { return rw_vec(a.a0, a.a1, (i64)a.a2, false); }
i64 sys_writev(const SyscallArgs& a) { return rw_vec(a.a0, a.a1, (i64)a.a2, true); }
i64 sys_open(const SyscallArgs& a) { return open_at(kAtFdcwd, a.a0, (u32)a.a1); }
i64 sys_openat(const SyscallArgs& a) { return open_at((i32)a.a0, a.a1, (u32)a.a2); }
i64 sys_stat(const SyscallArgs& a) { return stat_at(kAtFdcwd, a.a0, a.a1, 0); }  // lstat too: no links

i64 sys_fstat(const SyscallArgs& a) {
  OpenFile* f = file_for(a.a0);
  return f ? fill_stat(f, f->node, a.a1) : -EBADF;
}

i64 sys_newfstatat(const SyscallArgs& a) { return stat_at((i32)a.a0, a.a1, a.a2, a.a3); }

i64 sys_lseek(const SyscallArgs& a) {
  OpenFile* f = file_for(a.a0);
  if (!f) return -EBADF;
  if (f->kind != FileKind::File) return -ESPIPE;
  i64 off = (i64)a.a1;
  int whence = (int)a.a2;
  i64 base = whence == 0 ? 0 : whence == 1 ? (i64)f->pos : whence == 2 ? (i64)f->node->size : -1;
  if (base < 0 || base + off < 0) return -EINVAL;
  f->pos = (u64)(base + off);
  if (f->node->is_dir() && f->pos == 0) f->dir_cookie = 0;
  return (i64)f->pos;
}

i64 sys_access(const SyscallArgs& a) { return access_at(kAtFdcwd, a.a0); }
i64 sys_faccessat(const SyscallArgs& a) { return access_at((i32)a.a0, a.a1); }  // faccessat2 too

i64 sys_getdents64(const SyscallArgs& a) {
  OpenFile* f = file_for(a.a0);
  u64 buf = a.a1, cap = a.a2;
  if (!f) return -EBADF;
  if (f->kind != FileKind::File || !f->node->is_dir()) return -ENOTDIR;
  if (!user_writable(buf, cap)) return -EFAULT;
  u64 used = 0;
  for (;;) {
    u64 cookie = f->dir_cookie;
    char name[256];
    FatNode child;
    int r = fat_readdir(*f->node, &cookie, name, sizeof name, &child);
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

i64 sys_fsync(const SyscallArgs& a) {  // fdatasync too
  OpenFile* f = file_for(a.a0);
  return !f ? -EBADF : f->kind == FileKind::File ? fat_commit(*f->node) : 0;
}

i64 sys_ftruncate(const SyscallArgs& a) {
  OpenFile* f = file_for(a.a0);
  i64 r = !f ? -EBADF
          : f->kind != FileKind::File || (f->flags & kOAccMode) == 0 ? -EINVAL
                                                                     : fat_truncate(*f->node, a.a1);
  if (!r) r = fat_commit(*f->node);  // a shortened chain must not wait for another file's commit
  return r;
}

i64 sys_getcwd(const SyscallArgs& a) {
  u64 n = strlen(cwd) + 1;
  if (!user_writable(a.a0, a.a1)) return -EFAULT;
  if (a.a1 < n) return -ERANGE;
  memcpy((void*)a.a0, cwd, n);
  return (i64)n;
}

i64 sys_chdir(const SyscallArgs& a) {
  char path[kPathMax];
  FatNode n;
  i64 r = resolve_path(cwd, a.a0, path, sizeof path);
  if (!r) r = fat_lookup(path, &n);
  if (!r && !n.is_dir()) r = -ENOTDIR;
  if (!r) strncpy_z(cwd, path, sizeof cwd);
  return r;
}

i64 sys_rename(const SyscallArgs& a) { return rename_at(kAtFdcwd, a.a0, kAtFdcwd, a.a1); }
// renameat2 too (its flags are ignored).
i64 sys_renameat(const SyscallArgs& a) { return rename_at((i32)a.a0, a.a1, (i32)a.a2, a.a3); }
i64 sys_mkdir(const SyscallArgs& a) { return mkdir_at(kAtFdcwd, a.a0); }
i64 sys_mkdirat(const SyscallArgs& a) { return mkdir_at(a.a0, a.a1); }
i64 sys_rmdir(const SyscallArgs& a) { return unlink_at(kAtFdcwd, a.a0, true); }
i64 sys_unlink(const SyscallArgs& a) { return unlink_at(kAtFdcwd, a.a0, false); }
i64 sys_unlinkat(const SyscallArgs& a) { return unlink_at(a.a0, a.a1, a.a2 & kAtRemoveDir); }
i64 sys_readlink(const SyscallArgs& a) { return readlink_at(kAtFdcwd, a.a0, a.a1, a.a2); }
i64 sys_readlinkat(const SyscallArgs& a) { return readlink_at(a.a0, a.a1, a.a2, a.a3); }

// FAT keeps a modification time (to 2 s) and an access date: utimensat sets the first.
i64 sys_utimensat(const SyscallArgs& a) {
  constexpr i64 kUtimeNow = (1L << 30) - 1, kUtimeOmit = (1L << 30) - 2;
  i64 mtime = (i64)(time_realtime_ns() / 1000000000UL);
  if (a.a2) {
    if (!user_readable(a.a2, 32)) return -EFAULT;
    const i64* times = (const i64*)a.a2;  // atime, mtime: {sec, nsec} each
    if (times[3] == kUtimeOmit) return 0;
    if (times[3] != kUtimeNow) mtime = times[2];
  }
  FatNode n, *node = &n;
  if (!a.a1) {  // futimens: the descriptor itself
    OpenFile* f = file_for((i32)a.a0);
    if (!f) return -EBADF;
    if (f->kind != FileKind::File) return 0;
    node = f->node;
  } else {
    char path[kPathMax];
    OpenFile special;
    i64 r = path_at((i32)a.a0, a.a1, path);
    if (r) return r;
    if (special_open(path, &special)) return 0;
    if ((r = fat_lookup(special_alias(path), &n))) return r;
    if (FatNode* open = node_if_open(n)) node = open;
  }
  return fat_set_mtime(*node, mtime < 0 ? 0 : (u64)mtime);
}

// Mode 0 extends the file (zeroed clusters); FALLOC_FL_KEEP_SIZE asks only for room, which FAT
// cannot hold beyond the size, and is accepted as done; holes are not supported.
i64 sys_fallocate(const SyscallArgs& a) {
  constexpr u64 kKeepSize = 1;
  OpenFile* f = file_for((i32)a.a0);
  i64 off = (i64)a.a2, len = (i64)a.a3;
  if (!f) return -EBADF;
  if (off < 0 || len <= 0) return -EINVAL;
  if (f->kind == FileKind::Pipe) return -ESPIPE;
  if (f->kind != FileKind::File || f->node->is_dir()) return -ENODEV;
  if ((f->flags & kOAccMode) == 0) return -EBADF;
  if (a.a1 & ~kKeepSize) return -EOPNOTSUPP;
  u64 end = (u64)off + (u64)len;
  if (a.a1 & kKeepSize || end <= f->node->size) return 0;
  i64 r = fat_truncate(*f->node, end);
  if (!r) r = fat_commit(*f->node);
  return r;
}

i64 sys_link(const SyscallArgs& a) { return -EPERM; }  // FAT has no hard or symbolic links

// statfs and fstatfs: the FAT file system's figures, for whatever path or descriptor.
namespace {
struct LinuxStatfs {
  i64 type, bsize;
  u64 blocks, bfree, bavail, files, ffree;
  i32 fsid[2];
  i64 namelen, frsize, flags, spare[4];
};
static_assert(sizeof(LinuxStatfs) == 120);

i64 fill_statfs(u64 out) {
  constexpr i64 kMsdosSuperMagic = 0x4D44;
  if (!user_writable(out, sizeof(LinuxStatfs))) return -EFAULT;
  LinuxStatfs st;
  memset(&st, 0, sizeof st);
  u64 clusters, free;
  fat_usage(&clusters, &free);
  st.type = kMsdosSuperMagic;
  st.bsize = st.frsize = (i64)fat_cluster_bytes();
  st.blocks = clusters;
  st.bfree = st.bavail = free;
  st.namelen = 255;
  memcpy((void*)out, &st, sizeof st);
  return 0;
}
}  // namespace

i64 sys_statfs(const SyscallArgs& a) {
  char path[kPathMax];
  FatNode n;
  OpenFile special;
  i64 r = path_at(kAtFdcwd, a.a0, path);
  if (!r && !special_open(path, &special)) r = fat_lookup(special_alias(path), &n);
  return r ? r : fill_statfs(a.a1);
}

i64 sys_fstatfs(const SyscallArgs& a) { return file_for((i32)a.a0) ? fill_statfs(a.a1) : -EBADF; }
