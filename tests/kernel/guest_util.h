// Helpers shared by the guest tests: run a command (bareflow boot, QEMU, host tools) and capture
// its output and status, temporary directories, and `bareflow boot` command lines.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace guest {

inline const std::string kBareflow = BF_BAREFLOW;
inline const std::string kPrograms = BF_GUEST_PROGRAMS;
inline const std::string kShared = BF_SHARED_DIR;

struct Result {
  int status = -1;
  std::string out, err;
};

// Runs a command to completion, capturing stdout and stderr. If `until` is set, kills the command
// (SIGKILL) once its stdout contains that text and `after_ms` more milliseconds have passed.
Result run(const std::vector<std::string>& args, const std::string& until = "", int after_ms = 0,
           pid_t* pid_out = nullptr);

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// `bareflow boot OPTIONS -- PROGRAM...`
std::vector<std::string> boot(std::vector<std::string> options, std::vector<std::string> program);
// How often `what` occurs in `text`.
size_t count(const std::string& text, const std::string& what);

}  // namespace guest
