// The link, with lld's ELF driver as a library in this process: export needs no linker
// installed. lld says after each link whether it can be called again (it cannot after a crash
// it recovered from); if it once said no, later links in this process run it in a forked child.
#include <lld/Common/Driver.h>
#include <llvm/Support/raw_ostream.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "export/steps.h"

LLD_HAS_DRIVER(elf)

namespace bf::exporter {

using namespace llvm;

namespace {

std::atomic<bool> lld_reusable{true};

std::vector<std::string> lld_arguments(const Toolchain& t, const std::string& object, const std::string& output) {
  std::vector<std::string> args = {"ld.lld", "-m", "elf_x86_64", "-static", "-o", output,
                                   "--strip-all",          // the appliance carries no symbols
                                   "--gc-sections",        // nor sections no one references
                                   "-z", "keep-text-section-prefix",  // .text.unlikely stays apart
                                   "-z", "noexecstack", "--build-id=none"};
  args.insert(args.end(), t.start_files.begin(), t.start_files.end());
  args.push_back(object);
  args.push_back("--start-group");
  args.insert(args.end(), t.archives.begin(), t.archives.end());
  args.push_back("--end-group");
  args.insert(args.end(), t.end_files.begin(), t.end_files.end());
  return args;
}

// lld's first error line, without its "ld.lld: error: " prefix.
std::string first_error(const std::string& diagnostics) {
  std::string line = diagnostics.substr(0, diagnostics.find('\n'));
  const std::string prefix = "ld.lld: error: ";
  if (line.rfind(prefix, 0) == 0) line = line.substr(prefix.size());
  return line.empty() ? "lld failed without saying why" : line;
}

int run_lld(const std::vector<const char*>& argv, std::string& diagnostics) {
  raw_string_ostream out(diagnostics), err(diagnostics);
  lld::Result r = lld::lldMain(argv, out, err, {{lld::Gnu, &lld::elf::link}});
  if (!r.canRunAgain) lld_reusable = false;
  return r.retCode;
}

// The same in a child process, its diagnostics through a pipe.
int run_lld_in_child(const std::vector<const char*>& argv, std::string& diagnostics) {
  int pipe_fds[2];
  if (pipe(pipe_fds)) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(pipe_fds[0]);
    std::string text;
    int rc = run_lld(argv, text);
    (void)!write(pipe_fds[1], text.data(), text.size());
    _exit(rc == 0 ? 0 : 1);
  }
  close(pipe_fds[1]);
  char buffer[4096];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;) diagnostics.append(buffer, n);
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

bool link_executable(const Toolchain& toolchain, const std::string& object_path, const std::string& output_path,
                     std::string& error) {
  const std::vector<std::string> args = lld_arguments(toolchain, object_path, output_path);
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::string diagnostics;
  int rc = lld_reusable ? run_lld(argv, diagnostics) : run_lld_in_child(argv, diagnostics);
  if (rc != 0) {
    error = "link: " + first_error(diagnostics);
    return false;
  }
  return true;
}

}  // namespace bf::exporter

