// Guest tests: static Linux programs booted in the unikernel by `bareflow boot` under QEMU TCG.
// They check what the program prints, its exit status, and what it leaves on the FAT disk (read
// back by a second boot, by mtools on the host, and checked by fsck.fat -n).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "guest_util.h"

namespace {

using namespace guest;

unsigned char pattern(unsigned i, unsigned seed) { return (unsigned char)((i * 2654435761u + seed * 40503u) >> 13); }

TEST(Guest, GlibcHello) {
  Result r = run(boot({}, {kPrograms + "/hello", "two words", "x\"y"}));
  EXPECT_EQ(r.status, 7) << r.err;
  EXPECT_EQ(r.out, "hello from /hello, 3 args\narg 1: two words\narg 2: x\"y\n");
  EXPECT_EQ(r.err, "hello on stderr\n");
}

TEST(Guest, MuslHello) {
  std::string musl = kPrograms + "/hello-musl";
  if (access(musl.c_str(), X_OK)) GTEST_SKIP() << "musl-gcc not installed";
  Result r = run(boot({}, {musl, "a"}));
  EXPECT_EQ(r.status, 7) << r.err;
  EXPECT_EQ(r.out, "hello from /hello-musl, 2 args\narg 1: a\n");
  EXPECT_EQ(r.err, "hello on stderr\n");
}

TEST(Guest, StaticPieHello) {
  Result r = run(boot({}, {kPrograms + "/hello-pie", "pie"}));
  EXPECT_EQ(r.status, 7) << r.err;
  EXPECT_EQ(r.out, "hello from /hello-pie, 2 args\narg 1: pie\n");
}

TEST(Guest, AvxStateSurvivesSystemCalls) {
  Result r = run(boot({}, {kPrograms + "/avx_state"}));
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "pid 1, ymm0-15 preserved\n");
}

// Two threads preempted on one CPU with all of zmm0-31 and k1-k7 live. QEMU's TCG (7.2) has no
// AVX-512, so this skips there; on a CPU that has it the kernel must enable and switch its state.
TEST(Guest, Avx512StateSurvivesPreemption) {
  Result r = run(boot({}, {kPrograms + "/zmm_state"}));
  if (r.status == 77) GTEST_SKIP() << "the guest CPU (QEMU -cpu max) has no AVX-512: " << r.out;
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "zmm0-31 and k1-k7 preserved, preserved across 6 turns\n");
}

TEST(Guest, MallocThroughBrkMmapAndMremap) {
  Result r = run(boot({"--mem", "512M"}, {kPrograms + "/alloc"}));
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "alloc ok\n");
}

