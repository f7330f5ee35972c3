// The child's output is copied to ours as it comes; a window of its end is kept to find tok/s.
#include "lifecycle/observe.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <string>

namespace bf::lifecycle {

namespace {

bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= size_t(w);
  }
  return true;
}

std::optional<double> last_tok_s(const std::string& text) {
  static const std::regex kTokS(R"(([0-9]+(\.[0-9]+)?) tok/s)");
  std::optional<double> found;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kTokS); it != std::sregex_iterator(); ++it)
    found = std::strtod((*it)[1].str().c_str(), nullptr);
  return found;
}

}  // namespace

bool observe(const std::function<void()>& child, std::chrono::steady_clock::time_point start, Observed& out,
             std::string& error) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    error = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  if (pid == 0) {
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    child();
    _exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string tail;  // the last bytes of both streams, for tok/s
  int open = 2;
  char buf[65536];
  while (open > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        open--;
        continue;
      }
      if (i == 0 && !out.first_output_s)
        out.first_output_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      write_all(i == 0 ? 1 : 2, buf, size_t(n));
      tail.append(buf, size_t(n));
      if (tail.size() > 8192) tail.erase(0, tail.size() - 8192);
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  out.end_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  out.tok_s = last_tok_s(tail);
  return true;
}

}  // namespace bf::lifecycle
