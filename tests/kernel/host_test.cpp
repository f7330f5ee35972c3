// Tests of what users of `bareflow boot` and `bareflow image` meet on the host: the output
// channel at volume, refusals before anything is booted or written, --strace, --help, temporary
// files on every way out (signals included), and the documented plain-QEMU command.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "guest_util.h"

namespace {

using namespace guest;

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.push_back(e->d_name);
    closedir(d);
  }
  return out;
}

std::string sh_quote(const std::string& s) { return "'" + s + "'"; }

// 8 MiB to stdout and 1 MiB to stderr, read by a reader that starts a second late: every byte
// arrives, in order (QEMU must hold the guest back rather than drop what the pipe cannot take).
TEST(Host, OutputArrivesWholeFromASlowReader) {
  std::string out = kPrograms + "/output";
  Result expect = run({"sh", "-c", sh_quote(out) + " 8 | md5sum; " + sh_quote(out) + " 1 2 2>&1 >/dev/null | md5sum"});
  Result got = run({"sh", "-c", sh_quote(kBareflow) + " boot -- " + sh_quote(out) + " 8 | (sleep 1; md5sum); " +
                                    sh_quote(kBareflow) + " boot -- " + sh_quote(out) + " 1 2 2>&1 >/dev/null | (sleep 1; md5sum)"});
  EXPECT_EQ(got.status, 0) << got.err;
  EXPECT_EQ(got.out, expect.out);
}

TEST(Host, StdoutAndStderrUseTheVirtioSerialPorts) {
  Result r = run(boot({"--verbose"}, {kPrograms + "/hello"}));
  EXPECT_EQ(r.status, 7);
  EXPECT_NE(r.err.find("virtio-serial: io "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("stdout on port 1, stderr on port 2"), std::string::npos) << r.err;
}

TEST(Host, ImageRefusesADynamicProgram) {
  TempDir tmp;
  std::string image = tmp.path() + "/x.img";
  Result r = run({kBareflow, "image", "-o", image, "--", kPrograms + "/hello-dynamic"});
  EXPECT_EQ(r.status, 126);
  EXPECT_NE(r.err.find("hello-dynamic: dynamically linked (interpreter /lib64/ld-linux-x86-64.so.2); the unikernel "
                       "runs static executables only"),
            std::string::npos)
      << r.err;
  EXPECT_NE(access(image.c_str(), F_OK), 0) << "an image was written";
}

TEST(Host, TooLongACommandLineIsRefused) {
  std::string word(5000, 'x');
  for (const char* cmd : {"boot", "image"}) {
    TempDir tmp;
    std::vector<std::string> args = {kBareflow, cmd};
    if (std::string(cmd) == "image") args.insert(args.end(), {"-o", tmp.path() + "/x.img"});
    args.insert(args.end(), {"--", kPrograms + "/hello", word});
    Result r = run(args);
    EXPECT_EQ(r.status, 125) << cmd;
    EXPECT_NE(r.err.find("bareflow: the kernel command line: 5"), std::string::npos) << cmd << ": " << r.err;
    EXPECT_NE(r.err.find("more than the 4000 that reach the kernel (the longest word, 5000 bytes"), std::string::npos)
        << r.err;
    EXPECT_TRUE(list_dir(tmp.path()).empty()) << cmd;
  }
}

// --strace alone shows each call by name on stderr (the log itself needs --verbose).
TEST(Host, StraceWithoutVerbose) {
  Result r = run(boot({"--strace"}, {kPrograms + "/bad_syscall"}));
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("syscall 1 write(1, "), std::string::npos) << r.err;
  EXPECT_EQ(count(r.err, "syscall 41 socket(2, 1, 0, "), 2u) << r.err;
  EXPECT_EQ(r.err.find("BareFlow kernel:"), std::string::npos) << "the rest of the log: " << r.err;
}

TEST(Host, HelpForBothCommands) {
  Result b = run({kBareflow, "boot", "--help"});
  EXPECT_EQ(b.status, 0);
  EXPECT_EQ(b.out.rfind("usage: bareflow boot [OPTIONS] -- PROGRAM [ARGS...]\n", 0), 0u) << b.out;
  EXPECT_NE(b.out.find("--strace"), std::string::npos);
  Result i = run({kBareflow, "image", "--help"});
  EXPECT_EQ(i.status, 0);
  EXPECT_EQ(i.out.rfind("usage: bareflow image -o IMAGE", 0), 0u) << i.out;
}

