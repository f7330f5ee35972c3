// The export's steps on small modules: profiles that fit or do not, the profile as !prof with
// cold and dropped functions, the CPU's features, the import table against the static
// libraries and the runtime, and two exports in one process (lld called twice).
#include <llvm/AsmParser/Parser.h>
#include <llvm/Bitcode/BitcodeWriter.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/ProfDataUtils.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/raw_ostream.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "export/export.h"
#include "export/steps.h"
#include "vm/vm.h"

namespace bf::exporter {
void PrintTo(Libc libc, std::ostream* os) { *os << (libc == Libc::musl ? "musl" : "glibc"); }
}  // namespace bf::exporter

namespace {

using namespace bf;
using namespace llvm;

// main calls count(n) with a loop; `spare` is never called.
const char kProgram[] = R"(
target triple = "x86_64-pc-linux-gnu"
@.text = private constant [9 x i8] c"sum %ld\0A\00"
declare i32 @printf(ptr, ...)
define i64 @count(i64 %n) {
entry:
  %c = icmp sgt i64 %n, 0
  br i1 %c, label %loop, label %done
loop:
  %i = phi i64 [0, %entry], [%i1, %loop]
  %s = phi i64 [0, %entry], [%s1, %loop]
  %s1 = add i64 %s, %i
  %i1 = add i64 %i, 1
  %more = icmp slt i64 %i1, %n
  br i1 %more, label %loop, label %done
done:
  %r = phi i64 [0, %entry], [%s1, %loop]
  ret i64 %r
}
define i64 @spare(i64 %x) #0 {
  %y = mul i64 %x, 7
  ret i64 %y
}
define i32 @main() {
  %s = call i64 @count(i64 10)
  %p = call i32 (ptr, ...) @printf(ptr @.text, i64 %s)
  ret i32 0
}
attributes #0 = { noinline optnone "target-features"="+avx2,+fma" }
)";

std::unique_ptr<Module> parse(LLVMContext& ctx, const char* text = kProgram) {
  SMDiagnostic diag;
  auto m = parseAssemblyString(text, diag, ctx);
  EXPECT_TRUE(m) << diag.getMessage().str();
  return m;
}

// What one run of kProgram measures: main once, count once with 9 back-edges.
profile::Profile measured() {
  profile::Profile p;
  p.functions = {{"count", 1, 0, 0, 3, "interp", {{0, 1, 0, false, 1}, {0, 2, 1, false, 0},
                                                   {1, 1, 0, true, 9}, {1, 2, 1, false, 1}}},
                 {"spare", 0, 0, 0, 0, "none", {}},
                 {"main", 1, 0, 0, 1, "interp", {}}};
  return p;
}

TEST(Profile, FitsItsModuleOnly) {
  LLVMContext ctx;
  auto m = parse(ctx);
  std::string error;
  EXPECT_TRUE(exporter::profile_fits(*m, measured(), error)) << error;

  profile::Profile blocks = measured();
  blocks.functions[0].blocks = 4;
  EXPECT_FALSE(exporter::profile_fits(*m, blocks, error));
  EXPECT_EQ(error, "function 'count' has 4 blocks in the profile, 3 in the module");

  profile::Profile edge = measured();
  edge.functions[0].edges[2].to = 2;  // block 1's successor 0 is block 1
  EXPECT_FALSE(exporter::profile_fits(*m, edge, error));
  EXPECT_EQ(error, "function 'count' has no edge from block 1 to block 2 (successor 0) in the module");

  profile::Profile missing = measured();
  missing.functions.pop_back();
  EXPECT_FALSE(exporter::profile_fits(*m, missing, error));
  EXPECT_EQ(error, "the module's function 'main' is not in the profile");

  profile::Profile extra = measured();
  extra.functions.push_back({"elsewhere", 1, 0, 0, 1, "interp", {}});
  EXPECT_FALSE(exporter::profile_fits(*m, extra, error));
  EXPECT_EQ(error, "the profile names function 'elsewhere', which the module does not define");
}

