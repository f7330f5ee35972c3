// Unikernel figures: kernel image size, QEMU start to the first generated token (stories260K,
// scalar kernels, TCG), and the guest's virtio-blk + FAT32 read rate. Each is printed beside a
// baseline measured in the same run (a hello-world boot; the same read natively).
// Guest timings under TCG are not performance figures of the code itself.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Timing {
  double first_output_s = -1, total_s = 0;
  int status = -1;
  std::string out;
};

// Runs a command; records when its stdout first produces a byte and when it ends.
Timing timed_run(const std::vector<std::string>& args) {
  Timing t;
  int fds[2];
  if (pipe(fds)) return t;
  auto start = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 2);  // the engine's timing line
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> a;
    for (const std::string& s : args) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execvp(a[0], a.data());
    _exit(127);
  }
  close(fds[1]);
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) {
    if (t.first_output_s < 0) t.first_output_s = std::chrono::duration<double>(Clock::now() - start).count();
    t.out.append(buf, n);
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  t.total_s = std::chrono::duration<double>(Clock::now() - start).count();
  t.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return t;
}

double best_of(int n, const std::vector<std::string>& args, bool first_output, std::string* out = nullptr) {
  double best = 1e9;
  for (int i = 0; i < n; i++) {
    Timing t = timed_run(args);
    double v = first_output ? t.first_output_s : t.total_s;
    if (v >= 0 && v < best) best = v;
    if (out) *out = t.out;
  }
  return best;
}

}  // namespace

int main() {
  const std::string bareflow = BF_BAREFLOW, kernel = BF_KERNEL_ELF, shared = BF_SHARED_DIR;
  const std::string llama = BF_LLAMA_STATIC, hello = BF_HELLO, read_rate = BF_READ_RATE;
  const std::string parallel = BF_PARALLEL, output = BF_OUTPUT;

  auto size = std::filesystem::file_size(kernel);
  std::printf("kernel image: %ju bytes (%.1f KB; target 200 KB, %.2f of it)\n", (uintmax_t)size, size / 1024.0,
              size / (200.0 * 1024));

  double hello_s = best_of(3, {bareflow, "boot", "--", hello}, false);
  std::printf("baseline: QEMU start to exit of a static hello: %.3f s\n", hello_s);

  std::string dir = std::filesystem::temp_directory_path() / "bareflow-kernel-bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  if (!access(llama.c_str(), X_OK)) {
    for (const char* f : {"stories260K.bin", "tok512.bin"})
      std::filesystem::copy_file(shared + "/models/" + f, dir + "/" + f);
    // Empty prompt: the first byte on stdout is the first generated token.
    double first = best_of(3, {bareflow, "boot", "--disk", dir, "--env", "BAREFLOW_KERNELS=scalar", "--", llama,
                               "-m", "stories260K.bin", "-z", "tok512.bin", "-p", "", "-n", "40", "--temp", "0"},
                           true);
    std::printf("QEMU start to first generated token (stories260K, scalar, TCG): %.3f s (target 1 s; %.2fx the "
                "hello boot)\n", first, first / hello_s);
  } else {
    std::printf("llama-static not built: first-token time skipped\n");
  }

  std::string data = dir + "/data.bin";
  {
    std::ofstream f(data, std::ios::binary);
    std::vector<char> chunk(1 << 20);
    for (size_t i = 0; i < chunk.size(); i++) chunk[i] = (char)(i * 131);
    for (int i = 0; i < 64; i++) f.write(chunk.data(), chunk.size());
  }
  std::string guest_out, host_out;
  best_of(1, {bareflow, "boot", "--disk", dir, "--", read_rate, "/data.bin"}, false, &guest_out);
  best_of(1, {read_rate, data}, false, &host_out);
  double guest = std::atof(guest_out.substr(guest_out.find(": ") + 2).c_str());
  double host = std::atof(host_out.substr(host_out.find(": ") + 2).c_str());
  std::printf("guest read (virtio-blk + FAT32, 64 MiB, TCG): %.1f MB/s; host page cache: %.1f MB/s; ratio %.3f\n",
              guest, host, host > 0 ? guest / host : 0);
  std::filesystem::remove_all(dir);

  // Two threads of the same work on one virtual CPU and on two (multi-threaded TCG), timed by
  // the guest's clock; beside them the same program natively with one thread and with two, which
  // says how much parallelism the host gives right now (other work on the host takes cores).
  auto work_s = [&](std::vector<std::string> args) {
    double best = 1e9;
    for (int i = 0; i < 3; i++) {
      std::string out;
      best_of(1, args, false, &out);
      if (out.rfind("work ", 0) == 0) best = std::min(best, std::atof(out.c_str() + 5));
    }
    return best;
  };
  double native1 = work_s({parallel, "1"}), native2 = work_s({parallel, "2"});
  double one = work_s({bareflow, "boot", "--smp", "1", "--", parallel, "2"});
  double two = work_s({bareflow, "boot", "--smp", "2", "--", parallel, "2"});
  std::printf("two threads of equal work (best of 3): --smp 1 %.2f s, --smp 2 %.2f s, speedup %.2fx; natively "
              "one thread %.2f s, two %.2f s, the host's parallelism now %.2fx\n",
              one, two, one / two, native1, native2, 2 * native1 / native2);

  // The program's stdout at volume (virtio-serial), against the boot alone.
  double out_s = best_of(2, {bareflow, "boot", "--", output, "32"}, false);
  std::printf("32 MiB of guest stdout: %.2f s with the boot (%.1f MB/s after the hello boot's %.2f s)\n", out_s,
              32 * 1.048576 / (out_s - hello_s), hello_s);
  return 0;
}
