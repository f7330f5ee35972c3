// The system-call handlers, one per call (table.cpp lists them by number), grouped by the file
// that holds them, and what those files share.
#pragma once
#include "lib/errno.h"
#include "mm/memory.h"
#include "syscall/syscall.h"

// [p, p + n) lies in the program's half of the address space.
inline bool user_range(u64 p, u64 n) { return p < kUserTop && n <= kUserTop - p; }

// The program's buffers must lie in its regions with the rights the kernel needs: a bad pointer
// gets EFAULT, as on Linux, rather than a fault in the middle of a file system operation.
inline bool user_readable(u64 p, u64 n) { return user_range(p, n) && vma_covers(p, p + max_of(n, (u64)1), kProtRead); }
inline bool user_writable(u64 p, u64 n) { return user_range(p, n) && vma_covers(p, p + max_of(n, (u64)1), kProtWrite); }

// fd_table.cpp: calls on descriptors alone.
i64 sys_close(const SyscallArgs& a);
i64 sys_dup(const SyscallArgs& a);
i64 sys_dup2(const SyscallArgs& a);
i64 sys_dup3(const SyscallArgs& a);
i64 sys_fcntl(const SyscallArgs& a);
i64 sys_ioctl(const SyscallArgs& a);

// files.cpp: files, directories and paths on the FAT disk, and the console devices.
i64 sys_read(const SyscallArgs& a);
i64 sys_write(const SyscallArgs& a);
i64 sys_pread64(const SyscallArgs& a);
i64 sys_pwrite64(const SyscallArgs& a);
i64 sys_readv(const SyscallArgs& a);
i64 sys_writev(const SyscallArgs& a);
i64 sys_open(const SyscallArgs& a);
i64 sys_openat(const SyscallArgs& a);
i64 sys_stat(const SyscallArgs& a);
i64 sys_fstat(const SyscallArgs& a);
i64 sys_newfstatat(const SyscallArgs& a);
i64 sys_lseek(const SyscallArgs& a);
i64 sys_access(const SyscallArgs& a);
i64 sys_faccessat(const SyscallArgs& a);
i64 sys_getdents64(const SyscallArgs& a);
i64 sys_fsync(const SyscallArgs& a);
i64 sys_ftruncate(const SyscallArgs& a);
i64 sys_getcwd(const SyscallArgs& a);
i64 sys_chdir(const SyscallArgs& a);
i64 sys_rename(const SyscallArgs& a);
i64 sys_renameat(const SyscallArgs& a);
i64 sys_mkdir(const SyscallArgs& a);
i64 sys_mkdirat(const SyscallArgs& a);
i64 sys_rmdir(const SyscallArgs& a);
i64 sys_unlink(const SyscallArgs& a);
i64 sys_unlinkat(const SyscallArgs& a);
i64 sys_readlink(const SyscallArgs& a);
i64 sys_readlinkat(const SyscallArgs& a);
i64 sys_utimensat(const SyscallArgs& a);
i64 sys_fallocate(const SyscallArgs& a);
i64 sys_link(const SyscallArgs& a);  // link, linkat, symlink, symlinkat: EPERM
i64 sys_statfs(const SyscallArgs& a);
i64 sys_fstatfs(const SyscallArgs& a);

// pipes.cpp: pipes within the program.
i64 sys_pipe(const SyscallArgs& a);
i64 sys_pipe2(const SyscallArgs& a);

// memory.cpp: the program's address space.
void memory_init(u64 brk_start);
i64 sys_mmap(const SyscallArgs& a);
i64 sys_munmap(const SyscallArgs& a);
i64 sys_mprotect(const SyscallArgs& a);
i64 sys_madvise(const SyscallArgs& a);
i64 sys_mremap(const SyscallArgs& a);
i64 sys_brk(const SyscallArgs& a);

// time.cpp: clocks and sleeping.
i64 sys_clock_gettime(const SyscallArgs& a);
i64 sys_clock_getres(const SyscallArgs& a);
i64 sys_clock_nanosleep(const SyscallArgs& a);
i64 sys_nanosleep(const SyscallArgs& a);
i64 sys_gettimeofday(const SyscallArgs& a);
i64 sys_time(const SyscallArgs& a);

// misc.cpp: the machine and the limits.
i64 sys_uname(const SyscallArgs& a);
i64 sys_sysinfo(const SyscallArgs& a);
i64 sys_getrlimit(const SyscallArgs& a);
i64 sys_prlimit64(const SyscallArgs& a);
i64 sys_getrandom(const SyscallArgs& a);
i64 sys_return_0(const SyscallArgs& a);  // accepted, nothing to do (sigaltstack, ...)
i64 sys_getgroups(const SyscallArgs& a);
i64 sys_getresuid(const SyscallArgs& a);

// threads.cpp: threads and the process.
i64 sys_clone(const SyscallArgs& a);
i64 sys_clone3(const SyscallArgs& a);
i64 sys_exit(const SyscallArgs& a);
i64 sys_exit_group(const SyscallArgs& a);
i64 sys_set_tid_address(const SyscallArgs& a);
i64 sys_gettid(const SyscallArgs& a);
i64 sys_getpid(const SyscallArgs& a);
i64 sys_sched_yield(const SyscallArgs& a);
i64 sys_futex(const SyscallArgs& a);
i64 sys_arch_prctl(const SyscallArgs& a);
i64 sys_sched_getaffinity(const SyscallArgs& a);
i64 sys_rseq(const SyscallArgs& a);
i64 sys_prctl(const SyscallArgs& a);
i64 sys_getcpu(const SyscallArgs& a);

// signals.cpp: actions and masks (never delivered), kill.
i64 sys_rt_sigaction(const SyscallArgs& a);
i64 sys_rt_sigprocmask(const SyscallArgs& a);
i64 sys_kill(const SyscallArgs& a);
i64 sys_tkill(const SyscallArgs& a);
i64 sys_tgkill(const SyscallArgs& a);
// The default action of `sig` (most end the program), or nothing when it is ignored; 0 then.
i64 signal_send(int sig);
