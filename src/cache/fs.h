// The POSIX file calls the cache is made of, relative to directory descriptors opened and
// checked once, so that a parent renamed afterwards cannot redirect them.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bf::cache::fs {

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  ~Fd();
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// "" when `st` is ours, of the right type and neither group- nor world-writable; else why not.
std::string unsafe_reason(const struct stat& st, bool directory);

// Opens the directory `name` under `parent` (never following a symbolic link) and checks it;
// creates it 0700 first when `create`. Invalid Fd with `problem` set when refused, with
// `problem` empty when it does not exist (and `create` is false).
Fd open_dir(int parent, const std::string& name, bool create, std::string& problem);
// mkdir -p, each created component 0700 (as the XDG base directory spec asks of its directories).
bool make_dirs(const std::string& path, std::string& error);

// Reads the whole file (at most `limit` bytes, else false with errno EFBIG).
bool read_all(int fd, std::string& out, uint64_t limit);
bool write_all(int fd, std::string_view data);

// Replaces dir/name with `parts` written one after the other: a temporary in the same directory
// (0600), fsync, rename, fsync of the directory. `replaced`: the size of the file it replaced.
bool write_atomic(int dir, const std::string& name, const std::vector<std::string_view>& parts,
                  std::string& error, uint64_t* replaced = nullptr);
// Tests: write in 16 KiB pieces with this pause between them, so that a process killed at a
// random moment is often caught in the middle of a write (0: off).
void slow_writes_for_tests(unsigned microseconds);

// Temporaries are named ".tmp-PID-N-RANDOM".
bool is_temporary(std::string_view name);

// The names in a directory, "." and ".." left out; empty when it cannot be read.
std::vector<std::string> list(int dir);

// Removes dir/name, a directory with everything under it when it is one. Counts what it removed.
void remove_tree(int dir, const std::string& name, uint64_t& files, uint64_t& bytes);

// An exclusive lock on dir/name (created 0600), held until destroyed. Open file description
// locks where the kernel has them, so two threads of one process exclude each other too.
class Lock {
 public:
  // `wait` false: fails at once ("busy") when another holds it.
  bool acquire(int dir, const std::string& name, std::string& error, bool wait = true);
  int fd() const { return fd_.get(); }

 private:
  Fd fd_;
};

}  // namespace bf::cache::fs
