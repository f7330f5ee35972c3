#include "cache/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace bf::cache::fs {

namespace {

std::string errno_text() { return std::strerror(errno); }

unsigned g_slow_writes_us = 0;

// pid, a per-process counter and random bits: unique among concurrent writers, and O_EXCL
// catches the rest.
std::string temp_name() {
  static std::atomic<uint64_t> counter{0};
  uint64_t random = 0;
  if (getentropy(&random, sizeof random) != 0) random = static_cast<uint64_t>(time(nullptr));
  char name[80];
  snprintf(name, sizeof name, ".tmp-%d-%llu-%016llx", static_cast<int>(getpid()),
           static_cast<unsigned long long>(counter++), static_cast<unsigned long long>(random));
  return name;
}

// An exclusive lock on the whole of `fd`'s file; `wait`: until it is free.
bool lock_file(int fd, bool wait) {
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  auto lock = [&](int command) {
    int r;
    do r = fcntl(fd, command, &fl);
    while (r != 0 && errno == EINTR);
    return r;
  };
  int r = -1;
  errno = EINVAL;
#ifdef F_OFD_SETLKW
  r = lock(wait ? F_OFD_SETLKW : F_OFD_SETLK);
#endif
  if (r != 0 && errno == EINVAL) r = lock(wait ? F_SETLKW : F_SETLK);  // a kernel without OFD locks
  return r == 0;
}

}  // namespace

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.release();
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) close(fd_);
}

std::string unsafe_reason(const struct stat& st, bool directory) {
  if (directory && !S_ISDIR(st.st_mode)) return "not a directory";
  if (!directory && !S_ISREG(st.st_mode)) return "not a regular file";
  if (st.st_uid != geteuid()) {
    return "owned by uid " + std::to_string(st.st_uid) + ", not by this user (uid " +
           std::to_string(geteuid()) + ")";
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    char mode[16];
    snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return std::string("group- or world-writable (mode ") + mode + ")";
  }
  return "";
}

Fd open_dir(int parent, const std::string& name, bool create, std::string& problem) {
  problem.clear();
  for (int attempt = 0; attempt < 2; attempt++) {
    Fd d(openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (d) {
      struct stat st;
      if (fstat(d.get(), &st) != 0) {
        problem = errno_text();
        return {};
      }
      problem = unsafe_reason(st, true);
      return problem.empty() ? std::move(d) : Fd();
    }
    if (errno == ENOENT && create) {
      if (mkdirat(parent, name.c_str(), 0700) == 0) {
        fchmodat(parent, name.c_str(), 0700, 0);  // whatever the umask
        continue;
      }
      if (errno == EEXIST) continue;  // another process made it first
      problem = "cannot create: " + errno_text();
      return {};
    }
    if (errno == ENOENT) return {};
    problem = errno == ELOOP || errno == ENOTDIR ? "not a directory" : errno_text();
    return {};
  }
  problem = "appears and vanishes";
  return {};
}

bool make_dirs(const std::string& path, std::string& error) {
  std::string prefix;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    prefix = path.substr(0, next);
    pos = next + 1;
    if (prefix.empty() || prefix == "." || prefix == "..") continue;
    if (mkdir(prefix.c_str(), 0700) == 0) {
      chmod(prefix.c_str(), 0700);
    } else if (errno != EEXIST) {
      error = prefix + ": cannot create: " + errno_text();
      return false;
    }
  }
  return true;
}

bool read_all(int fd, std::string& out, uint64_t limit) {
  struct stat st;
  if (fstat(fd, &st) != 0) return false;
  if (static_cast<uint64_t>(st.st_size) > limit) {
    errno = EFBIG;
    return false;
  }
  out.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);  // shorter than fstat said: the parser sees a truncated entry
  return true;
}

void slow_writes_for_tests(unsigned microseconds) { g_slow_writes_us = microseconds; }

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    size_t piece = data.size();
    if (g_slow_writes_us) {
      piece = std::min<size_t>(piece, 16 << 10);
      usleep(g_slow_writes_us);
    }
    ssize_t n = write(fd, data.data(), piece);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool write_atomic(int dir, const std::string& name, const std::vector<std::string_view>& parts,
                  std::string& error, uint64_t* replaced) {
  std::string tmp;
  Fd fd;
  for (int tries = 0; tries < 8 && !fd; tries++) {
    tmp = temp_name();
    fd = Fd(openat(dir, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd && errno != EEXIST) break;
  }
  if (!fd) {
    error = "cannot create a temporary for " + name + ": " + errno_text();
    return false;
  }
  fchmod(fd.get(), 0600);  // whatever the umask took away; best effort (the unikernel has no fchmod)
  bool ok = true;
  for (std::string_view part : parts) ok = ok && write_all(fd.get(), part);
  ok = ok && fsync(fd.get()) == 0;
  ok = close(fd.release()) == 0 && ok;
  struct stat old;
  if (replaced) *replaced = fstatat(dir, name.c_str(), &old, AT_SYMLINK_NOFOLLOW) == 0 ? old.st_size : 0;
  ok = ok && renameat(dir, tmp.c_str(), dir, name.c_str()) == 0;
  if (!ok) {
    error = "cannot write " + name + ": " + errno_text();
    unlinkat(dir, tmp.c_str(), 0);
    return false;
  }
  fsync(dir);  // the rename itself survives a crash
  return true;
}

bool is_temporary(std::string_view name) { return name.substr(0, 5) == ".tmp-"; }

std::vector<std::string> list(int dir) {
  std::vector<std::string> names;
  int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return names;
  DIR* d = fdopendir(fd);
  if (!d) {
    close(fd);
    return names;
  }
  while (dirent* e = readdir(d)) {
    if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, "..")) continue;
    names.emplace_back(e->d_name);
  }
  closedir(d);
  return names;
}

void remove_tree(int dir, const std::string& name, uint64_t& files, uint64_t& bytes) {
  struct stat st;
  if (fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    Fd sub(openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (sub)
      for (const std::string& child : list(sub.get())) remove_tree(sub.get(), child, files, bytes);
    unlinkat(dir, name.c_str(), AT_REMOVEDIR);
    return;
  }
  if (unlinkat(dir, name.c_str(), 0) == 0) {
    files++;
    bytes += static_cast<uint64_t>(st.st_size);
  }
}

bool Lock::acquire(int dir, const std::string& name, std::string& error, bool wait) {
  fd_ = Fd(openat(dir, name.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  struct stat st;
  if (!fd_ || fstat(fd_.get(), &st) != 0) {
    error = name + ": " + errno_text();
    return false;
  }
  if (std::string why = unsafe_reason(st, false); !why.empty()) {
    error = name + ": " + why;
    fd_ = Fd();
    return false;
  }
  if (!lock_file(fd_.get(), wait)) {
    error = name + (errno == EAGAIN || errno == EACCES ? ": busy" : ": cannot lock: " + errno_text());
    fd_ = Fd();
    return false;
  }
  return true;
}

}  // namespace bf::cache::fs
