// `bareflow boot` and `bareflow image`: run a static Linux program in the unikernel under QEMU, or
// write a bootable disk with the kernel, the program and its files.
//
// Guest I/O (see docs/unikernel.md): COM1 is the program's stdout, COM2 its stderr (and the
// kernel's messages for the user), COM3 the kernel log ending in "bareflow-exit: N". QEMU writes
// each port into a pipe of ours; we forward them and exit with N.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <dirent.h>

extern "C" const char bf_kernel_image[];
extern "C" const char bf_kernel_image_end[];

int bf_cmd_boot(int argc, char** argv);
int bf_cmd_image(int argc, char** argv);

namespace {

constexpr int kExitBootFailed = 125;  // also the kernel's status for its own failures

struct Options {
  std::string disk;  // directory or image
  std::string keep;
  std::string mem = "2G";  // room for a static bareflow with LLVM, a model and the JIT (docs/unikernel.md)
  std::string output;  // image
  std::vector<std::string> env;
  bool verbose = false, strace = false;
  std::vector<std::string> program;  // PROGRAM ARGS...
};

int fail(const std::string& what, const std::string& problem) {
  std::fprintf(stderr, "bareflow: %s: %s\n", what.c_str(), problem.c_str());
  return kExitBootFailed;
}

bool is_dir(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
bool is_file(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
std::string base_name(const std::string& p) {
  size_t s = p.find_last_of('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

// Runs a helper tool quietly; returns its exit status (-1 if it could not start).
int run_tool(const std::vector<std::string>& args, std::string* output = nullptr) {
  int pipefd[2];
  if (pipe(pipefd)) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    dup2(pipefd[1], 1);
    dup2(pipefd[1], 2);
    close(pipefd[0]);
    setenv("MTOOLS_SKIP_CHECK", "1", 1);
    std::vector<char*> a;
    for (const std::string& s : args) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execvp(a[0], a.data());
    _exit(127);
  }
  close(pipefd[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0) out.append(buf, n);
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string last_line(const std::string& s) {
  std::string t = s;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  size_t p = t.find_last_of('\n');
  return p == std::string::npos ? t : t.substr(p + 1);
}

long long parse_mem_mib(const std::string& s) {
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (end == s.c_str() || v <= 0) return -1;
  std::string suffix = end;
  if (suffix.empty() || suffix == "M" || suffix == "m" || suffix == "MiB") return v;
  if (suffix == "G" || suffix == "g" || suffix == "GiB") return v * 1024;
  return -1;
}

std::vector<std::string> dir_entries(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) out.push_back(e->d_name);
    closedir(d);
  }
  return out;
}

long long tree_bytes(const std::string& p) {
  struct stat st;
  if (stat(p.c_str(), &st)) return 0;
  if (!S_ISDIR(st.st_mode)) return st.st_size;
  long long sum = 0;
  for (const std::string& e : dir_entries(p)) sum += tree_bytes(p + "/" + e);
  return sum;
}

// A FAT32 image of at least `bytes` of content (mformat; no mounting).
int make_fat_image(const std::string& image, long long bytes, long long offset_sectors = 0) {
  long long mib = std::max(64LL, (bytes * 5 / 4 >> 20) + 32);
  long long sectors = mib * 2048;
  std::string spec = offset_sectors ? image + "@@" + std::to_string(offset_sectors * 512) : image;
  if (!offset_sectors) {
    int fd = open(image.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, sectors * 512)) return fail(image, std::strerror(errno));
    close(fd);
  }
  std::string out;
  if (run_tool({"mformat", "-i", spec, "-T", std::to_string(sectors), "-F", "-v", "BAREFLOW", "::"}, &out))
    return fail(image, "mformat failed: " + last_line(out));
  return 0;
}

int copy_into_image(const std::string& spec, const std::string& src, const std::string& dst) {
  std::string out;
  if (run_tool({"mcopy", "-s", "-o", "-i", spec, src, "::/" + dst}, &out))
    return fail(src, "cannot copy into the disk image: " + last_line(out));
  return 0;
}

std::string quote_word(const std::string& w) {
  std::string q = "\"";
  for (char c : w) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

// The kernel's command line as words: options, "--", the program and its arguments.
std::vector<std::string> kernel_words(const Options& o, const std::string& program_name) {
  std::vector<std::string> w;
  if (o.verbose) w.push_back("verbose");
  if (o.strace) w.push_back("strace");
  for (const std::string& e : o.env) w.push_back("env=" + e);
  w.push_back("--");
  w.push_back("/" + program_name);
  for (size_t i = 1; i < o.program.size(); i++) w.push_back(o.program[i]);
  return w;
}

// For `bareflow boot`: the host shows the log itself (COM3), so the kernel need not copy it.
std::string kernel_command_line(Options o, const std::string& program_name) {
  o.verbose = false;
  std::string cmd;
  for (const std::string& w : kernel_words(o, program_name)) cmd += (cmd.empty() ? "" : " ") + quote_word(w);
  return cmd;
}

// GRUB script quoting: each word in single quotes; GRUB re-quotes words with spaces for the
// kernel the way the kernel's parser expects ("..." with backslashes).
std::string grub_quote(const std::string& w) {
  std::string q = "'";
  for (char c : w) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

struct TempDir {
  std::string path;
  TempDir() {
    const char* t = std::getenv("TMPDIR");
    std::string tmpl = std::string(t && *t ? t : "/tmp") + "/bareflow-boot.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back(0);
    if (mkdtemp(buf.data())) path = buf.data();
  }
  ~TempDir() { remove(); }
  void remove() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

// Opens a file for QEMU to inherit, on a descriptor above the serial pipes' 3..5.
int hold_open(const std::string& path, int flags) {
  int fd = open(path.c_str(), flags);
  if (fd < 0) return -1;
  int high = fcntl(fd, F_DUPFD, 10);
  close(fd);
  return high;
}

int write_kernel(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return fail(path, std::strerror(errno));
  size_t n = bf_kernel_image_end - bf_kernel_image;
  bool ok = std::fwrite(bf_kernel_image, 1, n, f) == n;
  ok = std::fclose(f) == 0 && ok;
  return ok ? 0 : fail(path, "cannot write the kernel");
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

// Boots QEMU and forwards the three serial ports; returns the program's exit status.
int run_qemu(const Options& o, const std::string& kernel, const std::string& image, const std::string& cmdline) {
  const char* qemu_env = std::getenv("BAREFLOW_QEMU");
  std::string qemu = qemu_env && *qemu_env ? qemu_env : "qemu-system-x86_64";
  int pipes[3][2];
  for (auto& p : pipes)
    if (pipe(p)) return fail("qemu", std::strerror(errno));
  std::vector<std::string> args = {
      qemu, "-M", "pc", "-cpu", "max", "-m", std::to_string(parse_mem_mib(o.mem)) + "M", "-nodefaults",
      "-display", "none", "-no-reboot", "-kernel", kernel, "-append", cmdline,
      "-serial", "file:/dev/fd/3", "-serial", "file:/dev/fd/4", "-serial", "file:/dev/fd/5",
      "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
      "-drive", "file=" + image + ",format=raw,if=none,id=disk0,cache=writeback",
      "-device", "virtio-blk-pci,disable-modern=on,drive=disk0"};
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return fail("qemu", std::strerror(errno));
  if (pid == 0) {
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
    std::fprintf(stderr, "bareflow: %s: cannot run (%s); install qemu-system-x86\n", qemu.c_str(),
                 std::strerror(errno));
    _exit(127);
  }
  for (auto& p : pipes) close(p[1]);
  std::string log;
  pollfd fds[3];
  for (int i = 0; i < 3; i++) fds[i] = {pipes[i][0], POLLIN, 0};
  int open_count = 3;
  char buf[65536];
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
      if (i == 0) write_all(1, buf, n);
      if (i == 1) write_all(2, buf, n);
      if (i == 2) {
        log.append(buf, n);
        if (o.verbose) write_all(2, buf, n);  // live, so a hung guest shows where it stopped
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  size_t at = log.rfind("bareflow-exit: ");
  if (at != std::string::npos) return std::atoi(log.c_str() + at + 15);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return kExitBootFailed;
  if (WIFSIGNALED(status))
    return fail("qemu", "killed by signal " + std::to_string(WTERMSIG(status)));
  return fail("qemu", "the guest stopped without an exit status (QEMU exit status " +
                          std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                          "; rerun with --verbose)");
}

int usage_boot() {
  std::fprintf(stderr,
               "usage: bareflow boot [--disk DIR|IMAGE] [--keep IMAGE] [--mem SIZE] [--env NAME=VALUE]...\n"
               "                     [--verbose] [--strace] -- PROGRAM [ARGS...]\n");
  return 2;
}

// Shared option parsing; `image` selects `bareflow image` (which takes -o).
int parse(int argc, char** argv, bool image, Options* o) {
  int i = 1;
  for (; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--") {
      i++;
      break;
    } else if (a == "--disk") {
      if (!value(&o->disk)) return -1;
    } else if (a == "--keep" && !image) {
      if (!value(&o->keep)) return -1;
    } else if (a == "--mem") {
      if (!value(&o->mem)) return -1;
    } else if ((a == "-o" || a == "--output") && image) {
      if (!value(&o->output)) return -1;
    } else if (a == "--env") {
      if (!value(&v) || v.find('=') == std::string::npos) return -1;
      o->env.push_back(v);
    } else if (a == "--verbose" || a == "-v") {
      o->verbose = true;
    } else if (a == "--strace") {
      o->strace = true;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "bareflow: %s: unknown option '%s'\n", argv[0], a.c_str());
      return -1;
    } else {
      break;
    }
  }
  for (; i < argc; i++) o->program.push_back(argv[i]);
  if (o->program.empty()) return -1;
  if (parse_mem_mib(o->mem) < 16) {
    std::fprintf(stderr, "bareflow: --mem %s: expected a size such as 256M or 1G (at least 16M)\n", o->mem.c_str());
    return -1;
  }
  return 0;
}

// Checks what the host can tell before booting, so mistakes get a host-side message.
int check_program(const std::string& p) {
  if (!is_file(p)) return fail(p, is_dir(p) ? "is a directory" : "no such file");
  return 0;
}

}  // namespace

int bf_cmd_boot(int argc, char** argv) {
  Options o;
  if (parse(argc, argv, false, &o)) return usage_boot();
  const std::string& program = o.program[0];
  TempDir tmp;
  if (tmp.path.empty()) return fail("temporary directory", std::strerror(errno));
  std::string kernel = tmp.path + "/kernel.elf";
  if (int r = write_kernel(kernel)) return r;
  bool temporary_disk = false;

  std::string image;
  bool program_on_host = is_file(program);
  std::string program_name = base_name(program);
  if (!o.disk.empty() && is_file(o.disk)) {
    image = o.disk;  // an existing image, used in place
  } else {
    if (!o.disk.empty() && !is_dir(o.disk)) return fail(o.disk, "no such directory or disk image");
    if (!program_on_host) return check_program(program);
    image = o.keep.empty() ? tmp.path + "/disk.img" : o.keep;
    temporary_disk = o.keep.empty();
    if (!o.keep.empty() && is_file(o.keep)) {
      // A kept disk: boot it again with what the last run left.
    } else {
      long long bytes = tree_bytes(program) + (o.disk.empty() ? 0 : tree_bytes(o.disk));
      if (int r = make_fat_image(image, bytes)) return r;
      if (!o.disk.empty())
        for (const std::string& e : dir_entries(o.disk))
          if (int r = copy_into_image(image, o.disk + "/" + e, e)) return r;
    }
  }
  if (program_on_host) {
    if (int r = copy_into_image(image, program, program_name)) return r;
  } else {
    program_name = program[0] == '/' ? program.substr(1) : program;  // already on the disk
  }
  // QEMU gets the kernel and a temporary disk as open descriptors (/proc/self/fd/N), so the
  // temporary directory is gone before it starts and nothing is left behind even if bareflow is
  // killed.
  int kernel_fd = hold_open(kernel, O_RDONLY);
  int disk_fd = temporary_disk ? hold_open(image, O_RDWR) : -1;
  if (kernel_fd < 0 || (temporary_disk && disk_fd < 0)) return fail(tmp.path, "cannot reopen the boot files");
  kernel = "/proc/self/fd/" + std::to_string(kernel_fd);
  if (temporary_disk) image = "/proc/self/fd/" + std::to_string(disk_fd);
  tmp.remove();
  return run_qemu(o, kernel, image, kernel_command_line(o, program_name));
}

int bf_cmd_image(int argc, char** argv) {
  Options o;
  if (parse(argc, argv, true, &o) || o.output.empty()) {
    std::fprintf(stderr,
                 "usage: bareflow image -o IMAGE [--disk DIR] [--env NAME=VALUE]... -- PROGRAM [ARGS...]\n");
    return 2;
  }
  const std::string& program = o.program[0];
  if (int r = check_program(program)) return r;
  if (!o.disk.empty() && !is_dir(o.disk)) return fail(o.disk, "no such directory");
  TempDir tmp;
  if (tmp.path.empty()) return fail("temporary directory", std::strerror(errno));
  // An ISO 9660 tree with GRUB (BIOS, multiboot2) and the kernel; grub-mkrescue makes it a hybrid
  // image that boots as a hard disk too, and appends the FAT32 partition with the program.
  std::string iso = tmp.path + "/iso";
  std::filesystem::create_directories(iso + "/boot/grub");
  if (int r = write_kernel(iso + "/boot/bareflow-kernel.elf")) return r;
  std::string name = base_name(program);
  std::string cfg = "set timeout=0\nset default=0\nmenuentry \"BareFlow\" {\n  multiboot2 /boot/bareflow-kernel.elf";
  for (const std::string& w : kernel_words(o, name)) cfg += " " + grub_quote(w);
  cfg += "\n  boot\n}\n";
  FILE* f = std::fopen((iso + "/boot/grub/grub.cfg").c_str(), "w");
  if (!f || std::fputs(cfg.c_str(), f) < 0 || std::fclose(f)) return fail(iso, "cannot write grub.cfg");
  std::string fat = tmp.path + "/fat.img";
  long long bytes = tree_bytes(program) + (o.disk.empty() ? 0 : tree_bytes(o.disk));
  if (int r = make_fat_image(fat, bytes)) return r;
  if (!o.disk.empty())
    for (const std::string& e : dir_entries(o.disk))
      if (int r = copy_into_image(fat, o.disk + "/" + e, e)) return r;
  if (int r = copy_into_image(fat, program, name)) return r;
  std::string out;
  int status = run_tool({"grub-mkrescue", "-o", o.output, iso, "-append_partition", "2", "0x0c", fat}, &out);
  if (status) return fail(o.output, "grub-mkrescue failed (grub-pc-bin, xorriso, mtools): " + last_line(out));
  return 0;
}
