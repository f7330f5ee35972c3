// A boot image that grows into its appliance. Its FAT32 partition holds, under /bareflow:
//   bareflow-static, APP.bc         what grow boots run (`bareflow-static lifecycle --in-image`)
//   sysroot/                        what export links in the guest (musl's start files, libc.a, libgcc.a)
//   boot.cfg                        the menu entry GRUB boots; the ISO's grub.cfg sources it
//   grow.cfg, appliance.cfg         the two entries boot.cfg is a copy of: the guest renames a copy
//                                   of appliance.cfg over boot.cfg when it converged; --regrow puts
//                                   grow.cfg back
//   lifecycle.jsonl, cache/, ...    the state of `bareflow lifecycle --dir /bareflow`
// and, at its root, the files of --disk DIR (the program's working directory is the root).
#include "lifecycle/image.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "boot/host_tools.h"
#include "boot/image.h"
#include "cache/cache.h"
#include "export/steps.h"
#include "lifecycle/lifecycle.h"

namespace bf::lifecycle {

namespace {

namespace fs = std::filesystem;
using boot::fail;

const char kState[] = "/bareflow";  // the lifecycle's DIR on the FAT partition
const char kSysroot[] = "/bareflow/sysroot";
// Room beyond the content for what the boots add: the code cache, the export's temporaries and
// the appliance (a few MB for the llama app; make_fat_image adds its own margin).
constexpr long long kGrowRoom = 16LL << 20;

struct GrowOptions {
  std::string output, disk;
  int converge_after = 2;
  std::vector<std::string> env;
  std::vector<std::string> program;  // APP.bc ARGS...
};

const char kGrowUsage[] =
    "usage: bareflow image --grow -o IMAGE [--disk DIR] [--converge-after K] [--env NAME=VALUE]... -- APP.bc "
    "[ARGS...]\n"
    "       bareflow image --regrow IMAGE [APP.bc]\n"
    "       bareflow image --shrink-disk IMAGE\n"
    "An image whose boots run APP.bc under bareflow-static with the code cache on its disk, until K\n"
    "boots in a row compiled nothing new; that boot exports the program and switches the image's GRUB\n"
    "configuration to it (docs/lifecycle.md). --regrow makes a converged image grow again (with APP.bc:\n"
    "a new version of its program); --shrink-disk rewrites a converged image without the runtime.\n";

int malformed(const std::string& what) {
  fprintf(stderr, "bareflow: image: %s\n%s", what.c_str(), kGrowUsage);
  return 2;
}

int parse_grow(int argc, char** argv, GrowOptions& o) {
  int i = 1;
  for (; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--") {
      i++;
      break;
    }
    if (a == "--grow") continue;
    if (a == "-o" || a == "--output" || a == "--disk" || a == "--converge-after" || a == "--env") {
      if (i + 1 >= argc) return malformed(a + " needs a value");
      std::string v = argv[++i];
      if (a == "--disk") {
        o.disk = v;
      } else if (a == "--env") {
        if (v.find('=') == std::string::npos) return malformed("--env " + v + ": expected NAME=VALUE");
        o.env.push_back(v);
      } else if (a == "--converge-after") {
        char* end = nullptr;
        long k = std::strtol(v.c_str(), &end, 10);
        if (v.empty() || *end || k < 1 || k > 1000000) return malformed("--converge-after " + v + ": not a count from 1");
        o.converge_after = int(k);
      } else {
        o.output = v;
      }
    } else if (!a.empty() && a[0] == '-') {
      return malformed("unknown option '" + a + "' with --grow");
    } else {
      break;
    }
  }
  for (; i < argc; i++) o.program.push_back(argv[i]);
  if (o.output.empty()) return malformed("no image given (-o IMAGE)");
  if (o.program.empty()) return malformed("no program given (-- APP.bc [ARGS...])");
  return 0;
}

// The static bareflow that grow boots run: $BAREFLOW_STATIC, else the one beside this bareflow
// (a build directory has both), or this one when it is the static one.
std::string find_bareflow_static() {
  if (const char* env = getenv("BAREFLOW_STATIC"); env && *env) return env;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  if (self.filename() == "bareflow-static") return self;
  return (self.parent_path() / "bareflow-static").string();
}

std::vector<std::string> env_words(const std::vector<std::string>& env) {
  std::vector<std::string> w;
  for (const std::string& e : env) w.push_back("env=" + e);
  return w;
}

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return bool(out);
}

