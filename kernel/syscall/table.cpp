// The system-call table: one row per call the kernel implements (number, Linux name, handler),
// the names of the Linux calls it does not, and the dispatch from entry.S.
#include "arch/x86_64/cpu.h"
#include "console.h"
#include "syscall/fd_table.h"
#include "syscall/handlers.h"
#include "sched/lock.h"
#include "sched/thread.h"

bool syscall_trace = false;

namespace {

constexpr Syscall kSyscalls[] = {
    {0, "read", sys_read},
    {1, "write", sys_write},
    {2, "open", sys_open},
    {3, "close", sys_close},
    {4, "stat", sys_stat},
    {5, "fstat", sys_fstat},
    {6, "lstat", sys_stat},
    {8, "lseek", sys_lseek},
    {9, "mmap", sys_mmap},
    {10, "mprotect", sys_mprotect},
    {11, "munmap", sys_munmap},
    {12, "brk", sys_brk},
    {13, "rt_sigaction", sys_rt_sigaction},
    {14, "rt_sigprocmask", sys_rt_sigprocmask},
    {16, "ioctl", sys_ioctl},
    {17, "pread64", sys_pread64},
    {18, "pwrite64", sys_pwrite64},
    {19, "readv", sys_readv},
    {20, "writev", sys_writev},
    {21, "access", sys_access},
    {22, "pipe", sys_pipe},
    {24, "sched_yield", sys_sched_yield},
    {25, "mremap", sys_mremap},
    {28, "madvise", sys_madvise},
    {32, "dup", sys_dup},
    {33, "dup2", sys_dup2},
    {35, "nanosleep", sys_nanosleep},
    {39, "getpid", sys_getpid},
    {56, "clone", sys_clone},
    {60, "exit", sys_exit},
    {62, "kill", sys_kill},
    {63, "uname", sys_uname},
    {72, "fcntl", sys_fcntl},
    {74, "fsync", sys_fsync},
    {75, "fdatasync", sys_fsync},
    {77, "ftruncate", sys_ftruncate},
    {79, "getcwd", sys_getcwd},
    {80, "chdir", sys_chdir},
    {82, "rename", sys_rename},
    {83, "mkdir", sys_mkdir},
    {84, "rmdir", sys_rmdir},
    {86, "link", sys_link},
    {87, "unlink", sys_unlink},
    {88, "symlink", sys_link},
    {89, "readlink", sys_readlink},
    {96, "gettimeofday", sys_gettimeofday},
    {97, "getrlimit", sys_getrlimit},
    {99, "sysinfo", sys_sysinfo},
    {102, "getuid", sys_return_0},
    {104, "getgid", sys_return_0},
    {107, "geteuid", sys_return_0},
    {108, "getegid", sys_return_0},
    {110, "getppid", sys_return_0},
    {115, "getgroups", sys_getgroups},
    {118, "getresuid", sys_getresuid},
    {120, "getresgid", sys_getresuid},
    {131, "sigaltstack", sys_return_0},
    {137, "statfs", sys_statfs},
    {138, "fstatfs", sys_fstatfs},
    {157, "prctl", sys_prctl},
    {158, "arch_prctl", sys_arch_prctl},
    {186, "gettid", sys_gettid},
    {200, "tkill", sys_tkill},
    {201, "time", sys_time},
    {202, "futex", sys_futex},
    {203, "sched_setaffinity", sys_return_0},
    {204, "sched_getaffinity", sys_sched_getaffinity},
    {217, "getdents64", sys_getdents64},
    {218, "set_tid_address", sys_set_tid_address},
    {228, "clock_gettime", sys_clock_gettime},
    {229, "clock_getres", sys_clock_getres},
    {230, "clock_nanosleep", sys_clock_nanosleep},
    {231, "exit_group", sys_exit_group},
    {234, "tgkill", sys_tgkill},
    {257, "openat", sys_openat},
    {258, "mkdirat", sys_mkdirat},
    {262, "newfstatat", sys_newfstatat},
    {263, "unlinkat", sys_unlinkat},
    {264, "renameat", sys_renameat},
    {265, "linkat", sys_link},
    {266, "symlinkat", sys_link},
    {267, "readlinkat", sys_readlinkat},
    {269, "faccessat", sys_faccessat},
    {273, "set_robust_list", sys_return_0},
    {280, "utimensat", sys_utimensat},
    {285, "fallocate", sys_fallocate},
    {292, "dup3", sys_dup3},
    {293, "pipe2", sys_pipe2},
    {302, "prlimit64", sys_prlimit64},
    {309, "getcpu", sys_getcpu},
    {316, "renameat2", sys_renameat},
    {318, "getrandom", sys_getrandom},
    {334, "rseq", sys_rseq},
    {435, "clone3", sys_clone3},
    {439, "faccessat2", sys_faccessat},
};

// Linux x86-64 calls the kernel does not implement, by name for the "not implemented" report.
struct SyscallName {
  u16 nr;
  const char* name;
};
constexpr SyscallName kOtherNames[] = {
    {7, "poll"}, {15, "rt_sigreturn"}, {23, "select"}, {26, "msync"}, {27, "mincore"},
    {29, "shmget"}, {30, "shmat"}, {31, "shmctl"}, {34, "pause"}, {36, "getitimer"}, {37, "alarm"},
    {38, "setitimer"}, {40, "sendfile"}, {41, "socket"}, {42, "connect"}, {43, "accept"}, {44, "sendto"},
    {45, "recvfrom"}, {46, "sendmsg"}, {47, "recvmsg"}, {48, "shutdown"}, {49, "bind"}, {50, "listen"},
    {51, "getsockname"}, {52, "getpeername"}, {53, "socketpair"}, {54, "setsockopt"}, {55, "getsockopt"},
    {57, "fork"}, {58, "vfork"}, {59, "execve"}, {61, "wait4"}, {64, "semget"}, {65, "semop"}, {66, "semctl"},
    {67, "shmdt"}, {68, "msgget"}, {69, "msgsnd"}, {70, "msgrcv"}, {71, "msgctl"}, {73, "flock"},
    {76, "truncate"}, {78, "getdents"}, {81, "fchdir"}, {85, "creat"},
    {90, "chmod"}, {91, "fchmod"}, {92, "chown"}, {93, "fchown"}, {94, "lchown"}, {95, "umask"},
    {98, "getrusage"}, {100, "times"}, {101, "ptrace"}, {103, "syslog"}, {105, "setuid"}, {106, "setgid"},
    {109, "setpgid"}, {111, "getpgrp"}, {112, "setsid"}, {113, "setreuid"}, {114, "setregid"},
    {116, "setgroups"}, {117, "setresuid"}, {119, "setresgid"},
    {121, "getpgid"}, {122, "setfsuid"}, {123, "setfsgid"}, {124, "getsid"},
    {125, "capget"}, {126, "capset"}, {127, "rt_sigpending"}, {128, "rt_sigtimedwait"},
    {129, "rt_sigqueueinfo"}, {130, "rt_sigsuspend"}, {132, "utime"}, {133, "mknod"}, {134, "uselib"},
    {135, "personality"}, {136, "ustat"}, {139, "sysfs"},
    {140, "getpriority"}, {141, "setpriority"}, {142, "sched_setparam"}, {143, "sched_getparam"},
    {144, "sched_setscheduler"}, {145, "sched_getscheduler"}, {146, "sched_get_priority_max"},
    {147, "sched_get_priority_min"}, {148, "sched_rr_get_interval"}, {149, "mlock"}, {150, "munlock"},
    {151, "mlockall"}, {152, "munlockall"}, {153, "vhangup"}, {154, "modify_ldt"}, {155, "pivot_root"},
    {156, "_sysctl"}, {159, "adjtimex"}, {160, "setrlimit"}, {161, "chroot"}, {162, "sync"},
    {163, "acct"}, {164, "settimeofday"}, {165, "mount"}, {166, "umount2"}, {167, "swapon"}, {168, "swapoff"},
    {169, "reboot"}, {170, "sethostname"}, {171, "setdomainname"}, {172, "iopl"}, {173, "ioperm"},
    {174, "create_module"}, {175, "init_module"}, {176, "delete_module"}, {177, "get_kernel_syms"},
    {178, "query_module"}, {179, "quotactl"}, {180, "nfsservctl"}, {181, "getpmsg"}, {182, "putpmsg"},
    {183, "afs_syscall"}, {184, "tuxcall"}, {185, "security"}, {187, "readahead"}, {188, "setxattr"},
    {189, "lsetxattr"}, {190, "fsetxattr"}, {191, "getxattr"}, {192, "lgetxattr"}, {193, "fgetxattr"},
    {194, "listxattr"}, {195, "llistxattr"}, {196, "flistxattr"}, {197, "removexattr"}, {198, "lremovexattr"},
    {199, "fremovexattr"}, {205, "set_thread_area"}, {206, "io_setup"}, {207, "io_destroy"},
    {208, "io_getevents"}, {209, "io_submit"}, {210, "io_cancel"}, {211, "get_thread_area"},
    {212, "lookup_dcookie"}, {213, "epoll_create"}, {214, "epoll_ctl_old"}, {215, "epoll_wait_old"},
    {216, "remap_file_pages"}, {219, "restart_syscall"}, {220, "semtimedop"}, {221, "fadvise64"},
    {222, "timer_create"}, {223, "timer_settime"}, {224, "timer_gettime"}, {225, "timer_getoverrun"},
    {226, "timer_delete"}, {227, "clock_settime"}, {232, "epoll_wait"}, {233, "epoll_ctl"}, {235, "utimes"},
    {236, "vserver"}, {237, "mbind"}, {238, "set_mempolicy"}, {239, "get_mempolicy"}, {240, "mq_open"},
    {241, "mq_unlink"}, {242, "mq_timedsend"}, {243, "mq_timedreceive"}, {244, "mq_notify"},
    {245, "mq_getsetattr"}, {246, "kexec_load"}, {247, "waitid"}, {248, "add_key"}, {249, "request_key"},
    {250, "keyctl"}, {251, "ioprio_set"}, {252, "ioprio_get"}, {253, "inotify_init"},
    {254, "inotify_add_watch"}, {255, "inotify_rm_watch"}, {256, "migrate_pages"}, {259, "mknodat"},
    {260, "fchownat"}, {261, "futimesat"}, {268, "fchmodat"},
    {270, "pselect6"}, {271, "ppoll"}, {272, "unshare"}, {274, "get_robust_list"}, {275, "splice"},
    {276, "tee"}, {277, "sync_file_range"}, {278, "vmsplice"}, {279, "move_pages"},
    {281, "epoll_pwait"}, {282, "signalfd"}, {283, "timerfd_create"}, {284, "eventfd"},
    {286, "timerfd_settime"}, {287, "timerfd_gettime"}, {288, "accept4"}, {289, "signalfd4"},
    {290, "eventfd2"}, {291, "epoll_create1"}, {294, "inotify_init1"}, {295, "preadv"},
    {296, "pwritev"}, {297, "rt_tgsigqueueinfo"}, {298, "perf_event_open"}, {299, "recvmmsg"},
    {300, "fanotify_init"}, {301, "fanotify_mark"}, {303, "name_to_handle_at"}, {304, "open_by_handle_at"},
    {305, "clock_adjtime"}, {306, "syncfs"}, {307, "sendmmsg"}, {308, "setns"},
    {310, "process_vm_readv"}, {311, "process_vm_writev"}, {312, "kcmp"}, {313, "finit_module"},
    {314, "sched_setattr"}, {315, "sched_getattr"}, {317, "seccomp"}, {319, "memfd_create"},
    {320, "kexec_file_load"}, {321, "bpf"}, {322, "execveat"}, {323, "userfaultfd"}, {324, "membarrier"},
    {325, "mlock2"}, {326, "copy_file_range"}, {327, "preadv2"}, {328, "pwritev2"}, {329, "pkey_mprotect"},
    {330, "pkey_alloc"}, {331, "pkey_free"}, {332, "statx"}, {333, "io_pgetevents"},
    {424, "pidfd_send_signal"}, {425, "io_uring_setup"}, {426, "io_uring_enter"}, {427, "io_uring_register"},
    {428, "open_tree"}, {429, "move_mount"}, {430, "fsopen"}, {431, "fsconfig"}, {432, "fsmount"},
    {433, "fspick"}, {434, "pidfd_open"}, {436, "close_range"}, {437, "openat2"}, {438, "pidfd_getfd"},
    {440, "process_madvise"}, {441, "epoll_pwait2"}, {442, "mount_setattr"}, {443, "quotactl_fd"},
    {444, "landlock_create_ruleset"}, {445, "landlock_add_rule"}, {446, "landlock_restrict_self"},
    {447, "memfd_secret"}, {448, "process_mrelease"}, {449, "futex_waitv"}, {450, "set_mempolicy_home_node"},
};

constexpr u16 kNumbers = 451;  // one past the last call of Linux 6.1 (set_mempolicy_home_node)
constexpr usize kRows = sizeof kSyscalls / sizeof *kSyscalls;
constexpr u8 kNoRow = 0xFF;
static_assert(kRows < kNoRow);

constexpr usize length(const char* s) {
  usize n = 0;
  while (s[n]) n++;
  return n;
}

// Both lists go up by number, below kNumbers, and no number is in both.
template <class Row, usize N> consteval bool ascending(const Row (&rows)[N]) {
  for (usize i = 0; i < N; i++)
    if (rows[i].nr >= kNumbers || (i && rows[i].nr <= rows[i - 1].nr)) return false;
  return true;
}
consteval bool disjoint() {
  for (const Syscall& s : kSyscalls)
    for (const SyscallName& o : kOtherNames)
      if (s.nr == o.nr) return false;
  return true;
}
static_assert(ascending(kSyscalls) && ascending(kOtherNames) && disjoint());

// Row of each number, for dispatch in one step.
struct RowIndex {
  u8 row[kNumbers];
};
consteval RowIndex make_row_index() {
  RowIndex x{};
  for (u8& r : x.row) r = kNoRow;
  for (usize i = 0; i < kRows; i++) x.row[kSyscalls[i].nr] = (u8)i;
  return x;
}
constexpr RowIndex kRowIndex = make_row_index();

// kOtherNames packed for the kernel image: the name of each number below kNumbers in turn, each
// ending in NUL, empty for implemented numbers and gaps.
consteval usize packed_size() {
  usize n = kNumbers;
  for (const SyscallName& s : kOtherNames) n += length(s.name);
  return n;
}
struct PackedNames {
  char text[packed_size()];
};
consteval PackedNames pack_names() {
  PackedNames p{};
  usize at = 0, next = 0;
  for (u16 nr = 0; nr < kNumbers; nr++) {
    if (next < sizeof kOtherNames / sizeof *kOtherNames && kOtherNames[next].nr == nr)
      for (const char* c = kOtherNames[next++].name; *c; c++) p.text[at++] = *c;
    p.text[at++] = 0;
  }
  return p;
}
constexpr PackedNames kPackedOtherNames = pack_names();

const Syscall* row_for(u64 nr) {
  if (nr >= kNumbers || kRowIndex.row[nr] == kNoRow) return nullptr;
  return &kSyscalls[kRowIndex.row[nr]];
}

u8 unimplemented_logged[512];  // a bit per number: each is reported once

i64 unimplemented(u64 nr) {
  if (nr >= sizeof unimplemented_logged * 8 || !(unimplemented_logged[nr / 8] & (1 << (nr % 8)))) {
    const char* name = syscall_name(nr);
    kerror("system call %lu%s%s%s is not implemented (returns ENOSYS)\n", nr, *name ? " (" : "", name,
           *name ? ")" : "");
    if (nr < sizeof unimplemented_logged * 8) unimplemented_logged[nr / 8] |= (u8)(1 << (nr % 8));
  }
  return -ENOSYS;
}

}  // namespace

const char* syscall_name(u64 nr) {
  if (const Syscall* s = row_for(nr)) return s->name;
  if (nr >= kNumbers) return "";
  const char* p = kPackedOtherNames.text;
  for (u64 i = 0; i < nr; i++) p += length(p) + 1;
  return p;
}

void syscall_init(const char* program_path, u64 brk_start) {
  special_files_init(program_path);
  memory_init(brk_start);
  fd_table_init();
  exit_hook = commit_all;
}

extern "C" void syscall_dispatch(TrapFrame* f) {
  kernel_lock();
  const SyscallArgs a{f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9};
  u64 nr = f->rax;
  const Syscall* s = row_for(nr);
  i64 r = s ? s->handler(a) : unimplemented(nr);
  f->rax = (u64)r;
  if (syscall_trace) {
    const char* name = syscall_name(nr);
    char who[24] = "";
    if (i32 tid = current_thread()->tid; tid != 1) snprint(who, sizeof who, "[thread %d] ", tid);
    klog("%ssyscall %lu%s%s(%lx, %lx, %lx, %lx) = %ld\n", who, nr, *name ? " " : "", name, a.a0, a.a1, a.a2, a.a3,
         r);
  }
  kernel_unlock();
}
