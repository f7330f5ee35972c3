#include "guest_util.h"

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

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
    if (!until.empty() && !killed && (r.out.find(until) != std::string::npos || r.err.find(until) != std::string::npos)) {
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

std::string disk_dir(const TempDir& tmp, const std::vector<std::string>& files) {
  std::string dir = tmp.path() + "/models";
  mkdir(dir.c_str(), 0755);
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    EXPECT_TRUE(in) << f;
    std::ofstream(dir + "/" + f.substr(f.rfind('/') + 1), std::ios::binary) << in.rdbuf();
  }
  return dir;
}

std::string read_from_image(const std::string& image, const std::string& path) {
  Result r = run({"mcopy", "-n", "-i", image, "::" + path, "-"});
  EXPECT_EQ(r.status, 0) << r.err;
  return r.out;
}

void expect_fsck_clean(const std::string& image) {
  Result r = run({BF_FSCK_FAT, "-n", image});
  EXPECT_EQ(r.status, 0) << "fsck.fat -n " << image << ":\n" << r.out << r.err;
}

void wait_for_qemu_exit(const std::string& image) {
  for (int tries = 0; tries < 200; tries++) {
    bool busy = false;
    if (DIR* d = opendir("/proc")) {
      while (dirent* e = readdir(d)) {
        std::ifstream f(std::string("/proc/") + e->d_name + "/cmdline");
        std::stringstream ss;
        ss << f.rdbuf();
        if (ss.str().find(image) != std::string::npos && ss.str().find("qemu") != std::string::npos) busy = true;
      }
      closedir(d);
    }
    if (!busy) return;
    usleep(50 * 1000);
  }
}

std::vector<int> json_ints(const std::string& text, const std::string& name, size_t from) {
  std::vector<int> v;
  size_t at = text.find("\"" + name + "\"", from);
  if (at == std::string::npos) return v;
  at = text.find('[', at);
  size_t end = text.find(']', at);
  std::string body = text.substr(at + 1, end - at - 1);
  for (size_t i = 0; i < body.size();) {
    if (isdigit((unsigned char)body[i]) || body[i] == '-') {
      char* e;
      v.push_back((int)std::strtol(body.c_str() + i, &e, 10));
      i = e - body.c_str();
    } else {
      i++;
    }
  }
  return v;
}

bool reference_entry(const std::string& model, const std::string& prompt, std::vector<int>* prompt_tokens,
                     std::vector<int>* generated) {
  std::ifstream f(kShared + "/testdata/reference_greedy.json");
  std::stringstream ss;
  ss << f.rdbuf();
  std::string json = ss.str();
  for (size_t at = json.find("\"model\""); at != std::string::npos; at = json.find("\"model\"", at + 1)) {
    size_t end = json.find('}', at);
    std::string entry = json.substr(at, end - at);
    if (entry.find("\"model\": \"" + model + "\"") == std::string::npos ||
        entry.find("\"prompt\": \"" + prompt + "\"") == std::string::npos)
      continue;
    *prompt_tokens = json_ints(entry, "prompt_tokens");
    *generated = json_ints(entry, "generated_tokens");
    return true;
  }
  return false;
}

}  // namespace guest
