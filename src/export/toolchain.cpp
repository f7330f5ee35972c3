// The static world an export links against, found at run time (export needs no compiler or
// linker installed, only these files). The search (docs/export.md):
//   - $BAREFLOW_EXPORT_LIBDIR, when set, is the only directory searched, for every file (a
//     self-contained sysroot shipped elsewhere, e.g. beside bareflow on the unikernel's disk);
//   - otherwise musl's files in /usr/lib/x86_64-linux-musl, /usr/lib/musl/lib,
//     /usr/local/musl/lib (Debian musl-dev), glibc's in /usr/lib/x86_64-linux-gnu, /usr/lib64,
//     /usr/lib (libc6-dev), and libgcc.a (and, for glibc, libgcc_eh.a) in
//     /usr/lib/gcc/x86_64-linux-gnu/N and /usr/lib/gcc/x86_64-pc-linux-gnu/N, highest N first,
//     else compiler-rt's builtins.
#include <llvm/ADT/StringExtras.h>
#include <llvm/ADT/StringSet.h>
#include <llvm/Object/Archive.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Path.h>

#include <algorithm>
#include <cstdlib>

#include "export/steps.h"

namespace bf::exporter {

using namespace llvm;

namespace {

std::string sysroot() {
  const char* dir = getenv("BAREFLOW_EXPORT_LIBDIR");
  return dir ? dir : "";
}

std::vector<std::string> libc_dirs(Libc libc) {
  if (!sysroot().empty()) return {sysroot()};
  std::vector<std::string> dirs;
  if (libc == Libc::musl) {
    for (const char* d : {"/usr/lib/x86_64-linux-musl", "/usr/lib/musl/lib", "/usr/local/musl/lib"}) dirs.push_back(d);
  } else {
    for (const char* d : {"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"}) dirs.push_back(d);
  }
  return dirs;
}

// GCC's version directories, highest first (12 before 9: by number, not by name).
std::vector<std::string> libgcc_dirs() {
  if (!sysroot().empty()) return {sysroot()};
  std::vector<std::string> dirs;
  for (const char* root : {"/usr/lib/gcc/x86_64-linux-gnu", "/usr/lib/gcc/x86_64-pc-linux-gnu"}) {
    std::vector<std::pair<int, std::string>> versions;
    std::error_code ec;
    for (sys::fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
      versions.push_back({atoi(sys::path::filename(it->path()).str().c_str()), it->path()});
    std::sort(versions.rbegin(), versions.rend());
    for (auto& [number, path] : versions) dirs.push_back(path);
  }
  return dirs;
}

std::string find_in(const std::vector<std::string>& dirs, const std::string& name) {
  for (const std::string& d : dirs) {
    SmallString<256> path(d);
    sys::path::append(path, name);
    if (sys::fs::is_regular_file(path)) return std::string(path);
  }
  return "";
}

// glibc's libm.a is a GNU ld script, GROUP ( libm-2.36.a libmvec.a ): its archives.
std::vector<std::string> expand_script(const std::string& path) {
  auto buffer = MemoryBuffer::getFile(path);
  if (!buffer || (*buffer)->getBuffer().starts_with("!<arch>")) return {path};
  StringRef text = (*buffer)->getBuffer();
  size_t open = text.find("GROUP");
  if (open == StringRef::npos) return {path};
  StringRef group = text.substr(open);
  group = group.substr(group.find('(') + 1);
  group = group.substr(0, group.find(')'));
  SmallVector<StringRef, 4> words;
  group.split(words, ' ', -1, false);
  std::vector<std::string> archives;
  for (StringRef w : words)
    if (w.ends_with(".a") && sys::fs::is_regular_file(w)) archives.push_back(w.str());
  return archives.empty() ? std::vector<std::string>{path} : archives;
}

}  // namespace

bool find_toolchain(Libc libc, Toolchain& toolchain, std::string& error) {
  const std::vector<std::string> dirs = libc_dirs(libc);
  const char* which = libc == Libc::musl ? "musl (Debian musl-dev)" : "glibc (Debian libc6-dev)";
  auto need = [&](const std::string& name, std::vector<std::string>& into) {
    std::string path = find_in(dirs, name);
    if (path.empty()) {
      error = "no " + name + " of " + which + " in " + join(dirs, ", ") +
              (sysroot().empty() ? "" : " ($BAREFLOW_EXPORT_LIBDIR)");
      return false;
    }
    into.push_back(path);
    return true;
  };
  toolchain = Toolchain{};
  if (!need("crt1.o", toolchain.start_files) || !need("crti.o", toolchain.start_files) ||
      !need("libc.a", toolchain.archives) || !need("crtn.o", toolchain.end_files))
    return false;
  if (libc == Libc::glibc) {  // musl's libc.a holds libm; glibc's is apart
    std::vector<std::string> libm;
    if (!need("libm.a", libm)) return false;
    for (const std::string& a : expand_script(libm[0])) toolchain.archives.push_back(a);
  }
  const std::vector<std::string> gcc = libgcc_dirs();
  std::string libgcc = find_in(gcc, "libgcc.a");
  if (libgcc.empty() && sysroot().empty())
    libgcc = find_in({"/usr/lib/llvm-19/lib/clang/19/lib/linux"}, "libclang_rt.builtins-x86_64.a");
  if (libgcc.empty()) {
    error = "no libgcc.a (Debian libgcc-12-dev) in " + join(gcc, ", ") +
            (sysroot().empty() ? " nor compiler-rt's builtins" : " ($BAREFLOW_EXPORT_LIBDIR)");
    return false;
  }
  toolchain.archives.push_back(libgcc);
  // glibc's libc.a unwinds in a few places (thread cancellation).
  std::string eh = libc == Libc::glibc ? find_in({std::string(sys::path::parent_path(libgcc))}, "libgcc_eh.a") : "";
  if (!eh.empty()) toolchain.archives.push_back(eh);
  return true;
}

bool undefined_in(const Toolchain& toolchain, const std::vector<std::string>& wanted, std::vector<std::string>& missing,
                  std::string& error) {
  StringSet<> defined;
  for (const std::string& path : toolchain.archives) {
    auto buffer = MemoryBuffer::getFile(path);
    if (!buffer) {
      error = path + ": " + buffer.getError().message();
      return false;
    }
    auto archive = object::Archive::create((*buffer)->getMemBufferRef());
    if (!archive) {
      error = path + ": " + toString(archive.takeError());
      return false;
    }
    for (const object::Archive::Symbol& s : (*archive)->symbols()) defined.insert(s.getName());
  }
  missing.clear();
  for (const std::string& name : wanted)
    if (!defined.contains(name)) missing.push_back(name);
  return true;
}

std::vector<std::string> imports_of(const Module& m) {
  std::vector<std::string> names;
  auto add = [&](const GlobalValue& v) {
    // A weak import may stay undefined (its address is then null), as in any static link.
    if (v.isDeclaration() && !v.use_empty() && !v.hasExternalWeakLinkage() && !v.getName().starts_with("llvm."))
      names.push_back(v.getName().str());
  };
  for (const Function& f : m) add(f);
  for (const GlobalVariable& g : m.globals()) add(g);
  return names;
}

}  // namespace bf::exporter
