// `bareflow export`, step by step:
//   1. reserve the output (and the report): temporary files beside them, so that an
//      unwritable path fails before any work and nothing partial is ever left at its name;
//   2. read the program's modules (bitcode or IR text, several linked: src/modules) and verify it;
//   3. read the profiles (the code cache's profile store, profile files), each checked against
//      the module, and sum them (profile_input.cpp);
//   4. find the static libc, libgcc and start files (toolchain.cpp) and name the CPU;
//   5. shape the whole program (whole_program.cpp): !prof and a profile summary, unexecuted
//      functions cold or dropped, the export runtime linked in, all but main internal;
//   6. check that every import resolves in the static libraries: one error naming the first
//      that does not, before anything is written (again after the optimizer, which may call
//      library routines of its own);
//   7. optimize at O3 and emit the object for the CPU (codegen.cpp);
//   8. link it statically and stripped with lld (link.cpp), then rename into place.
#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/raw_ostream.h>

#include <unistd.h>

#include <chrono>

#include "export/steps.h"
#include "modules/modules.h"

namespace bf::exporter {

using namespace llvm;

namespace {

// A file written under a temporary name beside its final one and renamed into place only
// when everything succeeded; removed otherwise.
class PendingFile {
 public:
  PendingFile() = default;
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;
  ~PendingFile() {
    if (!temp_.empty() && !committed_) sys::fs::remove(temp_);
  }

  bool reserve(const std::string& path, std::string& error) {
    if (sys::fs::is_directory(path)) {
      error = path + ": is a directory";
      return false;
    }
    path_ = path;
    SmallString<256> temp;
    int fd = -1;
    if (std::error_code ec = sys::fs::createUniqueFile(path + ".tmp-%%%%%%", fd, temp)) {
      error = path + ": cannot write: " + ec.message();
      return false;
    }
    close(fd);
    temp_ = std::string(temp);
    return true;
  }
  const std::string& temp() const { return temp_; }

  bool write(StringRef content, std::string& error) {
    std::error_code ec;
    raw_fd_ostream os(temp_, ec);
    if (!ec) {
      os << content;
      os.close();
      ec = os.error();
      os.clear_error();
    }
    if (ec) error = path_ + ": cannot write: " + ec.message();
    return !ec;
  }

  bool commit(unsigned mode, std::string& error) {
    std::error_code ec = sys::fs::setPermissions(temp_, static_cast<sys::fs::perms>(mode));
    if (!ec) ec = sys::fs::rename(temp_, path_);
    if (ec) {
      error = path_ + ": cannot write: " + ec.message();
      return false;
    }
    committed_ = true;
    return true;
  }

 private:
  std::string path_, temp_;
  bool committed_ = false;
};

// The program's module (its modules linked: modules::read_program), and `hash` of its
// bitcode (the identity the code cache files its profile under). `name` names it in messages.
std::unique_ptr<Module> load_module(const ExportRequest& request, LLVMContext& ctx, cache::Digest& hash,
                                    std::string& name, uint64_t& bytes, std::string& error) {
  modules::Program input;
  if (!modules::read_program(request.modules.empty() ? std::vector<std::string>{request.app} : request.modules,
                             input, error))
    return nullptr;
  name = input.name;
  bytes = input.bitcode.size();
  hash = cache::hash_bytes(input.bitcode);
  std::unique_ptr<Module> m;
  std::string problem;
  modules::Read how = modules::read_bounded(input.bitcode.size(), [&] {
    auto parsed = parseBitcodeFile(MemoryBufferRef(input.bitcode, name), ctx);
    if (parsed) m = std::move(*parsed);
    else problem = toString(parsed.takeError());
  });
  if (how != modules::Read::done) {
    (void)m.release();  // in an unknown state: leaked, not destroyed
    error = name + ": " + modules::read_problem(how, input.bitcode.size());
    return nullptr;
  }
  if (!m) {
    error = name + ": " + problem;
    return nullptr;
  }
  if (std::string unverified = modules::verify_problem(*m); !unverified.empty()) {
    error = name + ": " + unverified;
    return nullptr;
  }
  if (!m->getFunction("main") || m->getFunction("main")->isDeclaration()) {
    error = name + ": no main";
    return nullptr;
  }
  return m;
}

bool check_imports(const Module& m, const Toolchain& toolchain, const ExportRequest& request, const std::string& app,
                   std::string& error) {
  std::vector<std::string> missing;
  if (!undefined_in(toolchain, imports_of(m), missing, error)) return false;
  if (missing.empty()) return true;
  error = app + ": import '" + missing[0] + "' is defined neither in " +
          (request.libc == Libc::musl ? "musl" : "glibc") + "'s static libraries nor in BareFlow's export runtime";
  if (missing.size() > 1) error += " (nor " + std::to_string(missing.size() - 1) + " more)";
  return false;
}

// The object file while lld reads it, beside the output (OUT.tmp-XXXXXX.o) like the output's
// own temporary: a killed export leaves its leftovers in one place, under one pattern.
class TempObject {
 public:
  ~TempObject() {
    if (!path_.empty()) sys::fs::remove(path_);
  }
  const std::string& path() const { return path_; }

