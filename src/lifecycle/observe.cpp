// The program's output is copied to ours as it comes; a window of its end is kept to find tok/s.
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

// The last bytes of both streams, for tok/s.
void keep_tail(std::string& tail, const char* buf, size_t n) {
  tail.append(buf, n);
  if (tail.size() > 8192) tail.erase(0, tail.size() - 8192);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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
  std::string tail;
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
      if (i == 0 && !out.first_output_s) out.first_output_s = seconds_since(start);
      write_all(i == 0 ? 1 : 2, buf, size_t(n));
      keep_tail(tail, buf, size_t(n));
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  out.end_s = seconds_since(start);
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  out.tok_s = last_tok_s(tail);
  return true;
}

bool InProcessObserver::begin(std::chrono::steady_clock::time_point start, std::string& error) {
  start_ = start;
  fflush(nullptr);
  for (int fd : {1, 2}) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0 || (saved_[fd - 1] = ::fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0 ||
        ::dup2(p[1], fd) < 0) {
      error = std::string("pipe: ") + std::strerror(errno);
      return false;
    }
    ::close(p[1]);
    threads_[fd - 1] = std::thread([this, from = p[0], fd] { pump(from, saved_[fd - 1], fd == 1); });
  }
  return true;
}

void InProcessObserver::pump(int from, int to, bool is_stdout) {
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(from, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (is_stdout && !first_output_s_) first_output_s_ = seconds_since(start_);
      keep_tail(tail_, buf, size_t(n));
    }
    write_all(to, buf, size_t(n));
  }
  ::close(from);
}

void InProcessObserver::end(int status, Observed& out) {
  fflush(nullptr);  // exit's own flush comes after the exit handlers
  out.end_s = seconds_since(start_);
  for (int fd : {1, 2}) {
    if (saved_[fd - 1] < 0) continue;
    ::dup2(saved_[fd - 1], fd);  // closes the pipe's last writer: the thread reads its end
    if (threads_[fd - 1].joinable()) threads_[fd - 1].join();
    ::close(saved_[fd - 1]);
    saved_[fd - 1] = -1;
  }
  out.status = status;
  out.first_output_s = first_output_s_;
  out.tok_s = last_tok_s(tail_);
}

}  // namespace bf::lifecycle