TEST(Guest, BadMemorySizeIsRefused) {
  Result r = run({kBareflow, "boot", "--mem", "lots", "--", kPrograms + "/hello"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--mem lots: expected a size"), std::string::npos) << r.err;
}

TEST(Guest, ProgramEnvironmentAndDiskDirectory) {
  TempDir tmp;
  std::string dir = tmp.path() + "/files";
  mkdir(dir.c_str(), 0755);
  std::ofstream(dir + "/a file.txt") << "content";
  Result r = run(boot({"--disk", dir}, {kPrograms + "/hello", "x"}));
  EXPECT_EQ(r.status, 7) << r.err;
}

TEST(Guest, FilesPersistAcrossBoots) {
  TempDir tmp;
  std::string image = tmp.path() + "/disk.img";
  std::string files = kPrograms + "/files";
  Result w = run(boot({"--keep", image}, {files, "write"}));
  ASSERT_EQ(w.status, 0) << w.out << w.err;
  EXPECT_EQ(w.out, "write ok\n");
  expect_fsck_clean(image);

  // What the guest wrote, read by mtools on the host.
  std::string big = read_from_image(image, "/data long dir/first file with a long name.bin");
  ASSERT_EQ(big.size(), 100000u);
  for (unsigned i = 0; i < big.size(); i++) ASSERT_EQ((unsigned char)big[i], pattern(i, 1)) << "byte " << i;
  std::string over = read_from_image(image, "/overwrite.bin");
  ASSERT_EQ(over.size(), 40000u);
  for (unsigned i = 0; i < over.size(); i++)
    ASSERT_EQ((unsigned char)over[i], pattern(i, i >= 1000 && i < 3000 ? 3 : 2)) << "byte " << i;
  EXPECT_EQ(read_from_image(image, "/SHORT.TXT"), "hello fat\n");
  EXPECT_EQ(read_from_image(image, "/many/file number 39.txt"), "file 39\n");

  // A second boot of the same disk reads it all back.
  Result c = run(boot({"--keep", image}, {files, "check"}));
  EXPECT_EQ(c.status, 0) << c.out << c.err;
  EXPECT_EQ(c.out, "check ok: 40 files in /many\n");
  expect_fsck_clean(image);
}

TEST(Guest, ClosedFilesSurviveQemuKilledMidWrite) {
  TempDir tmp;
  std::string image = tmp.path() + "/disk.img";
  std::string files = kPrograms + "/files";
  Result w = run(boot({"--keep", image}, {files, "forever"}), "closed\n", 300);
  EXPECT_EQ(w.out, "closed\n");
  wait_for_qemu_exit(image);
  expect_fsck_clean(image);
  std::string closed = read_from_image(image, "/closed.bin");
  ASSERT_EQ(closed.size(), 20000u);
  for (unsigned i = 0; i < closed.size(); i++) ASSERT_EQ((unsigned char)closed[i], pattern(i, 4));
  Result c = run(boot({"--keep", image}, {files, "check-closed"}));
  EXPECT_EQ(c.status, 0) << c.out << c.err;
  EXPECT_EQ(c.out, "closed ok\n");
  expect_fsck_clean(image);
}

// Two files grow together (their clusters interleave); one is closed, then QEMU is killed while
// the other is still written: the closed one is intact and the other's clusters are still free.
TEST(Guest, KilledWhileAnotherFileIsOpenLeavesNoLostClusters) {
  TempDir tmp;
  std::string image = tmp.path() + "/disk.img";
  Result w = run(boot({"--keep", image}, {kPrograms + "/files", "two"}), "closed\n", 300);
  EXPECT_EQ(w.out, "closed\n");
  wait_for_qemu_exit(image);
  expect_fsck_clean(image);
  std::string a = read_from_image(image, "/two-a.bin");
  ASSERT_EQ(a.size(), 20u * 4096);
  for (unsigned i = 0; i < a.size(); i++) ASSERT_EQ((unsigned char)a[i], pattern(i, 7)) << "byte " << i;
  EXPECT_EQ(read_from_image(image, "/two-b.bin"), "");
}

TEST(Guest, FullDiskGivesEnospcAndStaysConsistent) {
  TempDir tmp;
  std::string image = tmp.path() + "/disk.img";
  Result r = run(boot({"--keep", image}, {kPrograms + "/files", "fill"}));
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("disk full after ", 0), 0u) << r.out;
  long long total = std::atoll(r.out.c_str() + 16);
  EXPECT_GT(total, 32LL << 20);
  expect_fsck_clean(image);
  std::string fill = read_from_image(image, "/fill.bin");
  ASSERT_EQ((long long)fill.size(), total);
  for (size_t i = 0; i < fill.size(); i += 4093) ASSERT_EQ((unsigned char)fill[i], pattern((unsigned)i, 5)) << i;
}

TEST(Guest, NullDereferenceIsReported) {
  Result r = run(boot({}, {kPrograms + "/null_deref"}));
  EXPECT_EQ(r.status, 139);
  EXPECT_EQ(r.out, "about to fault\n");
  EXPECT_NE(r.err.find("program fault: page fault"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("NULL pointer"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("rip="), std::string::npos) << r.err;
}

TEST(Guest, UnknownSystemCallReturnsEnosys) {
  Result r = run(boot({}, {kPrograms + "/bad_syscall"}));
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_EQ(r.out, "syscall 999 = -1, errno ENOSYS\nsocket = -1, -1, errno ENOSYS\n"
                   "write from a bad pointer = -1, errno EFAULT\n");
  EXPECT_EQ(count(r.err, "system call 999 is not implemented"), 1u) << r.err;
  EXPECT_EQ(count(r.err, "system call 41 (socket) is not implemented"), 1u) << r.err;
}

// Device files, /proc/meminfo, /proc/self/exe, utimensat, fallocate, pipes, getgroups, links,
// prctl: all answered, none reported as not implemented.
TEST(Guest, SmallLinuxDetails) {
  Result r = run(boot({}, {kPrograms + "/gaps"}));
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "gaps ok, cpus 1 1\n");
  EXPECT_EQ(r.err, "");
}

// Owners and modes read as a careful program created them, chmod keeps the read-only attribute on
// the disk (a second boot sees it), record locks exclude a second open; nothing is reported as
// not implemented.
TEST(Guest, OwnersModesAndRecordLocks) {
  TempDir tmp;
  std::string image = tmp.path() + "/disk.img";
  Result r = run(boot({"--keep", image}, {kPrograms + "/owners"}));
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "owners ok\n");
  EXPECT_EQ(r.err, "");
  expect_fsck_clean(image);
  Result attrib = run({"mattrib", "-i", image, "::/owned/kept"});
  EXPECT_NE(attrib.out.find("R"), std::string::npos) << attrib.out << attrib.err;  // the read-only attribute
  Result kept = run(boot({"--keep", image}, {kPrograms + "/owners", "check-kept"}));
  EXPECT_EQ(kept.status, 0) << kept.out << kept.err;
  EXPECT_EQ(kept.out, "kept ok\n");
}

TEST(Guest, ReadOfAPipeNoThreadCanFillIsReported) {
  Result r = run(boot({}, {kPrograms + "/gaps", "pipe-deadlock"}));
  EXPECT_EQ(r.status, 134) << r.out << r.err;
  EXPECT_EQ(r.out, "reading\n");
  EXPECT_NE(r.err.find("thread 1 waits to read from pipe 0"), std::string::npos) << r.err;
}

TEST(Guest, StraceLogsEachCallByName) {
  Result r = run(boot({"--strace", "--verbose"}, {kPrograms + "/bad_syscall"}));
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("syscall 999("), std::string::npos) << r.err;  // Linux has no call 999
  EXPECT_EQ(count(r.err, "syscall 41 socket(2, 1, 0, "), 2u) << r.err;
  EXPECT_NE(r.err.find("syscall 1 write(1, "), std::string::npos) << r.err;
}

