// `bareflow boot` and `bareflow image`: run a static Linux program in the unikernel under QEMU, or
// write a bootable disk with the kernel, the program and its files. See docs/unikernel.md.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "boot/elf_check.h"
#include "boot/host_tools.h"
#include "boot/image.h"
#include "boot/qemu.h"

extern "C" const char bf_kernel_image[];
extern "C" const char bf_kernel_image_end[];

int bf_cmd_boot(int argc, char** argv);

namespace bf::boot {
namespace {

constexpr int kExitCannotExecute = 126;  // as the kernel's, for a program the host already refuses
// What reaches the kernel of its command line: QEMU's PVH boot loses the memory map beyond ~4.1 KB,
// and the kernel keeps 4 KB.
constexpr size_t kMaxCommandLine = 4000;
constexpr int kMaxCpus = 16;  // the kernel's kMaxCpus

struct Options {
  std::string disk;  // directory or image
  std::string keep;
  std::string image;  // boot an image that `bareflow image` wrote, as it is
  std::string mem = "2G";  // room for a static bareflow with LLVM, a model and the JIT (docs/unikernel.md)
  std::string output;      // image
  int cpus = 1;
  std::vector<std::string> env;
  bool verbose = false, strace = false, help = false;
  std::vector<std::string> program;  // PROGRAM ARGS...
};

const char kBootUsage[] =
    "usage: bareflow boot [OPTIONS] -- PROGRAM [ARGS...]\n"
    "       bareflow boot [--mem SIZE] [--smp N] [--verbose] --image IMAGE\n"
    "Runs a static Linux x86-64 program in the BareFlow unikernel under QEMU, as if it were a local\n"
    "command: its stdout and stderr are ours, its exit status is ours.\n"
    "  --disk DIR|IMAGE   the files of DIR on the guest's FAT32 disk, or an existing disk image\n"
    "  --keep IMAGE       keep the disk in IMAGE (made on the first boot, reused afterwards)\n"
    "  --image IMAGE      boot an image that bareflow image wrote, through its GRUB (--verbose\n"
    "                     prints the QEMU command line)\n"
    "  --mem SIZE         guest memory, such as 512M or 1G (default 2G)\n"
    "  --smp N            N virtual CPUs (default 1; QEMU runs each on a host thread)\n"
    "  --env NAME=VALUE   an environment variable for the program (repeatable)\n"
    "  --verbose          also print the kernel log\n"
    "  --strace           print every system call of the program on stderr\n"
    "  --help             this text\n";
const char kImageUsage[] =
    "usage: bareflow image -o IMAGE [OPTIONS] -- PROGRAM [ARGS...]\n"
    "       bareflow image --grow -o IMAGE [--converge-after K] [OPTIONS] -- APP.bc [ARGS...]\n"
    "       bareflow image --regrow IMAGE [APP.bc]\n"
    "       bareflow image --shrink-disk IMAGE\n"
    "Writes a disk image that boots the unikernel with GRUB (BIOS) on a PC or under QEMU and runs the\n"
    "static program, with the program and the files of DIR on a FAT32 partition.\n"
    "  -o, --output IMAGE the image to write\n"
    "  --disk DIR         the files of DIR on the FAT32 partition\n"
    "  --env NAME=VALUE   an environment variable for the program (repeatable)\n"
    "  --grow             boots run APP.bc under bareflow-static with the code cache on the disk,\n"
    "                     export it when K boots in a row compiled nothing new, and boot that\n"
    "                     from then on (docs/lifecycle.md)\n"
    "  --converge-after K with --grow: the quiet boots before the export (default 2)\n"
    "  --regrow IMAGE     a grown image boots bareflow again and converges anew; with APP.bc,\n"
    "                     a new version of its program (the same name and arguments)\n"
    "  --shrink-disk IMAGE  rewrites a converged image with only its appliance, journal and\n"
    "                     files: no bareflow-static, program, sysroot or cache (no --regrow after)\n"
    "  --verbose          the kernel also writes its log to the program's stderr\n"
    "  --strace           the kernel logs every system call\n"
    "  --help             this text\n";

long long parse_mem_mib(const std::string& s) {
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (end == s.c_str() || v <= 0) return -1;
  std::string suffix = end;
  if (suffix.empty() || suffix == "M" || suffix == "m" || suffix == "MiB") return v;
  if (suffix == "G" || suffix == "g" || suffix == "GiB") return v * 1024;
  return -1;
}

std::string quote_word(const std::string& w) {
  std::string q = "\"";
  for (char c : w) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

// The kernel's command line as words: options, "--", the program and its arguments.
std::vector<std::string> kernel_words(const Options& o, const std::string& program_name) {
  std::vector<std::string> w;
  if (o.verbose) w.push_back("verbose");
  if (o.strace) w.push_back("strace");
  for (const std::string& e : o.env) w.push_back("env=" + e);
  w.push_back("--");
  w.push_back("/" + program_name);
  for (size_t i = 1; i < o.program.size(); i++) w.push_back(o.program[i]);
  return w;
}

std::string kernel_command_line(const std::vector<std::string>& words) {
  std::string cmd;
  for (const std::string& w : words) cmd += (cmd.empty() ? "" : " ") + quote_word(w);
  return cmd;
}

}  // namespace

int check_kernel_words(const std::vector<std::string>& words) {
  std::string cmd = kernel_command_line(words);
  if (cmd.size() <= kMaxCommandLine) return 0;
  std::string longest;
  for (const std::string& w : words)
    if (w.size() > longest.size()) longest = w;
  return fail("the kernel command line",
              std::to_string(cmd.size()) + " bytes of program arguments and --env values, more than the " +
                  std::to_string(kMaxCommandLine) + " that reach the kernel (the longest word, " +
                  std::to_string(longest.size()) + " bytes, starts \"" + longest.substr(0, 40) +
                  "\"); pass long data in a file on the disk");
}

namespace {

// Refuses a command line the kernel would not get whole, naming its longest word.
int check_command_line(const Options& o, const std::string& program_name) {
  return check_kernel_words(kernel_words(o, program_name));
}

// GRUB script quoting: each word in single quotes; GRUB re-quotes words with spaces for the
// kernel the way the kernel's parser expects ("..." with backslashes).
std::string grub_quote(const std::string& w) {
  std::string q = "'";
  for (char c : w) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

std::string grub_menu_entry(const std::string& title, const std::vector<std::string>& words) {
  std::string cfg = "menuentry \"" + title + "\" {\n  multiboot2 /boot/bareflow-kernel.elf";
  for (const std::string& w : words) cfg += " " + grub_quote(w);
  return cfg + "\n  boot\n}\n";
}

namespace {

// Opens a file for QEMU to inherit, on a descriptor above the serial pipes' 3..5.
int hold_open(const std::string& path, int flags) {
  int fd = open(path.c_str(), flags);
  if (fd < 0) return -1;
  int high = fcntl(fd, F_DUPFD, 10);
  close(fd);
  return high;
}

int write_kernel(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return fail(path, std::strerror(errno));
  size_t n = bf_kernel_image_end - bf_kernel_image;
  bool ok = std::fwrite(bf_kernel_image, 1, n, f) == n;
  ok = std::fclose(f) == 0 && ok;
  return ok ? 0 : fail(path, "cannot write the kernel");
}

// Shared option parsing; `image` selects `bareflow image` (which takes -o).
int parse(int argc, char** argv, bool image, Options* o) {
  int i = 1;
  for (; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--") {
      i++;
      break;
    } else if (a == "--help" || a == "-h") {
      o->help = true;
      return 0;
    } else if (a == "--disk") {
      if (!value(&o->disk)) return -1;
    } else if (a == "--keep" && !image) {
      if (!value(&o->keep)) return -1;
    } else if (a == "--image" && !image) {
      if (!value(&o->image)) return -1;
    } else if (a == "--mem" && !image) {
      if (!value(&o->mem)) return -1;
    } else if (a == "--smp" && !image) {
      if (!value(&v)) return -1;
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (*end || n < 1 || n > kMaxCpus) {
        std::fprintf(stderr, "bareflow: --smp %s: expected a number of CPUs from 1 to %d\n", v.c_str(), kMaxCpus);
        return -1;
      }
      o->cpus = (int)n;
    } else if ((a == "-o" || a == "--output") && image) {
      if (!value(&o->output)) return -1;
    } else if (a == "--env") {
      if (!value(&v) || v.find('=') == std::string::npos) return -1;
      o->env.push_back(v);
    } else if (a == "--verbose" || a == "-v") {
      o->verbose = true;
    } else if (a == "--strace") {
      o->strace = true;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "bareflow: %s: unknown option '%s'\n", argv[0], a.c_str());
      return -1;
    } else {
      break;
    }
  }
  for (; i < argc; i++) o->program.push_back(argv[i]);
  if (!o->image.empty()) {  // the image says what runs
    if (!o->program.empty() || !o->disk.empty() || !o->keep.empty() || !o->env.empty() || o->strace) {
      std::fprintf(stderr, "bareflow: boot: --image takes no program, --disk, --keep, --env or --strace\n");
      return -1;
    }
    return 0;
  }
  if (o->program.empty()) return -1;
  if (parse_mem_mib(o->mem) < 16) {
    std::fprintf(stderr, "bareflow: --mem %s: expected a size such as 256M or 1G (at least 16M)\n", o->mem.c_str());
    return -1;
  }
  return 0;
}

int usage(const char* text, bool asked) {
  std::fputs(text, asked ? stdout : stderr);
  return asked ? 0 : 2;
}

// Checks what the host can tell before booting, so mistakes get a host-side message.
int check_program(const std::string& p) {
  if (!is_file(p)) return fail(p, is_dir(p) ? "is a directory" : "no such file");
  return 0;
}

// For `image`: the kernel's ELF checks, run here, so that no image is written that cannot run.
int check_static_program(const std::string& p) {
  if (int r = check_program(p)) return r;
  std::ifstream in(p, std::ios::binary);
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const char* interp = nullptr;
  unsigned long interp_len = 0;
  const char* problem = kernel_elf_problem(bytes.data(), bytes.size(), &interp, &interp_len);
  if (!problem) return 0;
  if (interp) {
    std::string name(interp, interp_len);
    name = name.c_str();  // up to its NUL
    std::fprintf(stderr, "bareflow: %s: dynamically linked (interpreter %s); the unikernel runs static executables "
                 "only (link with -static)\n", p.c_str(), name.c_str());
  } else {
    std::fprintf(stderr, "bareflow: %s: %s\n", p.c_str(), problem);
  }
  return kExitCannotExecute;
}

int fill_disk(const std::string& image, const Options& o, const std::string& program, const std::string& name) {
  long long bytes = tree_bytes(program) + (o.disk.empty() ? 0 : tree_bytes(o.disk));
  if (int r = make_fat_image(image, bytes)) return r;
  if (!o.disk.empty())
    for (const std::string& e : dir_entries(o.disk))
      if (int r = copy_into_image(image, o.disk + "/" + e, e)) return r;
  return copy_into_image(image, program, name);
}

// Through the image's own GRUB (SeaBIOS boots the virtio disk), in place: what the guest writes stays.
int boot_image(const Options& o) {
  if (!is_file(o.image)) return fail(o.image, "no such disk image");
  long long offset = 0;
  std::string error;
  if (!fat_partition_offset(o.image, offset, error)) return fail("--image", error);
  QemuRun run;
  run.image = o.image;
  run.mem_mib = parse_mem_mib(o.mem);
  run.cpus = o.cpus;
  run.verbose = o.verbose;
  return run_qemu(run);
}

}  // namespace

// An ISO 9660 tree with GRUB (BIOS, multiboot2) and the kernel; grub-mkrescue makes it a hybrid
// image that boots as a hard disk too, and appends the FAT32 partition.
int write_grub_image(const std::string& output, const std::string& grub_cfg, const std::string& fat,
                     const std::string& tmp) {
  std::string iso = tmp + "/iso";
  if (mkdir(iso.c_str(), 0755) || mkdir((iso + "/boot").c_str(), 0755) || mkdir((iso + "/boot/grub").c_str(), 0755))
    return fail(iso, std::strerror(errno));
  if (int r = write_kernel(iso + "/boot/bareflow-kernel.elf")) return r;
  FILE* f = std::fopen((iso + "/boot/grub/grub.cfg").c_str(), "w");
  if (!f || std::fputs(grub_cfg.c_str(), f) < 0 || std::fclose(f)) return fail(iso, "cannot write grub.cfg");
  std::string out;
  // grub-mkrescue's own temporary files go into ours; a partial image goes if we are stopped.
  remove_on_signal(output);
  int status = run_tool({"grub-mkrescue", "-o", output, iso, "-append_partition", "2", "0x0c", fat}, &out,
                        {"TMPDIR=" + tmp});
  remove_on_signal("");
  if (status) {
    unlink(output.c_str());
    return fail(output, "grub-mkrescue failed (grub-pc-bin, xorriso, mtools): " + last_line(out));
  }
  return 0;
}

bool fat_partition_offset(const std::string& image, long long& offset, std::string& error) {
  unsigned char mbr[512];
  std::ifstream in(image, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(mbr), sizeof mbr)) {
    error = image + ": " + (in.is_open() ? "shorter than a boot sector" : std::strerror(errno));
    return false;
  }
  if (mbr[510] == 0x55 && mbr[511] == 0xAA)
    for (int i = 0; i < 4; i++) {
      const unsigned char* e = mbr + 446 + 16 * i;
      uint32_t lba = e[8] | e[9] << 8 | e[10] << 16 | uint32_t(e[11]) << 24;
      if ((e[4] == 0x0B || e[4] == 0x0C) && lba) {
        offset = (long long)lba * 512;
        return true;
      }
    }
  error = image + ": no FAT32 partition (not an image that bareflow image wrote)";
  return false;
}

}  // namespace bf::boot

