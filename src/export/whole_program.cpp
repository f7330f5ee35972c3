// The module as one whole program, shaped by its profile before the optimizer runs.
#include <llvm/ADT/StringMap.h>
#include <llvm/ADT/StringSet.h>
#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/Demangle/Demangle.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/Linker/Linker.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Transforms/IPO/Internalize.h>

#include "export/steps.h"
#include "profile/metadata.h"

// export_runtime.bc, embedded by runtime_blob.S.
extern "C" const char bf_export_runtime[];
extern "C" const char bf_export_runtime_end[];

namespace bf::exporter {

using namespace llvm;

namespace {

constexpr char kNotExecuted[] = "__bf_export_not_executed";

// f's body becomes: print "APP: F was not executed while profiling; ...", exit 70.
void replace_with_stub(Function& f, const std::string& app) {
  const GlobalValue::LinkageTypes linkage = f.getLinkage();
  const std::string message = app + ": " + demangle(f.getName().str()) +
                              " was not executed while profiling; export again without --drop-unexecuted\n";
  f.deleteBody();
  f.setLinkage(linkage);
  f.setComdat(nullptr);
  Module& m = *f.getParent();
  LLVMContext& ctx = m.getContext();
  FunctionCallee stub = m.getOrInsertFunction(kNotExecuted, Type::getVoidTy(ctx), PointerType::getUnqual(ctx));
  IRBuilder<> b(BasicBlock::Create(ctx, "", &f));
  CallInst* call = b.CreateCall(stub, {b.CreateGlobalStringPtr(message, f.getName() + ".not_executed")});
  call->setDoesNotReturn();
  b.CreateUnreachable();
}

void mark_cold(Function& f) {
  f.removeFnAttr(Attribute::OptimizeNone);  // clang -O0's; incompatible with optsize
  f.removeFnAttr(Attribute::NoInline);
  f.addFnAttr(Attribute::Cold);
  f.addFnAttr(Attribute::OptimizeForSize);
  f.addFnAttr(Attribute::MinSize);
  f.setSectionPrefix("unlikely");  // .text.unlikely.*: grouped apart from the hot code
}

}  // namespace

ProgramCounts apply_profile(Module& m, const profile::Profile& p, bool drop_unexecuted, const std::string& app) {
  StringMap<const profile::FunctionProfile*> by_name;
  for (const profile::FunctionProfile& f : p.functions) by_name[f.name] = &f;
  ProgramCounts counts;
  InstrProfSummaryBuilder summary(ProfileSummaryBuilder::DefaultCutoffs);
  std::vector<Function*> program;
  for (Function& f : m)
    if (!f.isDeclaration()) program.push_back(&f);
  for (Function* f : program) {
    const profile::FunctionProfile* pf = by_name.lookup(f->getName());
    counts.functions++;
    if (pf && (pf->calls || pf->blocks)) {
      counts.executed++;
      profile::attach_counts(*f, pf->calls, pf->edges, summary);
      continue;
    }
    if (pf && ran_compiled(*pf)) {  // compiled ahead: it may have run, uncounted; no counts
      counts.executed++;
      continue;
    }
    if (drop_unexecuted) {
      replace_with_stub(*f, app);
      counts.dropped++;
    } else {
      counts.cold++;
    }
    mark_cold(*f);
    profile::attach_counts(*f, 0, {}, summary);
  }
  m.setProfileSummary(summary.getSummary()->getMD(m.getContext()), ProfileSummary::PSK_Instr);
  return counts;
}

std::unique_ptr<Module> load_runtime(LLVMContext& ctx, std::string& error) {
  StringRef bitcode(bf_export_runtime, bf_export_runtime_end - bf_export_runtime);
  auto runtime = parseBitcodeFile(MemoryBufferRef(bitcode, "export_runtime.bc"), ctx);
  if (!runtime) {
    error = "BareFlow's export runtime: " + toString(runtime.takeError());
    return nullptr;
  }
  return std::move(*runtime);
}

bool link_runtime(Module& m, std::string& error) {
  std::unique_ptr<Module> runtime = load_runtime(m.getContext(), error);
  if (!runtime) return false;
  runtime->setDataLayout(m.getDataLayout());
  runtime->setTargetTriple(m.getTargetTriple());
  if (Linker::linkModules(m, std::move(runtime), Linker::LinkOnlyNeeded)) {
    error = "cannot link BareFlow's export runtime into the program";
    return false;
  }
  return true;
}

void internalize_program(Module& m) {
  internalizeModule(m, [](const GlobalValue& v) { return v.getName() == "main" || v.getName() == "__dso_handle"; });
}

void name_cpu(Module& m, const std::string& cpu, const std::string& features) {
  for (Function& f : m) {
    if (f.isDeclaration()) continue;
    if (f.hasFnAttribute(Attribute::OptimizeNone)) {
      f.removeFnAttr(Attribute::OptimizeNone);
      f.removeFnAttr(Attribute::NoInline);
    }
    profile::keep_unfused(f);
    const std::string merged = profile::features_with_own(f, features);
    f.addFnAttr("target-cpu", cpu);
    if (merged.empty()) f.removeFnAttr("target-features");
    else f.addFnAttr("target-features", merged);
    f.removeFnAttr("tune-cpu");
  }
}

}  // namespace bf::exporter
