// Code for the chosen CPU: LLVM's O3 pipeline with the profile attached, then the object file,
// with LLVM's TargetMachine in this process.
#include <llvm/ADT/StringMap.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/TargetParser/Host.h>
#include <llvm/TargetParser/X86TargetParser.h>

#include <mutex>

#include "export/steps.h"

namespace bf::exporter {

using namespace llvm;

bool resolve_cpu(const std::string& name, std::string& cpu, std::string& features, std::string& error) {
  features.clear();
  if (name == "host") {
    // As the JIT names the host: its CPU and every feature it has or lacks.
    cpu = sys::getHostCPUName().str();
    for (const auto& [feature, enabled] : sys::getHostCPUFeatures()) {
      if (!features.empty()) features += ",";
      features += (enabled ? "+" : "-") + feature.str();
    }
    return true;
  }
  if (name == "x86-64" || name == "x86-64-v2" || name == "x86-64-v3") {
    cpu = name;  // the features are those the CPU name implies
    return true;
  }
  error = "--cpu " + name + ": not one of host, x86-64, x86-64-v2, x86-64-v3";
  return false;
}

std::unique_ptr<TargetMachine> make_target_machine(const Module& m, const std::string& cpu, const std::string& features,
                                                   std::string& error) {
  static std::once_flag targets;
  std::call_once(targets, [] {
    InitializeNativeTarget();
    InitializeNativeTargetAsmPrinter();
  });
  // A module that names no target (hand-written IR) is taken as x86-64 Linux, as the
  // interpreter takes it.
  std::string triple = m.getTargetTriple().empty() ? "x86_64-pc-linux-gnu" : m.getTargetTriple();
  if (!Triple(triple).isX86() || !Triple(triple).isArch64Bit() || !Triple(triple).isOSLinux()) {
    error = "the module's target is " + triple + "; export makes x86-64 Linux executables";
    return nullptr;
  }
  const Target* target = TargetRegistry::lookupTarget(triple, error);
  if (!target) return nullptr;
  TargetOptions options;
  options.FunctionSections = true;  // so that the link drops what no one references
  options.DataSections = true;
  options.UseInitArray = true;  // constructors and destructors in .init_array/.fini_array, which libc runs
  std::unique_ptr<TargetMachine> tm(target->createTargetMachine(triple, cpu, features, options, Reloc::Static,
                                                                CodeModel::Small, CodeGenOptLevel::Aggressive));
  if (!tm) error = "no target machine for " + triple + " and CPU " + cpu;
  return tm;
}

void optimize(Module& m, TargetMachine& tm) {
  LoopAnalysisManager lam;
  FunctionAnalysisManager fam;
  CGSCCAnalysisManager cgam;
  ModuleAnalysisManager mam;
  PipelineTuningOptions tuning;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  PassBuilder pb(&tm, tuning);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(OptimizationLevel::O3);
  mpm.run(m, mam);
}

bool emit_object(Module& m, TargetMachine& tm, SmallVectorImpl<char>& object, std::string& error) {
  m.setDataLayout(tm.createDataLayout());
  raw_svector_ostream os(object);
  legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr, CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit an object file";
    return false;
  }
  pm.run(m);
  return true;
}

void code_bytes(StringRef object, uint64_t& hot, uint64_t& cold) {
  hot = cold = 0;
  auto file = object::ObjectFile::createObjectFile(MemoryBufferRef(object, "export"));
  if (!file) {
    consumeError(file.takeError());
    return;
  }
  for (const object::SectionRef& s : (*file)->sections()) {
    auto name = s.getName();
    if (!name) {
      consumeError(name.takeError());
      continue;
    }
    if (!s.isText()) continue;
    (name->starts_with(".text.unlikely") ? cold : hot) += s.getSize();
  }
}

}  // namespace bf::exporter
