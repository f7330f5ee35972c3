// What the OSR policy reads from tier 0's counters: how often each loop was entered from outside
// it (jit::loop_entries). A loop inside another is entered once per iteration of the enclosing
// loop, so the activation comes back to it; a top-level loop of main is entered once.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "jit/osr.h"
#include "vm/code.h"
#include "vm/machine.h"
#include "vm/vm.h"

namespace {

TEST(OsrLoops, EntriesCountTheEnclosingLoopsIterations) {
  std::string error;
  auto program = bf::vm::Program::load(BF_JIT_OSR_BC, error);
  ASSERT_TRUE(program) << error;
  testing::internal::CaptureStdout();
  const int rc = program->run_main({"osr", "37"}, bf::vm::RunOptions{});
  testing::internal::GetCapturedStdout();
  ASSERT_GE(rc, 0);
  bf::vm::Machine& m = program->machine();
  const bf::vm::Code* code = nullptr;
  for (auto& f : m.functions)
    if (f->name == "main") code = f->code.load();
  ASSERT_TRUE(code);
  ASSERT_EQ(code->num_loops, 2u);  // rounds, and the 64 steps inside each (the table's is unrolled)
  std::vector<uint64_t> entries;
  for (uint32_t li = 0; li < code->num_loops; li++) entries.push_back(bf::jit::loop_entries(*code, li));
  std::sort(entries.begin(), entries.end());
  EXPECT_EQ(entries, (std::vector<uint64_t>{1, 37}));
}

}  // namespace