TEST(Profile, CountsBecomeProfMetadataAndUnexecutedCodeCold) {
  LLVMContext ctx;
  auto m = parse(ctx);
  exporter::ProgramCounts counts = exporter::apply_profile(*m, measured(), false, "app");
  EXPECT_EQ(counts.functions, 3u);
  EXPECT_EQ(counts.executed, 2u);
  EXPECT_EQ(counts.cold, 1u);
  EXPECT_EQ(counts.dropped, 0u);
  EXPECT_TRUE(m->getProfileSummary(false));
  Function* count = m->getFunction("count");
  ASSERT_TRUE(count->getEntryCount());
  EXPECT_EQ(count->getEntryCount()->getCount(), 1u);
  // The loop's back-edge: 9 taken, 1 not; +1 each (never certain).
  SmallVector<uint32_t, 2> weights;
  ASSERT_TRUE(extractBranchWeights(*std::next(count->begin())->getTerminator(), weights));
  EXPECT_EQ(weights, (SmallVector<uint32_t, 2>{10, 2}));
  Function* spare = m->getFunction("spare");
  EXPECT_EQ(spare->getEntryCount()->getCount(), 0u);
  EXPECT_TRUE(spare->hasFnAttribute(Attribute::Cold));
  EXPECT_TRUE(spare->hasFnAttribute(Attribute::MinSize));
  EXPECT_FALSE(spare->hasFnAttribute(Attribute::OptimizeNone));
  EXPECT_EQ(spare->getSectionPrefix(), "unlikely");
  EXPECT_EQ(spare->size(), 1u);  // the body is kept
}

TEST(Profile, DroppedFunctionsBecomeAStubThatNamesThem) {
  LLVMContext ctx;
  auto m = parse(ctx);
  exporter::ProgramCounts counts = exporter::apply_profile(*m, measured(), true, "app");
  EXPECT_EQ(counts.cold, 0u);
  EXPECT_EQ(counts.dropped, 1u);
  Function* spare = m->getFunction("spare");
  auto* call = dyn_cast<CallInst>(&spare->getEntryBlock().front());
  ASSERT_TRUE(call);
  EXPECT_EQ(call->getCalledFunction()->getName(), "__bf_export_not_executed");
  auto* message = cast<GlobalVariable>(call->getArgOperand(0));
  EXPECT_EQ(cast<ConstantDataArray>(message->getInitializer())->getAsCString(),
            "app: spare was not executed while profiling; export again without --drop-unexecuted\n");
  EXPECT_TRUE(isa<UnreachableInst>(call->getNextNode()));
  std::string error;
  ASSERT_TRUE(exporter::link_runtime(*m, error)) << error;
  EXPECT_FALSE(m->getFunction("__bf_export_not_executed")->isDeclaration());
}

TEST(Cpu, NamedOnEveryFunctionWithTheSourcesOwnFeatures) {
  LLVMContext ctx;
  auto m = parse(ctx);
  exporter::name_cpu(*m, "x86-64", "");
  Function* spare = m->getFunction("spare");
  EXPECT_EQ(spare->getFnAttribute("target-cpu").getValueAsString(), "x86-64");
  EXPECT_EQ(spare->getFnAttribute("target-features").getValueAsString(), "+avx2,+fma");
  EXPECT_FALSE(spare->hasFnAttribute(Attribute::OptimizeNone));
  EXPECT_FALSE(m->getFunction("main")->hasFnAttribute("target-features"));
  exporter::name_cpu(*m, "znver4", "+avx512f,-avx2");
  EXPECT_EQ(spare->getFnAttribute("target-features").getValueAsString(), "+avx512f,-avx2,+avx2,+fma");
  std::string cpu, features, error;
  EXPECT_TRUE(exporter::resolve_cpu("host", cpu, features, error));
  EXPECT_FALSE(cpu.empty());
  EXPECT_NE(features.find("+sse2"), std::string::npos);
  EXPECT_FALSE(exporter::resolve_cpu("i486", cpu, features, error));
}

// Whatever a program run by bareflow may import, an export resolves: in the static libc and
// libgcc, or in BareFlow's export runtime.
class Imports : public ::testing::TestWithParam<exporter::Libc> {};

