// Loader and runtime behaviour on bad and edge-case input: one clear message, non-zero exit.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstring>
#include <vector>

#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>

#include <llvm/IR/DerivedTypes.h>

#include "modules/modules.h"
#include "profile/profile.h"
#include "vm/machine.h"
#include "vm/vm.h"

extern "C" {
extern const bf::vm::Import bf_generated_imports[];
extern const size_t bf_generated_imports_count;
}

namespace {

std::string input(const std::string& name) { return std::string(BF_VM_TEST_INPUTS) + "/" + name; }

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST(Loader, GarbageIsNotBitcode) {
  std::string error;
  const char junk[] = "this is not bitcode at all";
  auto p = bf::vm::Program::load_buffer(junk, sizeof junk, "junk.bc", error);
  EXPECT_EQ(p, nullptr);
  EXPECT_NE(error.find("junk.bc: not valid LLVM bitcode"), std::string::npos) << error;
}

// The memory cap under which the reader runs (modules::read_bounded): an allocation that grows
// without bound, and one too large at once, end the read as out of memory; the process's own
// limit is as it was afterwards, and a read that fits is done.
char* volatile g_kept;  // what the reads below allocate is observable, not optimized away

TEST(Loader, ReadsAreBoundedInMemory) {
  rlimit before{};
  ASSERT_EQ(getrlimit(RLIMIT_AS, &before), 0);
  const uint64_t input = 4096;
  size_t grown = 0;
  auto how = bf::modules::read_bounded(input, [&] {
    for (;;) {
      char* block = new char[1 << 20];
      std::memset(block, 1, 1 << 20);
      g_kept = block;
      grown += 1 << 20;
    }
  });
  EXPECT_EQ(how, bf::modules::Read::out_of_memory);
  EXPECT_LE(grown, bf::modules::memory_budget(input));
  EXPECT_GT(grown, bf::modules::memory_budget(input) / 2);
  how = bf::modules::read_bounded(input, [] {
    std::vector<uint64_t> huge;
    huge.resize(uint64_t(1) << 36);
    g_kept = reinterpret_cast<char*>(huge.data());
  });
  EXPECT_EQ(how, bf::modules::Read::out_of_memory);
  rlimit after{};
  ASSERT_EQ(getrlimit(RLIMIT_AS, &after), 0);
  EXPECT_EQ(after.rlim_cur, before.rlim_cur);
  EXPECT_EQ(bf::modules::read_bounded(input, [] {
              std::vector<char> fits(64 << 20, 1);
              g_kept = fits.data();
            }),
            bf::modules::Read::done);
  EXPECT_NE(bf::modules::read_problem(bf::modules::Read::out_of_memory, input).find("256 MiB"), std::string::npos);
}

TEST(Loader, TruncatedBitcode) {
  std::string bc = read_file(input("loop.bc"));
  ASSERT_GT(bc.size(), 64u);
  for (size_t keep : {size_t(4), bc.size() / 3, bc.size() / 2, bc.size() - 8}) {
    std::string error;
    auto p = bf::vm::Program::load_buffer(bc.data(), keep, "cut.bc", error);
    EXPECT_EQ(p, nullptr) << "kept " << keep;
    EXPECT_EQ(error.rfind("cut.bc: ", 0), 0u) << error;
  }
}

TEST(Loader, MissingFile) {
  std::string error;
  EXPECT_EQ(bf::vm::Program::load(input("does-not-exist.bc"), error), nullptr);
  EXPECT_NE(error.find("does-not-exist.bc: "), std::string::npos) << error;
}

TEST(Loader, UnverifiableModule) {
  std::string error;
  EXPECT_EQ(bf::vm::Program::load(input("unverifiable.bc"), error), nullptr);
  EXPECT_NE(error.find("does not verify"), std::string::npos) << error;
}

TEST(Loader, UnresolvedImport) {
  std::string error;
  EXPECT_EQ(bf::vm::Program::load(input("unresolved.bc"), error), nullptr);
  EXPECT_NE(error.find("unresolved import 'no_such_host_function'"), std::string::npos) << error;
}

// find_import searches the generated table by binary search: every name in it must be found,
// as the table itself or a hand-written entry of the same name.
TEST(Loader, EveryGeneratedImportIsFound) {
  ASSERT_TRUE(bf::vm::generated_imports_sorted());
  ASSERT_GT(bf_generated_imports_count, 1000u);
  for (size_t i = 0; i < bf_generated_imports_count; i++) {
    const bf::vm::Import* found = bf::vm::find_import(bf_generated_imports[i].name);
    ASSERT_NE(found, nullptr) << bf_generated_imports[i].name;
    EXPECT_STREQ(found->name, bf_generated_imports[i].name);
  }
  EXPECT_EQ(bf::vm::find_import("no_such_host_function"), nullptr);
  EXPECT_EQ(bf::vm::find_import(""), nullptr);
  EXPECT_EQ(bf::vm::find_import("~~~"), nullptr);
}

// The host's thread-locals that a program may import (std::call_once's): each accessor gives the
// calling thread's own copy, the one the host's code uses.
TEST(Loader, HostThreadLocalsHaveAccessors) {
  bf::vm::ThreadLocalAccessor callable = bf::vm::find_thread_local_import("_ZSt15__once_callable");
  bf::vm::ThreadLocalAccessor call = bf::vm::find_thread_local_import("_ZSt11__once_call");
  ASSERT_NE(callable, nullptr);
  ASSERT_NE(call, nullptr);
  EXPECT_EQ(callable(), static_cast<void*>(&std::__once_callable));
  EXPECT_EQ(call(), reinterpret_cast<void*>(&std::__once_call));
  void* other = nullptr;
  std::thread([&] { other = callable(); }).join();
  EXPECT_NE(other, nullptr);
  EXPECT_NE(other, callable());
  EXPECT_EQ(bf::vm::find_thread_local_import("errno"), nullptr);  // GLIBC_PRIVATE
  EXPECT_EQ(bf::vm::find_thread_local_import("no_such_thread_local"), nullptr);
}

// By-value aggregates of a host call go where SysV puts them: one of more than 16 bytes (of
// any size, 28 and 17 here) in memory; one of 16 bytes in memory when fewer than two integer
// registers are left, and the next scalar still in the last register.
struct Words7 { uint32_t w[7]; };
struct Bytes17 { uint8_t b[17]; };
struct Pair { uint64_t a, b; };

uint64_t checksum(const void* p, size_t n, uint64_t seed) {
  for (size_t i = 0; i < n; i++) seed = seed * 31 + static_cast<const uint8_t*>(p)[i];
  return seed;
}

__attribute__((noinline)) uint64_t by_value(Words7 a, Bytes17 b, uint64_t c1, uint64_t c2, uint64_t c3, uint64_t c4,
                                            uint64_t c5, Pair p, uint64_t last) {
  uint64_t h = checksum(&a, sizeof a, 1);
  h = checksum(&b, sizeof b, h);
  for (uint64_t c : {c1, c2, c3, c4, c5}) h = h * 31 + c;
  return checksum(&p, sizeof p, h) * 31 + last;
}

TEST(Loader, HostCallsPassByValueAggregatesAsTheAbiDoes) {
  bf::vm::Machine m;
  llvm::Type* ptr = llvm::PointerType::get(m.context, 0);
  llvm::Type* i64 = llvm::Type::getInt64Ty(m.context);
  std::vector<llvm::Type*> params = {ptr, ptr, i64, i64, i64, i64, i64, ptr, i64};
  auto* type = llvm::FunctionType::get(i64, params, false);
  std::vector<uint64_t> byval = {28, 17, 0, 0, 0, 0, 0, 16, 0};
  std::string error;
  bf::vm::HostCif* hc = m.make_cif(type, params.size(), params, error, &byval);
  ASSERT_NE(hc, nullptr) << error;
  Words7 a;
  Bytes17 b;
  Pair p{0x1122334455667788, 0x99aabbccddeeff00};
  for (int i = 0; i < 7; i++) a.w[i] = 0x01010101u * (i + 1);
  for (int i = 0; i < 17; i++) b.b[i] = static_cast<uint8_t>(200 + i);
  uint64_t c[5] = {11, 22, 33, 44, 55}, last = 66;
  // As the interpreter passes them: a by-value argument's value is the address of its bytes.
  void* av[] = {&a, &b, &c[0], &c[1], &c[2], &c[3], &c[4], &p, &last};
  ffi_arg ret = 0;
  ffi_call(&hc->cif, reinterpret_cast<void (*)()>(&by_value), &ret, av);
  EXPECT_EQ(ret, by_value(a, b, c[0], c[1], c[2], c[3], c[4], p, last));

  // The same 16 bytes first, with every register free: clang passes that in registers (no
  // byval), so a byval one there is refused by name rather than passed wrong.
  std::vector<uint64_t> first = {16, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(m.make_cif(type, params.size(), params, error, &first), nullptr);
  EXPECT_NE(error.find("by-value aggregate of 16 bytes while integer registers are left"), std::string::npos) << error;
}

TEST(LoaderDeathTest, MissingMain) {
  std::string error;
  auto p = bf::vm::Program::load(input("no_main.bc"), error);
  ASSERT_NE(p, nullptr) << error;
  EXPECT_EXIT(p->run_main({"no_main.bc"}, {}), testing::ExitedWithCode(1), "no_main.bc: no 'main' function");
}

TEST(LoaderDeathTest, UnsupportedInstructionNamesFunctionAndInstruction) {
  std::string error;
  auto p = bf::vm::Program::load(input("unsupported.bc"), error);
  ASSERT_NE(p, nullptr) << error;
  EXPECT_EXIT(p->run_main({"unsupported.bc"}, {}), testing::ExitedWithCode(1),
              "function 'uses_asm': unsupported inline assembly \\(tier 0 cannot run it; --tier=auto or "
              "O1-O3 compile it\\): %r = call i32 asm");
  EXPECT_FALSE(p->translate_all(error));
  EXPECT_NE(error.find("function 'uses_asm'"), std::string::npos) << error;
}

TEST(Interpreter, PhisMoveInParallel) {
  std::string error;
  auto p = bf::vm::Program::load(input("swap_phis.bc"), error);
  ASSERT_NE(p, nullptr) << error;
  EXPECT_EQ(p->run_main({"swap_phis.bc"}, {}), 21);
}

TEST(Profile, CountsCallsAndBackEdges) {
  std::string error;
  auto p = bf::vm::Program::load(input("loop.bc"), error);
  ASSERT_NE(p, nullptr) << error;
  bf::vm::RunOptions opts;
  opts.profile = true;
  EXPECT_EQ(p->run_main({"loop.bc"}, opts), 45);
  bf::profile::Profile prof;
  ASSERT_TRUE(bf::profile::from_json(p->profile_json(), prof, error)) << error;
  const bf::profile::FunctionProfile* sum = nullptr;
  for (const auto& f : prof.functions)
    if (f.name == "sum") sum = &f;
  ASSERT_NE(sum, nullptr);
  EXPECT_EQ(sum->calls, 1u);
  EXPECT_EQ(sum->blocks, 3u);
  EXPECT_GT(sum->inclusive_tsc, 0u);
  uint64_t back = 0, exit = 0, entry = 0;
  for (const auto& e : sum->edges) {
    if (e.from == 1 && e.to == 1) {
      EXPECT_TRUE(e.back_edge);
      EXPECT_EQ(e.successor, 0u);
      back = e.count;
    }
    if (e.from == 1 && e.to == 2) {
      exit = e.count;
      EXPECT_EQ(e.successor, 1u);
    }
    if (e.from == 0 && e.to == 1) entry = e.count;
  }
  EXPECT_EQ(back, 9u);
  EXPECT_EQ(exit, 1u);
  EXPECT_EQ(entry, 1u);
  EXPECT_NE(p->profile_text(20).find("sum"), std::string::npos);
}

}  // namespace
