// Guest tests of memory that behaves like Linux: page protections from the ELF segments, mmap and
// mprotect (NX, read-only, PROT_NONE guard pages), partial munmap, MAP_FIXED_NOREPLACE, and the
// report of each refused access.
#include <gtest/gtest.h>

#include "guest_util.h"

namespace {

using namespace guest;

TEST(Memory, WhatLinuxAllows) {
  Result r = run(boot({}, {kPrograms + "/protect", "ok"}));
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "protect ok\n") << r.err;
}

struct FaultCase {
  const char* mode;
  const char* report;  // what the kernel says about the access
  const char* page;    // and about the page
};
void PrintTo(const FaultCase& c, std::ostream* os) { *os << c.mode; }
class MemoryFault : public ::testing::TestWithParam<FaultCase> {};

TEST_P(MemoryFault, IsReportedAsSigsegv) {
  Result r = run(boot({}, {kPrograms + "/protect", GetParam().mode}));
  EXPECT_EQ(r.status, 139) << r.out << r.err;
  EXPECT_EQ(r.out, std::string(GetParam().mode) + "\n") << r.err;
  EXPECT_NE(r.err.find("program fault"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(GetParam().report), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(GetParam().page), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Memory, MemoryFault,
    ::testing::Values(FaultCase{"write-rodata", "write to address 0000000000", "(read-only)"},
                      FaultCase{"write-code", "write to address", "(read-only)"},
                      FaultCase{"write-readonly", "write to address 0000100000000000", "(read-only)"},
                      FaultCase{"exec-heap", "execute at address", "(not executable)"},
                      FaultCase{"exec-stack", "execute at address 00007fff", "(not executable)"},
                      FaultCase{"guard", "read from address 0000100000001000", "(a PROT_NONE page: a guard page)"},
                      FaultCase{"thread-stack-overflow", "program fault in thread 2", "(a PROT_NONE page: a guard page)"}),
    [](const ::testing::TestParamInfo<FaultCase>& info) {
      std::string n = info.param.mode;
      for (char& c : n)
        if (c == '-') c = '_';
      return n;
    });

}  // namespace
