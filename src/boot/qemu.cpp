// The guest's output reaches three pipes of ours, which QEMU inherits as descriptors 3-5:
//   3  the program's stdout: port 1 of a virtio-serial device, and COM1 (the kernel's fallback)
//   4  its stderr and the kernel's messages for the user: port 2, and COM2
//   5  the kernel log (COM3), ending in "bareflow-exit: N"
#include "boot/qemu.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "boot/host_tools.h"

namespace bf::boot {

namespace {

std::vector<std::string> qemu_arguments(const QemuRun& run, const std::string& qemu) {
  std::vector<std::string> a = {qemu, "-M", "pc", "-cpu", "max", "-m", std::to_string(run.mem_mib) + "M",
                                "-smp", std::to_string(run.cpus), "-nodefaults", "-display", "none", "-no-reboot"};
  if (!run.kernel.empty()) a.insert(a.end(), {"-kernel", run.kernel, "-append", run.command_line});
  if (run.cpus > 1) a.insert(a.end(), {"-accel", "tcg,thread=multi"});  // a host thread per CPU
  for (int fd : {3, 4, 5}) a.insert(a.end(), {"-serial", "file:/dev/fd/" + std::to_string(fd)});
  // One virtio-serial device, stdout on port 1 and stderr on port 2. Not virtconsole ports: QEMU
  // drops what a console's chardev cannot take at once, and holds the guest back on the others.
  a.insert(a.end(), {"-device", "virtio-serial-pci,id=serial0,disable-modern=on"});
  const char* names[2] = {"stdout", "stderr"};
  for (int i = 0; i < 2; i++) {
    std::string n = names[i];
    a.insert(a.end(), {"-chardev", "file,id=" + n + ",path=/dev/fd/" + std::to_string(3 + i), "-device",
                       "virtserialport,bus=serial0.0,nr=" + std::to_string(1 + i) + ",chardev=" + n + ",name=" + n});
  }
  a.insert(a.end(), {"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-drive",
                     "file=" + run.image + ",format=raw,if=none,id=disk0,cache=writeback", "-device",
                     std::string("virtio-blk-pci,disable-modern=on,drive=disk0") + (run.kernel.empty() ? ",bootindex=0" : "")});
  return a;
}

bool write_all(int fd, const char* p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w, n -= w;
  }
  return true;
}

bool is_syscall_line(const std::string& line) {
  size_t at = 0;
  if (line.rfind("[thread ", 0) == 0) at = line.find("] ") == std::string::npos ? 0 : line.find("] ") + 2;
  return line.compare(at, 8, "syscall ") == 0;
}

// The child: the pipes' write ends at 3-5, nothing else open but what QEMU was given.
[[noreturn]] void exec_qemu(const std::vector<std::string>& args, int pipes[3][2], pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive bareflow (a test timeout kills us)
  if (getppid() != parent) _exit(126);
  // Move the write ends out of the way first, so that placing one at 3..5 cannot close another.
  int high[3];
  for (int i = 0; i < 3; i++) {
    close(pipes[i][0]);
    high[i] = fcntl(pipes[i][1], F_DUPFD, 10);
  }
  for (int i = 0; i < 3; i++) dup2(high[i], 3 + i);
  for (int i = 0; i < 3; i++) {
    close(high[i]);
    if (pipes[i][1] > 5) close(pipes[i][1]);
  }
  int devnull = open("/dev/null", O_RDONLY);
  if (devnull >= 0) dup2(devnull, 0);
  std::vector<char*> a;
  for (const std::string& s : args) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  execvp(a[0], a.data());
  std::fprintf(stderr, "bareflow: %s: cannot run (%s); install qemu-system-x86\n", args[0].c_str(),
               std::strerror(errno));
  _exit(127);
}

}  // namespace

int run_qemu(const QemuRun& run) {
  const char* qemu_env = std::getenv("BAREFLOW_QEMU");
  std::string qemu = qemu_env && *qemu_env ? qemu_env : "qemu-system-x86_64";
  int pipes[3][2];
  for (auto& p : pipes)
    if (pipe(p)) return fail("qemu", std::strerror(errno));
  std::vector<std::string> args = qemu_arguments(run, qemu);
  if (run.kernel.empty() && run.verbose) {  // an image's boot: the command that boots it, for plain QEMU
    std::string line;
    for (const std::string& a : args) line += (line.empty() ? "" : " ") + a;
    std::fprintf(stderr, "bareflow: %s\n", line.c_str());
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return fail("qemu", std::strerror(errno));
  if (pid == 0) exec_qemu(args, pipes, parent);
  set_running_child(pid);
  for (auto& p : pipes) close(p[1]);
  std::string log, line;
  pollfd fds[3];
  for (int i = 0; i < 3; i++) fds[i] = {pipes[i][0], POLLIN, 0};
  int open_count = 3;
  static char buf[1 << 16];
  while (open_count) {
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 3; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        open_count--;
        continue;
      }
      if (i < 2) write_all(1 + i, buf, n);
      if (i == 2) {
        log.append(buf, n);
        if (run.verbose) write_all(2, buf, n);  // live, so a hung guest shows where it stopped
        for (ssize_t k = 0; run.strace && !run.verbose && k < n; k++) {
          line += buf[k];
          if (buf[k] != '\n') continue;
          if (is_syscall_line(line)) write_all(2, line.data(), line.size());
          line.clear();
        }
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  set_running_child(0);
  size_t at = log.rfind("bareflow-exit: ");
  if (at != std::string::npos) return std::atoi(log.c_str() + at + 15);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return kExitBootFailed;
  if (WIFSIGNALED(status)) return fail("qemu", "killed by signal " + std::to_string(WTERMSIG(status)));
  return fail("qemu", "the guest stopped without an exit status (QEMU exit status " +
                          std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + "; rerun with --verbose)");
}

}  // namespace bf::boot
