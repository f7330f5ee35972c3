// Mixed tiers in one run: compiled code calling interpreted code and back, through direct
// calls, function pointers saved before the tier-up, and a host callback (qsort) that goes
// straight to the compiled code once there is some.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "jit/compiler.h"
#include "vm/machine.h"
#include "vm/vm.h"

namespace {

std::string run_captured(bf::vm::Program& program, const std::vector<std::string>& args, int& rc) {
  testing::internal::CaptureStdout();
  rc = program.run_main(args, bf::vm::RunOptions{});
  fflush(stdout);
  return testing::internal::GetCapturedStdout();
}

bf::vm::Function* find(bf::vm::Machine& m, const std::string& name) {
  for (auto& f : m.functions)
    if (f->name == name) return f.get();
  return nullptr;
}

class MixedMode : public testing::TestWithParam<int> {};

TEST_P(MixedMode, CompiledAndInterpretedCallEachOther) {
  std::string error;
  auto program = bf::vm::Program::load(BF_JIT_MIXED_BC, error);
  ASSERT_TRUE(program) << error;
  bf::vm::Machine& m = program->machine();

  // Everything interpreted: the program saves its function pointers (stable entries).
  int rc = -1;
  std::string before = run_captured(*program, {"mixed", "capture"}, rc);
  ASSERT_EQ(rc, 0);
  ASSERT_NE(before.find("sorted -7 -3 0 1 4 5 9 12"), std::string::npos) << before;

  bf::jit::Options options;
  auto compiler = bf::jit::Compiler::create(m, options, error);
  ASSERT_TRUE(compiler) << error;
  bf::jit::CompileRequest request;
  request.tier = GetParam();
  request.profile = GetParam() >= 2;
  for (const char* name : {"hot_mid", "hot_top", "by_value", "narrow", "is_odd", "compare_longs", "sum_triple"}) {
    bf::vm::Function* f = find(m, name);
    ASSERT_TRUE(f) << name;
    request.roots.push_back(f->index);
  }
  bf::jit::CompileResult result;
  ASSERT_TRUE(compiler->compile(request, result, error)) << error;
  bf::jit::install(m.table, GetParam(), result);

  bf::vm::Function* leaf = find(m, "cold_leaf");
  bf::vm::Function* mid = find(m, "hot_mid");
  bf::vm::Function* compare = find(m, "compare_longs");
  bf::vm::Function* by_value = find(m, "by_value");
  bf::vm::Function* triple = find(m, "sum_triple");
  // qsort entered the interpreted comparison through its entry's libffi closure; compiled,
  // the entry jumps to its code. A byval function keeps the closure (its convention); clang
  // passes by_value's small struct in registers, which needs none.
  const uint64_t closure_calls = compare->closure_entries.load();
  EXPECT_GT(closure_calls, 0u);
  EXPECT_EQ(compare->slot.entry_target(), compare->slot.native());
  EXPECT_EQ(by_value->slot.entry_target(), by_value->slot.native());
  EXPECT_FALSE(triple->slot.direct_entry());
  EXPECT_NE(triple->slot.entry_target(), triple->slot.native());
  EXPECT_NE(triple->slot.adapter(), nullptr);
  ASSERT_EQ(leaf->slot.adapter(), nullptr);
  ASSERT_NE(mid->slot.adapter(), nullptr);
  uint64_t leaf_calls = leaf->calls.load(), mid_calls = mid->calls.load();

  // The same calls again, now through the saved pointers into compiled code.
  std::string after = run_captured(*program, {"mixed", "use"}, rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(after, before);
  // Compiled hot_mid called the interpreted cold_leaf (its counter moved) and the
  // interpreter reached hot_mid only as compiled code (its counter did not).
  EXPECT_GT(leaf->calls.load(), leaf_calls);
  EXPECT_EQ(mid->calls.load(), mid_calls);
  // qsort called the compiled comparison without the closure.
  EXPECT_EQ(compare->closure_entries.load(), closure_calls);
  // Indirect calls to the module's functions resolve to each function's own resolution, with
  // no lock or interning (a polymorphic call site resolves on every call); host targets intern.
  const size_t host_before = m.table.interned_host_targets();
  const bf::vm::Resolution* r = bf::vm::FunctionTable::resolve(&m.table, compare->slot.entry());
  EXPECT_EQ(r, bf::vm::FunctionTable::resolve(&m.table, compare->slot.entry()));
  EXPECT_EQ(r->native, compare->slot.native_cell());
  EXPECT_EQ(m.table.interned_host_targets(), host_before);
  void* host = reinterpret_cast<void*>(&puts);
  EXPECT_EQ(bf::vm::FunctionTable::resolve(&m.table, host)->native->load(), host);
  EXPECT_EQ(m.table.interned_host_targets(), host_before + 1);
}

INSTANTIATE_TEST_SUITE_P(Tiers, MixedMode, testing::Values(1, 2, 3),
                         [](const testing::TestParamInfo<int>& i) { return "O" + std::to_string(i.param); });

}  // namespace