// tmp/bareflow: the configurations and the sysroot, copied into the image as one tree.
int stage_state_dir(const std::string& dir, const std::string& grow_cfg, const std::string& appliance_cfg) {
  exporter::Toolchain toolchain;
  std::string error;
  if (!exporter::find_toolchain(exporter::Libc::musl, toolchain, error))
    return fail("export's static libc, for the guest", error);
  std::error_code ec;
  fs::create_directories(dir + "/sysroot", ec);
  if (ec) return fail(dir, ec.message());
  std::vector<std::string> files = toolchain.start_files;
  files.insert(files.end(), toolchain.archives.begin(), toolchain.archives.end());
  files.insert(files.end(), toolchain.end_files.begin(), toolchain.end_files.end());
  for (const std::string& f : files) {
    // The guest's export looks for libgcc.a by that name (compiler-rt's builtins stand in for it).
    std::string name = fs::path(f).filename().string();
    if (name.find("builtins") != std::string::npos) name = "libgcc.a";
    fs::copy_file(f, dir + "/sysroot/" + name, fs::copy_options::overwrite_existing, ec);
    if (ec) return fail(f, ec.message());
  }
  if (!write_text(dir + "/boot.cfg", grow_cfg) || !write_text(dir + "/grow.cfg", grow_cfg) ||
      !write_text(dir + "/appliance.cfg", appliance_cfg))
    return fail(dir, "cannot write the boot configurations");
  return 0;
}

// mtools' name of the image's FAT32 partition.
bool fat_of(const std::string& image, std::string& fat, std::string& error) {
  long long offset = 0;
  if (!boot::fat_partition_offset(image, offset, error)) return false;
  fat = image + "@@" + std::to_string(offset);
  return true;
}

// The ISO part's grub.cfg: GRUB finds the FAT partition by the file and reads the entry there,
// which the guest rewrites.
std::string image_grub_cfg() {
  const std::string state = kState;
  return "set timeout=0\nset default=0\nsearch --no-floppy --file --set=bareflow_disk " + state + "/boot.cfg\n" +
         "source ($bareflow_disk)" + state + "/boot.cfg\n";
}

const char kShrunk[] =
    "shrunk by --shrink-disk: bareflow-static, the program and the cache are gone (write a new image with --grow)";

