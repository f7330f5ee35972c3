// bareflow.bc (apps/bareflow) as tier 0 sees it: the module verifies, and what it imports that
// the interpreter's import table lacks is exactly the list in missing_imports.txt (the imports
// the running bareflow must supply, docs/meta-circular.md). A new unresolved import fails here
// with its category, before it fails a run; a listed name that now resolves is reported too.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/Bitcode/BitcodeWriter.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Regex.h>
#include <llvm/Support/raw_ostream.h>

#include "vm/machine.h"
#include "vm/vm.h"

namespace {

// The library an unresolved name comes from, by its (mangled) name.
std::string category(llvm::StringRef name) {
  // The self-hosting table's weak references (vm/imports.cpp): the outer bareflow's own table.
  if (name.starts_with("bf_self_")) return "bareflow";
  if (name.starts_with("ffi_")) return "libffi";
  if (name.starts_with("pthread_")) return "pthreads";
  if ((name.starts_with("_Z") && name.contains("4llvm")) || name.starts_with("LLVM") ||
      name.starts_with("llvm_"))
    return "llvm";
  if (name.starts_with("_Z") || name.starts_with("__cxa_") || name.starts_with("__gxx_") ||
      name.starts_with("_Unwind_") || name == "__once_proxy")
    return "libstdc++";
  // compiler-rt/libgcc's builtins: 128-bit integers, half floats, powi.
  static const llvm::Regex builtin("^__(u?(div|mod)ti3|fix(uns)?[sd]fti|floatunti[sd]f|floatti[sd]f|"
                                   "extendhfsf2|trunc[sd]fhf2|powi[sd]f2)$");
  if (builtin.match(name)) return "libgcc";
  return "libc";
}

std::unique_ptr<llvm::Module> load(llvm::LLVMContext& ctx) {
  auto buf = llvm::MemoryBuffer::getFile(BF_META_BITCODE);
  if (!buf) return nullptr;
  auto m = llvm::parseBitcodeFile((*buf)->getMemBufferRef(), ctx);
  if (!m) {
    llvm::consumeError(m.takeError());
    return nullptr;
  }
  return std::move(*m);
}

// "category name" for every used declaration that no import resolves, as the loader asks.
std::set<std::string> unresolved(const llvm::Module& m) {
  std::set<std::string> out;
  auto check = [&](const llvm::GlobalValue& g) {
    if (!g.isDeclaration() || g.use_empty()) return;
    if (auto* f = llvm::dyn_cast<llvm::Function>(&g); f && (f->isIntrinsic() || bf::vm::is_setjmp(f->getName())))
      return;
    auto* v = llvm::dyn_cast<llvm::GlobalVariable>(&g);
    bool resolved = v && v->isThreadLocal() ? bf::vm::find_thread_local_import(g.getName()) != nullptr
                                            : bf::vm::find_import(g.getName()) != nullptr;
    if (!resolved) out.insert(category(g.getName()) + " " + g.getName().str());
  };
  for (const llvm::Function& f : m) check(f);
  for (const llvm::GlobalVariable& g : m.globals()) check(g);
  return out;
}

std::set<std::string> expected() {
  std::set<std::string> out;
  std::ifstream in(BF_META_EXPECTED);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') out.insert(line);
  return out;
}

TEST(MetaBitcode, Verifies) {
  llvm::LLVMContext ctx;
  auto m = load(ctx);
  ASSERT_TRUE(m) << "cannot read " << BF_META_BITCODE;
  std::string errors;
  llvm::raw_string_ostream os(errors);
  EXPECT_FALSE(llvm::verifyModule(*m, &os)) << errors;
  EXPECT_TRUE(m->getFunction("main") && !m->getFunction("main")->isDeclaration());
}

TEST(MetaBitcode, UnresolvedImportsAreTheListedOnes) {
  llvm::LLVMContext ctx;
  auto m = load(ctx);
  ASSERT_TRUE(m) << "cannot read " << BF_META_BITCODE;
  std::set<std::string> got = unresolved(*m), want = expected();
  ASSERT_FALSE(want.empty()) << "cannot read " << BF_META_EXPECTED;
  std::ostringstream added, gone;
  for (const std::string& s : got)
    if (!want.count(s)) added << s << "\n";
  for (const std::string& s : want)
    if (!got.count(s)) gone << s << "\n";
  EXPECT_TRUE(added.str().empty()) << "imports of bareflow.bc that neither the import table nor "
                                      "missing_imports.txt has:\n" << added.str();
  EXPECT_TRUE(gone.str().empty()) << "listed in missing_imports.txt but resolved now (remove them):\n"
                                  << gone.str();
}

}  // namespace

