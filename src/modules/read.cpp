// The program's input files: each read as bitcode or IR text by what it holds, verified, and
// several linked into the first with llvm::Linker after a check that no symbol has two strong
// definitions (the linker's own message names neither file).
#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/Bitcode/BitcodeWriter.h>
#include <llvm/IR/DiagnosticInfo.h>
#include <llvm/IR/DiagnosticPrinter.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/AsmParser/Parser.h>
#include <llvm/Linker/Linker.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/raw_ostream.h>

#include <map>
#include <memory>

#include "modules/modules.h"

namespace bf::modules {

using namespace llvm;

bool is_bitcode(const std::string& bytes) {
  return isBitcode(reinterpret_cast<const unsigned char*>(bytes.data()),
                   reinterpret_cast<const unsigned char*>(bytes.data() + bytes.size()));
}

std::string verify_problem(const Module& m) {
  std::string problems;
  raw_string_ostream os(problems);
  if (!verifyModule(m, &os)) return "";
  return "the module does not verify: " + problems.substr(0, problems.find('\n'));
}

namespace {

bool read_file(const std::string& path, std::string& bytes, std::string& error) {
  auto buffer = MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!buffer) {
    error = path + ": " + buffer.getError().message();
    return false;
  }
  bytes = (*buffer)->getBuffer().str();
  return true;
}

// One file as a module in `ctx`, verified.
std::unique_ptr<Module> parse(const std::string& path, const std::string& bytes, LLVMContext& ctx,
                              std::string& error) {
  std::unique_ptr<Module> m;
  std::string problem;
  const bool bitcode = is_bitcode(bytes);
  if (!bitcode && bytes.find('\0') != std::string::npos) {
    error = path + ": neither LLVM bitcode nor LLVM IR text";
    return nullptr;
  }
  Read how = read_bounded(bytes.size(), [&] {
    if (bitcode) {
      auto parsed = parseBitcodeFile(MemoryBufferRef(bytes, path), ctx);
      if (parsed) m = std::move(*parsed);
      else problem = "not valid LLVM bitcode (" + toString(parsed.takeError()) + ")";
      return;
    }
    // Named by the file's name alone: text without a source_filename takes the module's name
    // as its own, which is in the bitcode, and ./a.ll must be the same module as a.ll.
    SMDiagnostic diagnostic;
    m = parseAssembly(MemoryBufferRef(bytes, sys::path::filename(path)), diagnostic, ctx);
    if (!m)
      problem = std::to_string(diagnostic.getLineNo()) + ":" + std::to_string(diagnostic.getColumnNo() + 1) + ": " +
                diagnostic.getMessage().str();
  });
  if (how != Read::done) {
    (void)m.release();  // in an unknown state: leaked, not destroyed
    error = path + ": " + read_problem(how, bytes.size());
    return nullptr;
  }
  if (!m) {
    error = path + (bitcode ? ": " : ":") + problem;
    return nullptr;
  }
  if (std::string problem = verify_problem(*m); !problem.empty()) {
    error = path + ": " + problem;
    return nullptr;
  }
  return m;
}

// A definition the linker must not see twice: not local, weak, linkonce, common, appending
// (llvm.global_ctors and the like) or available_externally.
bool strong_definition(const GlobalValue& g) {
  return !g.isDeclaration() && !g.hasLocalLinkage() && !g.isWeakForLinker() && !g.hasAppendingLinkage() &&
         !g.hasAvailableExternallyLinkage();
}

// The linker's first error, for the one line; warnings (another triple, another data layout)
// are left to the loader's own checks.
struct LinkDiagnostics {
  std::string first_error;
};

void on_diagnostic(const DiagnosticInfo* info, void* context) {
  auto* d = static_cast<LinkDiagnostics*>(context);
  if (info->getSeverity() != DS_Error || !d->first_error.empty()) return;
  raw_string_ostream os(d->first_error);
  DiagnosticPrinterRawOStream printer(os);
  info->print(printer);
}

bool link_all(const std::vector<std::string>& paths, const std::vector<std::string>& bytes, LLVMContext& ctx,
              std::string& bitcode, std::string& error) {
  LinkDiagnostics diagnostics;
  ctx.setDiagnosticHandlerCallBack(on_diagnostic, &diagnostics);
  std::map<std::string, std::string> defined_in;  // symbol -> the file with its strong definition
  std::unique_ptr<Module> linked;
  for (size_t k = 0; k < paths.size(); k++) {
    std::unique_ptr<Module> m = parse(paths[k], bytes[k], ctx, error);
    if (!m) return false;
    for (const GlobalValue& g : m->global_values()) {
      if (!strong_definition(g)) continue;
      auto [at, fresh] = defined_in.emplace(g.getName().str(), paths[k]);
      if (!fresh) {
        error = "symbol '" + at->first + "' is defined in both " + at->second + " and " + paths[k];
        return false;
      }
    }
    if (!linked) {
      linked = std::move(m);
      continue;
    }
    if (Linker::linkModules(*linked, std::move(m))) {
      error = paths[k] + ": cannot be linked with " + paths[0] + ": " +
              (diagnostics.first_error.empty() ? "the linker failed" : diagnostics.first_error);
      return false;
    }
  }
  raw_string_ostream os(bitcode);
  WriteBitcodeToFile(*linked, os);
  return true;
}

}  // namespace

bool read_program(const std::vector<std::string>& paths, Program& out, std::string& error) {
  if (paths.empty()) {
    error = "no program given";
    return false;
  }
  std::vector<std::string> bytes(paths.size());
  for (size_t k = 0; k < paths.size(); k++)
    if (!read_file(paths[k], bytes[k], error)) return false;
  out.name = paths[0];
  for (size_t k = 1; k < paths.size(); k++) out.name += "+" + paths[k];
  if (paths.size() == 1 && is_bitcode(bytes[0])) {
    out.bitcode = std::move(bytes[0]);  // read by the command itself, bounded the same way
    return true;
  }
  out.bitcode.clear();
  LLVMContext ctx;
  return link_all(paths, bytes, ctx, out.bitcode, error);
}

}  // namespace bf::modules