using namespace bf::boot;

int bf_cmd_boot(int argc, char** argv) {
  Options o;
  if (parse(argc, argv, false, &o) || o.help) return usage(kBootUsage, o.help);
  if (!o.image.empty()) return boot_image(o);
  const std::string& program = o.program[0];
  bool program_on_host = is_file(program), existing_image = !o.disk.empty() && is_file(o.disk);
  std::string program_name = base_name(program);
  if (existing_image && !program_on_host) program_name = program[0] == '/' ? program.substr(1) : program;  // on the disk
  if (int r = check_command_line(o, program_name)) return r;
  TempDir tmp;
  if (tmp.path().empty()) return fail("temporary directory", std::strerror(errno));
  std::string kernel = tmp.path() + "/kernel.elf";
  if (int r = write_kernel(kernel)) return r;
  bool temporary_disk = false;

  std::string image;
  if (existing_image) {
    image = o.disk;  // used in place
    if (program_on_host)
      if (int r = copy_into_image(image, program, program_name)) return r;
  } else {
    if (!o.disk.empty() && !is_dir(o.disk)) return fail(o.disk, "no such directory or disk image");
    if (!program_on_host) return check_program(program);
    image = o.keep.empty() ? tmp.path() + "/disk.img" : o.keep;
    temporary_disk = o.keep.empty();
    if (!o.keep.empty() && is_file(o.keep)) {
      // A kept disk: boot it again with what the last run left, and the program as it is now.
      if (int r = copy_into_image(image, program, program_name)) return r;
    } else if (int r = fill_disk(image, o, program, program_name)) {
      return r;
    }
  }
  // QEMU gets the kernel and a temporary disk as open descriptors (/proc/self/fd/N), so the
  // temporary directory is gone before it starts and nothing is left behind even if bareflow is
  // killed.
  int kernel_fd = hold_open(kernel, O_RDONLY);
  int disk_fd = temporary_disk ? hold_open(image, O_RDWR) : -1;
  if (kernel_fd < 0 || (temporary_disk && disk_fd < 0)) return fail(tmp.path(), "cannot reopen the boot files");
  tmp.remove();
  QemuRun run;
  run.kernel = "/proc/self/fd/" + std::to_string(kernel_fd);
  run.image = temporary_disk ? "/proc/self/fd/" + std::to_string(disk_fd) : image;
  Options kernel_options = o;
  kernel_options.verbose = false;  // the host shows the log itself
  run.command_line = kernel_command_line(kernel_words(kernel_options, program_name));
  run.mem_mib = parse_mem_mib(o.mem);
  run.cpus = o.cpus;
  run.verbose = o.verbose;
  run.strace = o.strace;
  return run_qemu(run);
}

int bf::boot::image_command(int argc, char** argv) {
  Options o;
  if (parse(argc, argv, true, &o) || o.help || o.output.empty()) return usage(kImageUsage, o.help);
  const std::string& program = o.program[0];
  if (int r = check_static_program(program)) return r;
  if (!o.disk.empty() && !is_dir(o.disk)) return fail(o.disk, "no such directory");
  std::string name = base_name(program);
  if (int r = check_command_line(o, name)) return r;
  TempDir tmp;
  if (tmp.path().empty()) return fail("temporary directory", std::strerror(errno));
  std::string fat = tmp.path() + "/fat.img";
  if (int r = fill_disk(fat, o, program, name)) return r;
  return write_grub_image(o.output, "set timeout=0\nset default=0\n" + grub_menu_entry("BareFlow", kernel_words(o, name)),
                          fat, tmp.path());
}