// /bareflow/NAME of the FAT partition `fat`, read whole into `text` (through a copy in `tmp`).
bool read_state_file(const std::string& fat, const std::string& tmp, const std::string& name, std::string& text,
                     std::string& out) {
  const std::string copy = tmp + "/" + name;
  if (boot::run_tool({"mcopy", "-n", "-i", fat, std::string("::") + kState + "/" + name, copy}, &out)) return false;
  std::ifstream in(copy, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  text = s.str();
  return bool(in);
}

int put_state_file(const std::string& fat, const std::string& tmp, const std::string& name, const std::string& text) {
  const std::string copy = tmp + "/" + name, path = std::string(kState) + "/" + name;
  std::string out;
  if (!write_text(copy, text)) return fail(copy, std::strerror(errno));
  if (boot::run_tool({"mcopy", "-o", "-i", fat, copy, "::" + path}, &out))
    return fail(fat.substr(0, fat.rfind("@@")), "cannot write " + path + ": " + boot::last_line(out));
  return 0;
}

// The entries of an image of `image --grow`: appliance.cfg always, grow.cfg unless the image was
// shrunk (then `grow_cfg` is empty).
int read_grow_state(const std::string& image, const std::string& fat, const std::string& tmp, std::string& grow_cfg,
                    std::string& appliance_cfg) {
  std::string out;
  if (!read_state_file(fat, tmp, "appliance.cfg", appliance_cfg, out))
    return fail(image, "not an image of bareflow image --grow (" + boot::last_line(out) + ")");
  if (!read_state_file(fat, tmp, "grow.cfg", grow_cfg, out)) grow_cfg.clear();
  return 0;
}

// The word after `word` in a menu entry of grub_menu_entry ('a' 'b' ...), or "".
std::string word_after(const std::string& cfg, const std::string& word) {
  const std::string key = "'" + word + "' '";
  size_t at = cfg.find(key);
  if (at == std::string::npos) return "";
  at += key.size();
  size_t end = cfg.find('\'', at);
  return end == std::string::npos ? "" : cfg.substr(at, end - at);
}

// The module hash (hex) that the appliance entry names, or "".
std::string module_of(const std::string& appliance_cfg) {
  const std::string key = "'lifecycle-module=";
  size_t at = appliance_cfg.find(key);
  if (at == std::string::npos) return "";
  size_t end = appliance_cfg.find('\'', at + key.size());
  return end == std::string::npos ? "" : appliance_cfg.substr(at + key.size(), end - at - key.size());
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

// A new version of an image, written beside it and renamed over it once complete: a stop at any
// moment leaves the old image or the new one, whole. Removed when not committed.
class ImageReplacement {
 public:
  explicit ImageReplacement(const std::string& image)
      : image_(image), path_(image + ".tmp-" + std::to_string(getpid())) {}
  ~ImageReplacement() {
    if (!committed_) unlink(path_.c_str());
    boot::remove_on_signal("");
  }
  const std::string& path() {
    boot::remove_on_signal(path_);
    return path_;
  }
  int commit() {
    boot::remove_on_signal(path_);  // write_grub_image forgot it
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    bool synced = fd >= 0 && ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    if (!synced || ::rename(path_.c_str(), image_.c_str())) return fail(image_, std::strerror(errno));
    committed_ = true;
    boot::remove_on_signal("");
    return 0;
  }

 private:
  std::string image_, path_;
  bool committed_ = false;
};

}  // namespace

int image_grow(int argc, char** argv) {
  GrowOptions o;
  if (int r = parse_grow(argc, argv, o)) return r;
  const std::string& app = o.program[0];
  std::string bitcode, error;
  if (!read_bitcode(app, bitcode, error)) return fail("image --grow", error);
  if (!o.disk.empty() && !boot::is_dir(o.disk)) return fail(o.disk, "no such directory");
  const std::string bareflow_static = find_bareflow_static();
  if (!boot::is_file(bareflow_static))
    return fail(bareflow_static.empty() ? "bareflow-static" : bareflow_static,
                "no static bareflow to run in the guest (build bareflow-static, or set $BAREFLOW_STATIC)");
  const std::string app_name = boot::base_name(app);
  const std::string state = kState;
  std::vector<std::string> args(o.program.begin() + 1, o.program.end());

  std::vector<std::string> grow = env_words(o.env);
  grow.push_back(std::string("env=BAREFLOW_EXPORT_LIBDIR=") + kSysroot);
  for (const std::string& w : {std::string("--"), state + "/bareflow-static", std::string("lifecycle"),
                               std::string("--dir"), state, std::string("--converge-after"),
                               std::to_string(o.converge_after), std::string("--in-image"), state + "/" + app_name,
                               std::string("--")})
    grow.push_back(w);
  grow.insert(grow.end(), args.begin(), args.end());
  // The appliance knows nothing of the journal: the kernel appends its boot's line (kernel/journal.cpp).
  const std::string module = cache::hash_bytes(bitcode).hex();
  std::vector<std::string> appliance = env_words(o.env);
  for (const std::string& w : {"lifecycle-journal=" + journal_path(state), "lifecycle-module=" + module,
                               std::string("--"), appliance_path(state, module)})
    appliance.push_back(w);
  appliance.insert(appliance.end(), args.begin(), args.end());
  if (int r = boot::check_kernel_words(grow)) return r;
  if (int r = boot::check_kernel_words(appliance)) return r;

  boot::TempDir tmp;
  if (tmp.path().empty()) return fail("temporary directory", std::strerror(errno));
  const std::string staged = tmp.path() + "/bareflow", fat = tmp.path() + "/fat.img";
  if (int r = stage_state_dir(staged, boot::grub_menu_entry("BareFlow lifecycle: grow", grow),
                              boot::grub_menu_entry("BareFlow lifecycle: appliance", appliance)))
    return r;
  long long bytes = boot::tree_bytes(staged) + boot::tree_bytes(bareflow_static) + (long long)bitcode.size() +
                    (o.disk.empty() ? 0 : boot::tree_bytes(o.disk)) + kGrowRoom;
  if (int r = boot::make_fat_image(fat, bytes)) return r;
  if (int r = boot::copy_into_image(fat, staged, "bareflow")) return r;
  if (int r = boot::copy_into_image(fat, bareflow_static, "bareflow/bareflow-static")) return r;
  if (int r = boot::copy_into_image(fat, app, "bareflow/" + app_name)) return r;
  if (!o.disk.empty())
    for (const std::string& e : boot::dir_entries(o.disk))
      if (int r = boot::copy_into_image(fat, o.disk + "/" + e, e)) return r;
  return boot::write_grub_image(o.output, image_grub_cfg(), fat, tmp.path());
}

int image_regrow(const std::string& image, const std::string& program) {
  std::string fat, error, out;
  if (!fat_of(image, fat, error)) return fail("image --regrow", error);
  boot::TempDir tmp;
  if (tmp.path().empty()) return fail("temporary directory", std::strerror(errno));
  std::string grow_cfg, appliance_cfg;
  if (int r = read_grow_state(image, fat, tmp.path(), grow_cfg, appliance_cfg)) return r;
  if (grow_cfg.empty()) return fail(image, kShrunk);
  std::string bitcode, app_path = word_after(grow_cfg, "--in-image"), old_module = module_of(appliance_cfg);
  if (!program.empty() && !read_bitcode(program, bitcode, error)) return fail("image --regrow", error);
  if (app_path.empty() || old_module.empty()) return fail(image, "its boot configurations name no program or module");

  ImageReplacement next(image);
  if (boot::run_tool({"cp", "--sparse=always", "--preserve=mode", image, next.path()}, &out))
    return fail(next.path(), "cannot copy the image: " + boot::last_line(out));
  if (!fat_of(next.path(), fat, error)) return fail("image --regrow", error);
  // The grow entry is boot.cfg again and the appliance goes, so that the next convergence exports
  // anew (new hardware, a new profile). The cache and the journal stay.
  const std::string state = kState;
  if (int r = put_state_file(fat, tmp.path(), "boot.cfg", grow_cfg)) return r;
  boot::run_tool({"mdel", "-i", fat, "::" + state + "/appliance-*"}, &out);
  if (!program.empty()) {
    // A new version under the program's name in the image; the appliance entry names its module
    // (the old module's cache stays until the cache's own eviction; a new module starts cold).
    const std::string module = cache::hash_bytes(bitcode).hex();
    replace_all(appliance_cfg, old_module, module);
    replace_all(appliance_cfg, appliance_path(state, old_module), appliance_path(state, module));
    if (int r = put_state_file(fat, tmp.path(), "appliance.cfg", appliance_cfg)) return r;
    if (boot::run_tool({"mcopy", "-o", "-i", fat, program, "::" + app_path}, &out))
      return fail(image, "cannot write " + app_path + ": " + boot::last_line(out));
  }
  return next.commit();
}

int image_shrink(const std::string& image) {
  std::string fat, error, out;
  if (!fat_of(image, fat, error)) return fail("image --shrink-disk", error);
  boot::TempDir tmp;
  if (tmp.path().empty()) return fail("temporary directory", std::strerror(errno));
  std::string grow_cfg, appliance_cfg, boot_cfg;
  if (int r = read_grow_state(image, fat, tmp.path(), grow_cfg, appliance_cfg)) return r;
  if (grow_cfg.empty()) return fail(image, "already shrunk by --shrink-disk");
  const std::string state = kState, module = module_of(appliance_cfg);
  if (!read_state_file(fat, tmp.path(), "boot.cfg", boot_cfg, out) || boot_cfg != appliance_cfg)
    return fail(image, "has not converged: " + state + "/boot.cfg is not the appliance's entry (boot it until a boot "
                       "runs its appliance; bareflow lifecycle --show IMAGE)");
  if (module.empty()) return fail(image, "its appliance entry names no module");

  // What the appliance's boots read and write: its entries, the appliance, the journal and the
  // export's report under /bareflow, and the --disk files at the root.
  const std::string content = tmp.path() + "/content", kept = content + "/bareflow";
  std::error_code ec;
  fs::create_directories(kept, ec);
  if (ec) return fail(kept, ec.message());
  if (!write_text(kept + "/boot.cfg", appliance_cfg) || !write_text(kept + "/appliance.cfg", appliance_cfg))
    return fail(kept, "cannot write the boot configurations");
  const std::string appliance = appliance_path(state, module);
  for (const std::string& path : {appliance, journal_path(state), state + "/export.json"}) {
    if (!boot::run_tool({"mcopy", "-n", "-i", fat, "::" + path, kept + "/"}, &out)) continue;
    if (path != state + "/export.json") return fail(image, "cannot read " + path + ": " + boot::last_line(out));
  }
  if (boot::run_tool({"mdir", "-b", "-i", fat, "::/"}, &out)) return fail(image, "cannot list: " + boot::last_line(out));
  std::istringstream listing(out);
  for (std::string line; std::getline(listing, line);) {
    if (line.rfind("::/", 0) != 0 || line == "::" + state + "/") continue;
    if (boot::run_tool({"mcopy", "-s", "-n", "-i", fat, line, content + "/"}, &out))
      return fail(image, "cannot read " + line.substr(2) + ": " + boot::last_line(out));
  }

  // A FAT32 partition as small as FAT32 goes, and room for the journal's lines.
  const std::string small_fat = tmp.path() + "/fat.img";
  if (int r = boot::make_fat_image(small_fat, boot::tree_bytes(content), 34, 2)) return r;
  for (const std::string& e : boot::dir_entries(content))
    if (int r = boot::copy_into_image(small_fat, content + "/" + e, e)) return r;
  ImageReplacement next(image);
  if (int r = boot::write_grub_image(next.path(), image_grub_cfg(), small_fat, tmp.path())) return r;
  long long before = boot::tree_bytes(image);
  if (int r = next.commit()) return r;
  printf("%s: %lld bytes, %lld before (the runtime, the program and the cache removed)\n", image.c_str(),
         boot::tree_bytes(image), before);
  return 0;
}

bool read_image_journal(const std::string& image, std::vector<Record>& records, std::string& error) {
  std::string fat, out;
  if (!fat_of(image, fat, error)) return false;
  boot::TempDir tmp;
  if (tmp.path().empty()) {
    error = std::string("temporary directory: ") + std::strerror(errno);
    return false;
  }
  const std::string copy = tmp.path() + "/lifecycle.jsonl", name = image + ":" + kState + "/lifecycle.jsonl";
  if (boot::run_tool({"mcopy", "-n", "-i", fat, std::string("::") + kState + "/lifecycle.jsonl", copy}, &out)) {
    error = name + ": cannot read it (" + boot::last_line(out) + ")";
    return false;
  }
  if (read_journal(copy, records, error)) return true;
  if (error.rfind(copy, 0) == 0) error = name + error.substr(copy.size());  // the image's name, not ours
  return false;
}

}  // namespace bf::lifecycle