TEST(Guest, DynamicExecutableIsRefused) {
  Result r = run(boot({}, {kPrograms + "/hello-dynamic"}));
  EXPECT_EQ(r.status, 126);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("/hello-dynamic: dynamically linked"), std::string::npos) << r.err;
}

TEST(Guest, NonElfIsRefused) {
  TempDir tmp;
  std::string script = tmp.path() + "/script.sh";
  std::ofstream(script) << "#!/bin/sh\necho hi\n";
  Result r = run(boot({}, {script}));
  EXPECT_EQ(r.status, 126);
  EXPECT_NE(r.err.find("/script.sh: not an ELF executable"), std::string::npos) << r.err;
}

TEST(Guest, ProgramTooBigForMemoryIsRefused) {
  TempDir tmp;
  // A static program whose .bss alone is larger than the guest's memory.
  std::string src = tmp.path() + "/big.c", exe = tmp.path() + "/big";
  std::ofstream(src) << "static char big[96 << 20];\nint main(int argc, char** argv) { big[argc << 20] = 1; return big[12345 * argc]; }\n";
  Result cc = run({"clang-19", "-static", "-O1", src, "-o", exe});
  ASSERT_EQ(cc.status, 0) << cc.err;
  Result r = run(boot({"--mem", "64M"}, {exe}));
  EXPECT_EQ(r.status, 126);
  EXPECT_NE(r.err.find("/big: does not fit in memory"), std::string::npos) << r.err;
}

