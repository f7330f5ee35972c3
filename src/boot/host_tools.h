// What `bareflow boot` and `bareflow image` do on the host: run helper tools (mtools,
// grub-mkrescue), make FAT32 images, and keep temporary files from outliving the command.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace bf::boot {

constexpr int kExitBootFailed = 125;  // also the kernel's status for its own failures

// Prints "bareflow: WHAT: PROBLEM" on stderr and returns kExitBootFailed.
int fail(const std::string& what, const std::string& problem);

bool is_dir(const std::string& p);
bool is_file(const std::string& p);
std::string base_name(const std::string& p);
std::vector<std::string> dir_entries(const std::string& dir);
long long tree_bytes(const std::string& p);

// A temporary directory (under $TMPDIR, else /tmp), removed on every way out: its destructor on
// returns, and a handler on SIGINT, SIGTERM, SIGHUP and SIGQUIT, which first kills the tool
// being run, removes the directory (and a partial output, see remove_on_signal) and then dies of
// the signal as it would have.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  void remove();

 private:
  std::string path_;
};
// A file being written that a signal should remove too (nullptr-like "" to forget it).
void remove_on_signal(const std::string& path);
// The child (a tool or QEMU) that a signal should kill first; 0 when none runs.
void set_running_child(pid_t pid);

// Runs a helper tool quietly with extra environment variables; its exit status (-1 if it could not
// start), its output in *output.
int run_tool(const std::vector<std::string>& args, std::string* output = nullptr,
             const std::vector<std::string>& env = {});
std::string last_line(const std::string& s);

// A FAT32 image of at least `bytes` of content plus `margin_mib`, and `min_mib` MiB at least
// (mformat; no mounting). FAT32 needs 65525 clusters: 34 MiB at one sector per cluster.
int make_fat_image(const std::string& image, long long bytes, long long min_mib = 64, long long margin_mib = 32);
int copy_into_image(const std::string& image, const std::string& src, const std::string& dst);

}  // namespace bf::boot