TEST_P(Imports, EveryNameOfTheImportTableResolves) {
  exporter::Toolchain toolchain;
  std::string error;
  ASSERT_TRUE(exporter::find_toolchain(GetParam(), toolchain, error)) << error;
  std::vector<std::string> missing;
  ASSERT_TRUE(exporter::undefined_in(toolchain, vm::import_names(), missing, error)) << error;
  LLVMContext ctx;
  std::unique_ptr<Module> runtime = exporter::load_runtime(ctx, error);
  ASSERT_TRUE(runtime) << error;
  for (const std::string& name : missing) {
    // The JIT's code generator calls it for thread-locals (emulated TLS, shared with tier 0);
    // bitcode does not (even -femulated-tls is a code generation choice), and export's code
    // generator keeps native TLS, so no exported program needs it.
    if (name == "__emutls_get_address") continue;
    GlobalValue* v = runtime->getNamedValue(name);
    EXPECT_TRUE(v && !v->isDeclaration()) << name << " is neither in the static libraries nor in the runtime";
  }
  // The runtime's C++ part is what those libraries lack; the libc part is theirs.
  EXPECT_FALSE(missing.empty());
  EXPECT_EQ(std::count(missing.begin(), missing.end(), "malloc"), 0);
}

INSTANTIATE_TEST_SUITE_P(Export, Imports, ::testing::Values(exporter::Libc::musl, exporter::Libc::glibc),
                         [](const auto& info) { return std::string(info.param == exporter::Libc::musl ? "musl" : "glibc"); });

// $BAREFLOW_EXPORT_LIBDIR, when set, is the only place searched: a self-contained sysroot.
TEST(Toolchain, SysrootIsTheOnlyPlaceSearched) {
  exporter::Toolchain host;
  std::string error;
  ASSERT_TRUE(exporter::find_toolchain(exporter::Libc::musl, host, error)) << error;
  SmallString<128> dir;
  ASSERT_FALSE(sys::fs::createUniqueDirectory("bareflow-export-sysroot", dir));
  std::vector<std::string> files = host.start_files;
  files.insert(files.end(), host.archives.begin(), host.archives.end());
  files.insert(files.end(), host.end_files.begin(), host.end_files.end());
  for (const std::string& f : files)
    ASSERT_FALSE(sys::fs::create_link(f, std::string(dir) + "/" + sys::path::filename(f).str()));
  setenv("BAREFLOW_EXPORT_LIBDIR", dir.c_str(), 1);
  exporter::Toolchain shipped;
  EXPECT_TRUE(exporter::find_toolchain(exporter::Libc::musl, shipped, error)) << error;
  for (const std::string& f : shipped.archives) EXPECT_EQ(sys::path::parent_path(f), dir) << f;
  sys::fs::remove(std::string(dir) + "/libgcc.a");
  EXPECT_FALSE(exporter::find_toolchain(exporter::Libc::musl, shipped, error));
  EXPECT_EQ(error, "no libgcc.a (Debian libgcc-12-dev) in " + std::string(dir) + " ($BAREFLOW_EXPORT_LIBDIR)");
  unsetenv("BAREFLOW_EXPORT_LIBDIR");
  sys::fs::remove_directories(dir);
}

// Runs a command, returning its stdout (and its exit status in `status`).
std::string output_of(const std::string& command, int& status) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  char buffer[256];
  while (p && fgets(buffer, sizeof buffer, p)) out += buffer;
  status = p ? pclose(p) : -1;
  return out;
}

// lld's driver is called twice in one process (musl, then glibc); both executables run.
TEST(Export, TwiceInOneProcess) {
  SmallString<128> dir;
  ASSERT_FALSE(sys::fs::createUniqueDirectory("bareflow-export-test", dir));
  const std::string bc = std::string(dir) + "/count.bc", profile = std::string(dir) + "/count.json";
  {
    LLVMContext ctx;
    auto m = parse(ctx);
    std::error_code ec;
    raw_fd_ostream os(bc, ec);
    ASSERT_FALSE(ec);
    WriteBitcodeToFile(*m, os);
  }
  std::ofstream(profile) << profile::to_json(measured());
  for (exporter::Libc libc : {exporter::Libc::musl, exporter::Libc::glibc}) {
    exporter::ExportRequest request;
    request.app = bc;
    request.output = std::string(dir) + (libc == exporter::Libc::musl ? "/count-musl" : "/count-glibc");
    request.profiles = {profile};
    request.libc = libc;
    exporter::ExportReport report;
    std::string error;
    ASSERT_TRUE(exporter::export_program(request, report, error)) << error;
    EXPECT_EQ(report.functions, 3u);
    EXPECT_EQ(report.cold, 1u);
    int status = 0;
    EXPECT_EQ(output_of(request.output, status), "sum 45\n");
    EXPECT_EQ(status, 0);
  }
  sys::fs::remove_directories(dir);
}

}  // namespace
