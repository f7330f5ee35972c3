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
// (SIGKILL) once its stdout or stderr contains that text and `after_ms` more milliseconds have passed.
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

// TMP/models with copies of `files` (by their base names), for --disk; a missing file is a test failure.
std::string disk_dir(const TempDir& tmp, const std::vector<std::string>& files);
// A file of a FAT image, read by mtools (a failed read is a test failure).
std::string read_from_image(const std::string& image, const std::string& path);
// fsck.fat -n finds nothing to repair.
void expect_fsck_clean(const std::string& image);
// QEMU outlives a killed bareflow for a moment (it dies of PR_SET_PDEATHSIG): wait until no
// process has the image open, so the next boot can lock it.
void wait_for_qemu_exit(const std::string& image);
// Reads an integer array field ("name": [1, 2, ...]) from JSON text starting at `from`.
std::vector<int> json_ints(const std::string& text, const std::string& name, size_t from = 0);
// The reference_greedy.json entry (llama2.c run.c / runq.c) for a model and prompt.
bool reference_entry(const std::string& model, const std::string& prompt, std::vector<int>* prompt_tokens,
                     std::vector<int>* generated);

}  // namespace guest
