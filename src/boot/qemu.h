// Booting the unikernel under QEMU (TCG) and forwarding what the guest writes.
#pragma once
#include <string>

namespace bf::boot {

struct QemuRun {
  std::string kernel, image, command_line;  // no kernel: the image boots through its GRUB
  long long mem_mib = 2048;
  int cpus = 1;
  bool verbose = false;  // copy the kernel log to stderr as it comes
  bool strace = false;   // copy the log's system-call lines to stderr
};

// Boots QEMU and forwards the guest's stdout, stderr and log; returns the program's exit status
// (from the log's "bareflow-exit: N" record), or kExitBootFailed with a message.
int run_qemu(const QemuRun& run);

}  // namespace bf::boot