  bool write(const std::string& output, ArrayRef<char> object, std::string& error) {
    SmallString<128> path;
    int fd = -1;
    if (std::error_code ec = sys::fs::createUniqueFile(output + ".tmp-%%%%%%.o", fd, path)) {
      error = output + ": cannot write a temporary object file beside it: " + ec.message();
      return false;
    }
    path_ = std::string(path);
    raw_fd_ostream os(fd, /*shouldClose=*/true);
    os.write(object.data(), object.size());
    os.close();
    if (os.has_error()) {
      error = path_ + ": " + os.error().message();
      os.clear_error();
      return false;
    }
    return true;
  }

 private:
  std::string path_;
};

uint64_t file_size(const std::string& path) {
  uint64_t size = 0;
  return sys::fs::file_size(path, size) ? 0 : size;
}

ExportReport make_report(const ExportRequest& request, const std::string& app, uint64_t bitcode_bytes,
                         const std::string& cpu, const ProgramCounts& counts, const ProfileInput& profile,
                         StringRef object, const std::string& executable) {
  ExportReport report;
  report.app = app;
  report.output = request.output;
  report.cpu = request.cpu == "host" ? "host (" + cpu + ")" : cpu;
  report.libc = request.libc == Libc::musl ? "musl" : "glibc";
  report.functions = counts.functions;
  report.executed = counts.executed;
  report.cold = counts.cold;
  report.dropped = counts.dropped;
  code_bytes(object, report.hot_code_bytes, report.cold_code_bytes);
  report.output_bytes = file_size(executable);
  report.bareflow_bytes = file_size(sys::fs::getMainExecutable(nullptr, nullptr));
  report.bitcode_bytes = bitcode_bytes;
  report.profile_runs = profile.runs;
  report.profile_timed = profile.counts.timed;
  report.top = top_functions(profile.counts, 10);
  return report;
}

}  // namespace

bool export_program(const ExportRequest& request, ExportReport& report, std::string& error) {
  const auto start = std::chrono::steady_clock::now();
  // 1.
  PendingFile output, report_file;
  if (!output.reserve(request.output, error)) return false;
  if (!request.report.empty() && !report_file.reserve(request.report, error)) return false;
  // 2.
  LLVMContext ctx;
  cache::Digest hash;
  std::string app;
  uint64_t bitcode_bytes = 0;
  std::unique_ptr<Module> m = load_module(request, ctx, hash, app, bitcode_bytes, error);
  if (!m) return false;
  // 3.
  ProfileInput profile;
  if (!read_profiles(request.profiles, *m, hash, app, profile, error)) return false;
  // 4.
  Toolchain toolchain;
  if (!find_toolchain(request.libc, toolchain, error)) return false;
  std::string cpu, features;
  if (!resolve_cpu(request.cpu, cpu, features, error)) return false;
  std::unique_ptr<TargetMachine> tm = make_target_machine(*m, cpu, features, error);
  if (!tm) {
    error = app + ": " + error;
    return false;
  }
  m->setTargetTriple(tm->getTargetTriple().str());
  m->setDataLayout(tm->createDataLayout());
  // 5.
  const ProgramCounts counts =
      apply_profile(*m, profile.counts, request.drop_unexecuted, sys::path::stem(request.app).str());
  if (!link_runtime(*m, error)) return false;
  internalize_program(*m);
  name_cpu(*m, cpu, features);
  // 6.
  if (!check_imports(*m, toolchain, request, app, error)) return false;
  // 7.
  optimize(*m, *tm);
  if (!check_imports(*m, toolchain, request, app, error)) return false;
  SmallVector<char, 0> object;
  if (!emit_object(*m, *tm, object, error)) return false;
  // 8.
  TempObject object_file;
  if (!object_file.write(request.output, object, error)) return false;
  if (!link_executable(toolchain, object_file.path(), output.temp(), error)) return false;
  report = make_report(request, app, bitcode_bytes, cpu, counts, profile, StringRef(object.data(), object.size()), output.temp());
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!request.report.empty() && !report_file.write(report_json(report), error)) return false;
  return output.commit(0755, error) && (request.report.empty() || report_file.commit(0644, error));
}

}  // namespace bf::exporter
