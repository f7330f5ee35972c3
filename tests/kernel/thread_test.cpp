// Guest tests of threads and the scheduler: pthreads over glibc and musl, std::thread, thread and
// program exit, waits that block, preemption, and a program whose threads all wait forever.
#include <unistd.h>

#include <gtest/gtest.h>

#include "guest_util.h"

namespace {

using namespace guest;

std::string musl_threads() { return kPrograms + "/threads-musl"; }

TEST(Threads, GlibcPthreads) {
  Result r = run(boot({}, {kPrograms + "/threads", "basic"}));
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "basic ok: 4 threads, 400 items\n") << r.err;
}

TEST(Threads, MuslPthreads) {
  if (access(musl_threads().c_str(), X_OK)) GTEST_SKIP() << "musl-gcc not installed";
  Result r = run(boot({}, {musl_threads(), "basic"}));
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "basic ok: 4 threads, 400 items\n") << r.err;
}

TEST(Threads, StdThread) {
  Result r = run(boot({}, {kPrograms + "/threads_cpp"}));
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("std::thread ok: total 500500", 0), 0u) << r.out << r.err;
}

// exit ends one thread: the program goes on until its last thread ends.
TEST(Threads, FirstThreadExitsBeforeTheOthers) {
  for (const std::string& prog : {kPrograms + "/threads", musl_threads()}) {
    if (access(prog.c_str(), X_OK)) continue;
    Result r = run(boot({}, {prog, "main-exit"}));
    EXPECT_EQ(r.status, 0) << prog << ": " << r.out << r.err;
    EXPECT_EQ(r.out, "main-exit ok\n") << prog << ": " << r.err;
  }
}

// exit_group from any thread ends the program, with the others blocked.
TEST(Threads, ExitFromAThreadEndsTheProgram) {
  Result r = run(boot({}, {kPrograms + "/threads", "exit"}));
  EXPECT_EQ(r.status, 3) << r.out << r.err;
  EXPECT_EQ(r.out, "exit ok\n") << r.err;
}

}  // namespace
