// Linux errno values (x86-64), for the whole kernel: the system calls and the FAT code return
// them negated. No libc here, so these names are plain enumerators rather than macros.
#pragma once

enum Errno : int {
  EPERM = 1,
  ENOENT = 2,
  ESRCH = 3,
  EINTR = 4,
  EIO = 5,
  EBADF = 9,
  EAGAIN = 11,
  ENOMEM = 12,
  EACCES = 13,
  EFAULT = 14,
  EEXIST = 17,
  ENODEV = 19,
  ENOTDIR = 20,
  EISDIR = 21,
  EINVAL = 22,
  ENFILE = 23,
  EMFILE = 24,
  ENOTTY = 25,
  EFBIG = 27,
  ENOSPC = 28,
  ESPIPE = 29,
  EPIPE = 32,
  ERANGE = 34,
  ENAMETOOLONG = 36,
  ENOSYS = 38,
  ENOTEMPTY = 39,
  EOPNOTSUPP = 95,
  ETIMEDOUT = 110,
};
