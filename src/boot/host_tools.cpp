#include "boot/host_tools.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace bf::boot {

namespace {

// What the signal handler cleans up: fixed buffers, as it may only make async-signal-safe calls.
char g_temp_dir[4096];
char g_partial_output[4096];
volatile pid_t g_child = 0;

void remove_tree(const char* path) {
  if (!path[0]) return;
  pid_t p = fork();  // fork and exec are async-signal-safe; std::filesystem is not
  if (p == 0) {
    execlp("rm", "rm", "-rf", "--", path, (char*)nullptr);
    _exit(127);
  }
  if (p > 0) waitpid(p, nullptr, 0);
}

void on_signal(int sig) {
  if (g_child > 0) {
    kill(g_child, SIGKILL);
    waitpid(g_child, nullptr, 0);
  }
  remove_tree(g_temp_dir);
  remove_tree(g_partial_output);
  signal(sig, SIG_DFL);
  raise(sig);
}

void install_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaction(sig, &sa, nullptr);
}

void copy_path(char* dst, const std::string& src) {
  size_t n = std::min(src.size(), (size_t)4095);
  std::memcpy(dst, src.data(), n);
  dst[n] = 0;
}

// Changes what the handler sees with the signals blocked, so it never reads half a path.
template <class Fn> void with_signals_blocked(Fn fn) {
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);
  fn();
  sigprocmask(SIG_SETMASK, &old, nullptr);
}

}  // namespace

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

TempDir::TempDir() {
  const char* t = std::getenv("TMPDIR");
  std::string tmpl = std::string(t && *t ? t : "/tmp") + "/bareflow-boot.XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back(0);
  install_handlers();
  with_signals_blocked([&] {
    if (mkdtemp(buf.data())) path_ = buf.data();
    copy_path(g_temp_dir, path_);
  });
}

TempDir::~TempDir() { remove(); }

void TempDir::remove() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  with_signals_blocked([] { g_temp_dir[0] = 0; });
  path_.clear();
}

void remove_on_signal(const std::string& path) {
  with_signals_blocked([&] { copy_path(g_partial_output, path); });
}

void set_running_child(pid_t pid) { g_child = pid; }

int run_tool(const std::vector<std::string>& args, std::string* output, const std::vector<std::string>& env) {
  int pipefd[2];
  if (pipe(pipefd)) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    dup2(pipefd[1], 1);
    dup2(pipefd[1], 2);
    close(pipefd[0]);
    setenv("MTOOLS_SKIP_CHECK", "1", 1);
    for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> a;
    for (const std::string& s : args) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execvp(a[0], a.data());
    _exit(127);
  }
  set_running_child(pid);
  close(pipefd[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.append(buf, n);
  }
  close(pipefd[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  set_running_child(0);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string last_line(const std::string& s) {
  std::string t = s;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  size_t p = t.find_last_of('\n');
  return p == std::string::npos ? t : t.substr(p + 1);
}

int make_fat_image(const std::string& image, long long bytes, long long min_mib, long long margin_mib) {
  long long mib = std::max(min_mib, (bytes * 5 / 4 >> 20) + margin_mib);
  long long sectors = mib * 2048;
  int fd = open(image.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || ftruncate(fd, sectors * 512)) return fail(image, std::strerror(errno));
  close(fd);
  std::string out;
  if (run_tool({"mformat", "-i", image, "-T", std::to_string(sectors), "-F", "-v", "BAREFLOW", "::"}, &out))
    return fail(image, "mformat failed: " + last_line(out));
  return 0;
}

int copy_into_image(const std::string& image, const std::string& src, const std::string& dst) {
  std::string out;
  if (run_tool({"mcopy", "-s", "-o", "-i", image, src, "::/" + dst}, &out))
    return fail(src, "cannot copy into the disk image: " + last_line(out));
  return 0;
}

}  // namespace bf::boot