TEST(Guest, CorruptedFatImageIsReported) {
  TempDir tmp;
  std::string image = tmp.path() + "/disk.img";
  Result first = run(boot({"--keep", image}, {kPrograms + "/hello"}));
  ASSERT_EQ(first.status, 7) << first.err;
  // Break the BIOS parameter block: bytes per sector and the FAT size.
  int fd = open(image.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  const unsigned char junk[8] = {0x13, 0x37, 0x13, 0x37, 0, 0, 0, 0};
  ASSERT_EQ(pwrite(fd, junk, 2, 11), 2);
  ASSERT_EQ(pwrite(fd, junk + 4, 4, 36), 4);
  close(fd);
  Result r = run(boot({"--disk", image}, {"hello"}));
  EXPECT_EQ(r.status, 125);
  EXPECT_NE(r.err.find("not a FAT32 file system"), std::string::npos) << r.err;
}

TEST(Guest, CorruptedClusterChainIsReported) {
  TempDir tmp;
  std::string image = tmp.path() + "/disk.img";
  Result first = run(boot({"--keep", image}, {kPrograms + "/hello"}));
  ASSERT_EQ(first.status, 7) << first.err;
  // Point every FAT entry of the program's chain outside the disk: clusters 3.. of FAT 1
  // (cluster 2 is the root directory).
  Result info = run({"minfo", "-i", image, "::"});
  unsigned reserved = 32;
  size_t at = info.out.find("reserved sectors: ");
  if (at != std::string::npos) reserved = std::atoi(info.out.c_str() + at + 18);
  int fd = open(image.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  std::vector<unsigned> bad(64, 0x0FFFFFF0u - 1);
  ASSERT_EQ(pwrite(fd, bad.data(), bad.size() * 4, reserved * 512 + 3 * 4), (ssize_t)(bad.size() * 4));
  close(fd);
  Result r = run(boot({"--disk", image}, {"hello"}));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.status, 7);
  EXPECT_NE(r.err.find("corrupted FAT file system"), std::string::npos) << r.err;
}

TEST(Guest, MissingProgramOnHost) {
  Result r = run(boot({}, {"/nonexistent/program"}));
  EXPECT_EQ(r.status, 125);
  EXPECT_EQ(r.err, "bareflow: /nonexistent/program: no such file\n");
}

TEST(Guest, MissingProgramOnDisk) {
  TempDir tmp;
  std::string image = tmp.path() + "/disk.img";
  ASSERT_EQ(run(boot({"--keep", image}, {kPrograms + "/hello"})).status, 7);
  Result r = run(boot({"--disk", image}, {"no-such-program"}));
  EXPECT_EQ(r.status, 127);
  EXPECT_NE(r.err.find("/no-such-program: no such program on the disk"), std::string::npos) << r.err;
}

// `bareflow image`: GRUB (multiboot2) boots the kernel from a plain disk (IDE, no virtio) and the
// program runs from the image's FAT32 partition.
TEST(Guest, GrubImageBootsAsPlainDisk) {
  if (std::string(BF_GRUB_MKRESCUE).empty()) GTEST_SKIP() << "grub-mkrescue not installed";
  TempDir tmp;
  std::string image = tmp.path() + "/hello.img";
  Result mk = run({kBareflow, "image", "-o", image, "--", kPrograms + "/hello", "two words", "it's"});
  ASSERT_EQ(mk.status, 0) << mk.err;
  Result r = run({BF_QEMU, "-M", "pc", "-cpu", "max", "-m", "128M", "-display", "none", "-no-reboot",
                  "-serial", "stdio", "-serial", "null", "-serial", "null", "-device",
                  "isa-debug-exit,iobase=0xf4,iosize=0x04", "-drive", "file=" + image + ",format=raw"});
  EXPECT_EQ(r.status, (7 << 1) | 1) << r.err;  // isa-debug-exit: (status << 1) | 1
  EXPECT_EQ(r.out, "hello from /hello, 3 args\narg 1: two words\narg 2: it's\n");
}

// The same image's FAT32 partition written through ATA PIO: the guest writes files, and the host
// checks the partition with fsck.fat and reads a file back with mtools.
TEST(Guest, GrubImageFilesWrittenThroughAta) {
  if (std::string(BF_GRUB_MKRESCUE).empty()) GTEST_SKIP() << "grub-mkrescue not installed";
  TempDir tmp;
  std::string image = tmp.path() + "/files.img";
  Result mk = run({kBareflow, "image", "-o", image, "--", kPrograms + "/files", "write"});
  ASSERT_EQ(mk.status, 0) << mk.err;
  Result r = run({BF_QEMU, "-M", "pc", "-cpu", "max", "-m", "128M", "-display", "none", "-no-reboot",
                  "-serial", "stdio", "-serial", "null", "-serial", "null", "-device",
                  "isa-debug-exit,iobase=0xf4,iosize=0x04", "-drive", "file=" + image + ",format=raw"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;  // exit status 0
  EXPECT_EQ(r.out, "write ok\n");
  // The FAT32 partition is the second MBR entry.
  std::ifstream in(image, std::ios::binary);
  std::string disk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GE(disk.size(), 512u);
  const unsigned char* entry = (const unsigned char*)disk.data() + 446 + 16;
  ASSERT_EQ(entry[4], 0x0C);
  unsigned lba = entry[8] | entry[9] << 8 | entry[10] << 16 | (unsigned)entry[11] << 24;
  unsigned sectors = entry[12] | entry[13] << 8 | entry[14] << 16 | (unsigned)entry[15] << 24;
  ASSERT_LE((size_t)(lba + sectors) * 512, disk.size());
  std::string part = tmp.path() + "/part.img";
  std::ofstream(part, std::ios::binary).write(disk.data() + (size_t)lba * 512, (size_t)sectors * 512);
  expect_fsck_clean(part);
  std::string big = read_from_image(part, "/data long dir/first file with a long name.bin");
  ASSERT_EQ(big.size(), 100000u);
  for (unsigned i = 0; i < big.size(); i++) ASSERT_EQ((unsigned char)big[i], pattern(i, 1)) << "byte " << i;
}

// The inference engine, statically linked, reproduces llama2.c's greedy tokens in the guest,
// for the float32 checkpoint (run.c) and the Q8_0 one (runq.c), with the scalar kernels and with
// AVX2 (enabled by the kernel through XSAVE; TCG runs it slowly, but stories260K is tiny).
struct LlamaCase {
  const char* model;
  const char* kernels;
  const char* name;
};
void PrintTo(const LlamaCase& c, std::ostream* os) { *os << c.model << " with " << c.kernels << " kernels"; }
class LlamaStatic : public ::testing::TestWithParam<LlamaCase> {};

TEST_P(LlamaStatic, ReferenceTokens) {
  std::string llama = BF_LLAMA_STATIC;
  if (access(llama.c_str(), X_OK)) GTEST_SKIP() << "llama-static not built";
  const std::string model = GetParam().model, kernels = GetParam().kernels, prompt = "Once upon a time";
  std::vector<int> ref_prompt, ref_generated;
  ASSERT_TRUE(reference_entry(model, prompt, &ref_prompt, &ref_generated)) << model;
  TempDir tmp;
  std::string dir = disk_dir(tmp, {kShared + "/models/" + model, kShared + "/models/tok512.bin"});
  const size_t n = 36;  // generated tokens (llama.cpp's -n)
  Result r = run(boot({"--disk", dir, "--env", "BAREFLOW_KERNELS=" + kernels},
                      {llama, "-m", model, "-z", "tok512.bin", "-p", prompt, "-n", std::to_string(n), "--temp",
                       "0", "--json"}));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find(kernels + " kernels"), std::string::npos) << "the environment did not arrive: " << r.err;
  EXPECT_EQ(json_ints(r.out, "prompt_tokens"), ref_prompt);
  ASSERT_GE(ref_generated.size(), n);
  ref_generated.resize(n);
  EXPECT_EQ(json_ints(r.out, "generated_tokens"), ref_generated) << r.out;
}

// bareflow-static itself in the guest, on two CPUs: `generate` (the engine's two threads) and
// `run` of llama.bc under the tier-0 interpreter give llama2.c's reference tokens, on the avx2
// kernel set.
TEST(Guest, StaticBareflowGivesTheReferenceTokens) {
  const std::string model = "stories260K.bin", prompt = "Once upon a time";
  std::vector<int> ref_prompt, ref_generated;
  ASSERT_TRUE(reference_entry(model, prompt, &ref_prompt, &ref_generated)) << model;
  TempDir tmp;
  std::string dir = disk_dir(tmp, {kShared + "/models/" + model, kShared + "/models/tok512.bin", BF_LLAMA_BC});
  const int n_tokens = 16;
  std::vector<std::string> args = {"-m", model, "-z", "tok512.bin", "-p", prompt, "-n", std::to_string(n_tokens),
                                   "--temp", "0", "--threads", "2", "--json"};
  for (std::vector<std::string> command : {std::vector<std::string>{BF_BAREFLOW_STATIC, "generate"},
                                           std::vector<std::string>{BF_BAREFLOW_STATIC, "run", "--tier=interp",
                                                                    "llama.bc", "--"}}) {
    command.insert(command.end(), args.begin(), args.end());
    Result r = run(boot({"--smp", "2", "--disk", dir}, command));
    ASSERT_EQ(r.status, 0) << command[1] << ": " << r.err;
    EXPECT_EQ(json_ints(r.out, "prompt_tokens"), ref_prompt) << command[1];
    std::vector<int> want(ref_generated.begin(), ref_generated.begin() + n_tokens);
    EXPECT_EQ(json_ints(r.out, "generated_tokens"), want) << command[1] << ": " << r.out;
    EXPECT_EQ(r.err.find("not implemented"), std::string::npos) << command[1] << ": " << r.err;
    // QEMU's TCG has no AVX-512: CPU detection must choose the avx2 set, natively and in the
    // bitcode alike (which carries the avx512 set too).
    EXPECT_NE(r.err.find("avx2 kernels"), std::string::npos) << command[1] << ": " << r.err;
  }
}

INSTANTIATE_TEST_SUITE_P(Guest, LlamaStatic,
                         ::testing::Values(LlamaCase{"stories260K.bin", "scalar", "Float32Scalar"},
                                           LlamaCase{"stories260K_q80_gs4.bin", "scalar", "Q8_0Scalar"},
                                           LlamaCase{"stories260K.bin", "avx2", "Float32Avx2"}),
                         [](const ::testing::TestParamInfo<LlamaCase>& info) { return std::string(info.param.name); });

}  // namespace
