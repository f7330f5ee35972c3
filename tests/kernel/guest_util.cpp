#include "guest_util.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

namespace guest {

Result run(const std::vector<std::string>& args, const std::string& until, int after_ms, pid_t* pid_out) {
  int out[2], err[2];
  Result r;
  if (pipe(out) || pipe(err)) return r;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    close(out[0]), close(err[0]), close(out[1]), close(err[1]);
    std::vector<char*> a;
    for (const std::string& s : args) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execvp(a[0], a.data());
    _exit(127);
  }
  if (pid_out) *pid_out = pid;
  close(out[1]), close(err[1]);
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_count = 2;
  bool killed = false;
  char buf[4096];
  while (open_count) {
    if (poll(fds, 2, -1) < 0) break;
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        open_count--;
        continue;
      }
      (i == 0 ? r.out : r.err).append(buf, n);
    }
    if (!until.empty() && !killed && r.out.find(until) != std::string::npos) {
      usleep(after_ms * 1000);
      kill(pid, SIGKILL);
      killed = true;
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/bareflow-guest-test.XXXXXX";
  path_ = mkdtemp(tmpl);
}

TempDir::~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }

std::vector<std::string> boot(std::vector<std::string> options, std::vector<std::string> program) {
  std::vector<std::string> args = {kBareflow, "boot"};
  args.insert(args.end(), options.begin(), options.end());
  args.push_back("--");
  args.insert(args.end(), program.begin(), program.end());
  return args;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) n++;
  return n;
}


}  // namespace guest