// Runs bareflow with TMPDIR set to `tmpdir`; once something appears there, waits `ms` and sends
// `sig`. Returns the wait status.
int interrupt_when_busy(const std::vector<std::string>& args, const std::string& tmpdir, int sig, int ms) {
  pid_t pid = fork();
  if (pid == 0) {
    setenv("TMPDIR", tmpdir.c_str(), 1);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1), dup2(devnull, 2);
    std::vector<char*> a;
    for (const std::string& s : args) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execv(a[0], a.data());
    _exit(127);
  }
  for (int i = 0; i < 2000 && list_dir(tmpdir).empty(); i++) usleep(5000);
  usleep(ms * 1000);
  kill(pid, sig);
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

// A directory big enough that copying it onto the FAT disk takes a while.
std::string big_disk_dir(const TempDir& tmp) {
  std::string dir = tmp.path() + "/big";
  mkdir(dir.c_str(), 0755);
  std::ofstream f(dir + "/blob.bin", std::ios::binary);
  std::string mb(1 << 20, '\x5a');
  for (int i = 0; i < 200; i++) f << mb;
  return dir;
}

TEST(Host, SignalsLeaveNoTemporaryFiles) {
  TempDir tmp;
  std::string dir = big_disk_dir(tmp), tmpdir = tmp.path() + "/tmp";
  mkdir(tmpdir.c_str(), 0755);
  std::string image = tmp.path() + "/x.img";
  int s = interrupt_when_busy({kBareflow, "image", "-o", image, "--disk", dir, "--", kPrograms + "/hello"}, tmpdir,
                              SIGTERM, 200);
  EXPECT_TRUE(WIFSIGNALED(s) && WTERMSIG(s) == SIGTERM) << s;
  EXPECT_TRUE(list_dir(tmpdir).empty()) << "left: " << list_dir(tmpdir)[0];
  EXPECT_NE(access(image.c_str(), F_OK), 0) << "a partial image was left";
  s = interrupt_when_busy({kBareflow, "boot", "--disk", dir, "--", kPrograms + "/hello"}, tmpdir, SIGINT, 200);
  EXPECT_TRUE(WIFSIGNALED(s) && WTERMSIG(s) == SIGINT) << s;
  EXPECT_TRUE(list_dir(tmpdir).empty()) << "left: " << list_dir(tmpdir)[0];
}

TEST(Host, FailuresAndReturnsLeaveNoTemporaryFiles) {
  TempDir tmp;
  std::string tmpdir = tmp.path() + "/tmp";
  mkdir(tmpdir.c_str(), 0755);
  Result r = run({"env", "TMPDIR=" + tmpdir, kBareflow, "image", "-o", tmp.path() + "/no/such/dir/x.img", "--",
                  kPrograms + "/hello"});
  EXPECT_EQ(r.status, 125) << r.err;
  EXPECT_NE(r.err.find("grub-mkrescue failed"), std::string::npos) << r.err;
  std::string files = tmp.path() + "/files";
  mkdir(files.c_str(), 0755);
  std::ofstream(files + "/a.txt") << "a";
  r = run({"env", "TMPDIR=" + tmpdir, kBareflow, "boot", "--disk", files, "--", kPrograms + "/hello"});
  EXPECT_EQ(r.status, 7) << r.err;
  EXPECT_TRUE(list_dir(tmpdir).empty()) << "left: " << list_dir(tmpdir)[0];
}

// The plain-QEMU command of docs/unikernel.md, word for word: headless, it ends by itself, and the
// program's stdout and stderr arrive on QEMU's.
TEST(Host, DocumentedPlainQemuCommandRunsHeadless) {
  if (std::string(BF_GRUB_MKRESCUE).empty()) GTEST_SKIP() << "grub-mkrescue not installed";
  std::ifstream doc(BF_UNIKERNEL_DOC);
  std::string line, command;
  while (std::getline(doc, line)) {
    if (command.empty() && line.rfind("qemu-system-x86_64 ", 0) != 0) continue;
    bool more = !line.empty() && line.back() == '\\';
    command += more ? line.substr(0, line.size() - 1) : line;
    if (!more) break;
  }
  ASSERT_FALSE(command.empty()) << "no qemu-system-x86_64 command in the doc";
  TempDir tmp;
  std::string image = tmp.path() + "/hello.img";
  ASSERT_EQ(run({kBareflow, "image", "-o", image, "--", kPrograms + "/hello", "x"}).status, 0);
  std::vector<std::string> args;
  std::istringstream words(command);
  for (std::string w; words >> w;) {
    size_t at = w.find("IMAGE");
    if (at != std::string::npos) w.replace(at, 5, image);
    args.push_back(w);
  }
  args[0] = BF_QEMU;
  Result r = run(args);
  EXPECT_EQ(r.status, (7 << 1) | 1) << command << "\n" << r.err;  // isa-debug-exit: (status << 1) | 1
  EXPECT_EQ(r.out, "hello from /hello, 2 args\narg 1: x\n");
  EXPECT_EQ(r.err, "hello on stderr\n");
}

}  // namespace