namespace {

// The module with every unresolved import stubbed (a function body that is `unreachable`, a
// zeroed datum), so that tier 0 loads it and each function can be offered to the translator.
// Every construct of bareflow.bc loads now (thread-locals, blockaddress initializers): what the
// loader refuses fails the test below with the loader's line.
std::string stubbed_bitcode(llvm::Module& m) {
  for (llvm::Function& f : m)
    if (f.isDeclaration() && !f.isIntrinsic() && !f.use_empty() && !bf::vm::find_import(f.getName()) &&
        !bf::vm::is_setjmp(f.getName())) {
      auto* bb = llvm::BasicBlock::Create(m.getContext(), "", &f);
      new llvm::UnreachableInst(m.getContext(), bb);
    }
  for (llvm::GlobalVariable& g : m.globals())
    if (g.isDeclaration() && !g.use_empty() && !bf::vm::find_import(g.getName()))
      g.setInitializer(llvm::Constant::getNullValue(g.getValueType()));
  std::string bytes;
  llvm::raw_string_ostream os(bytes);
  llvm::WriteBitcodeToFile(m, os);
  return bytes;
}

// A refusal's construct: "unsupported instruction: invoke", "unsupported intrinsic:
// llvm.x86.rdtsc", or the text before the offending instruction.
std::string construct(const std::string& refusal) {
  llvm::SmallVector<llvm::StringRef, 3> match;
  static const llvm::Regex instruction("^(unsupported instruction): (%[^ ]+ = )?([a-z]+)");
  static const llvm::Regex intrinsic("^(unsupported intrinsic): .*@(llvm\\.[A-Za-z0-9_.]+)\\(");
  if (instruction.match(refusal, &match)) return (match[1] + ": " + match[3]).str();
  if (intrinsic.match(refusal, &match)) return (match[1] + ": " + match[2]).str();
  return refusal.substr(0, refusal.find(':'));
}

// What the translator refuses in bareflow.bc, one "unsupported CONSTRUCT" a kind (the refusal
// line's text before the instruction), as refused_constructs.txt lists them; the lines
// themselves are printed, one per function.
TEST(MetaBitcode, RefusedConstructsAreTheListedOnes) {
  llvm::LLVMContext ctx;
  auto m = load(ctx);
  ASSERT_TRUE(m) << "cannot read " << BF_META_BITCODE;
  std::string bytes = stubbed_bitcode(*m), error;
  auto program = bf::vm::Program::load_buffer(bytes.data(), bytes.size(), "bareflow.bc", error);
  ASSERT_TRUE(program) << error;
  std::map<std::string, int> count;
  bf::vm::Machine& machine = program->machine();
  for (auto& f : machine.functions) {
    std::string e;
    if (machine.try_code_for(f.get(), e)) continue;
    size_t at = e.find("unsupported ");
    ASSERT_NE(at, std::string::npos) << e;
    std::string kind = construct(e.substr(at));
    if (count[kind]++ < 3) std::printf("%s\n", e.c_str());
  }
  std::ifstream in(BF_META_REFUSED);
  std::set<std::string> want;
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') want.insert(line);
  std::ostringstream got;
  for (auto& [kind, n] : count) got << kind << "\n";
  std::ostringstream wanted;
  for (const std::string& w : want) wanted << w << "\n";
  for (auto& [kind, n] : count) std::printf("%5d functions: %s\n", n, kind.c_str());
  EXPECT_EQ(got.str(), wanted.str());
}

}  // namespace
