// Guest tests of threads and the scheduler: pthreads over glibc and musl, std::thread, thread and
// program exit, waits that block, preemption, and a program whose threads all wait forever.
#include <unistd.h>

#include <gtest/gtest.h>

#include "guest_util.h"

namespace {

using namespace guest;

std::string musl_threads() { return kPrograms + "/threads-musl"; }

// threads.c's MODE with glibc and (when musl-gcc is installed) musl: exit 0 and OUT on stdout.
void expect_mode_with_each_libc(const std::string& mode, const std::string& out) {
  for (const std::string& prog : {kPrograms + "/threads", musl_threads()}) {
    if (access(prog.c_str(), X_OK)) continue;
    Result r = run(boot({}, {prog, mode}));
    EXPECT_EQ(r.status, 0) << prog << ": " << r.out << r.err;
    EXPECT_EQ(r.out, out) << prog << ": " << r.err;
  }
}

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
  expect_mode_with_each_libc("main-exit", "main-exit ok\n");
}

// exit_group from any thread ends the program, with the others blocked.
TEST(Threads, ExitFromAThreadEndsTheProgram) {
  Result r = run(boot({}, {kPrograms + "/threads", "exit"}));
  EXPECT_EQ(r.status, 3) << r.out << r.err;
  EXPECT_EQ(r.out, "exit ok\n") << r.err;
}

// A timed condition wait and a sleep last as long as asked, and another thread runs meanwhile
// (the kernel is not preemptible: a sleep that spun would stop it).
TEST(Scheduler, TimedWaitsReallyWait) {
  expect_mode_with_each_libc("timed", "timed ok\n");
}

// Two threads spin on each other's flags on one CPU: only the timer can switch between them.
TEST(Scheduler, SpinningThreadIsPreempted) {
  expect_mode_with_each_libc("preempt", "preempt ok\n");
}

TEST(Scheduler, FutexOperations) {
  Result r = run(boot({}, {kPrograms + "/futex"}));
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "futex ok\n") << r.err;
}

// Thread 1 joins thread 2, which waits on a condition variable nobody signals.
TEST(Scheduler, ThreadsThatAllWaitForeverAreReported) {
  Result r = run(boot({}, {kPrograms + "/threads", "deadlock"}));
  EXPECT_EQ(r.status, 134) << r.out << r.err;
  EXPECT_EQ(r.out, "waiting\n");
  EXPECT_NE(r.err.find("every thread of the program waits and none can wake another"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("thread 1 waits on futex 0x"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("thread 2 waits on futex 0x"), std::string::npos) << r.err;
}

// A thread per CPU spinning with nobody else to run is interrupted about once a 10 ms slice. A
// slice that ended with nothing else to run used to re-arm the timer for the time already
// passed: thousands of interrupts a second on every busy CPU.
TEST(Scheduler, NoTimerStormWhenNothingElseRuns) {
  for (const char* cpus : {"1", "2"}) {
    Result r = run(boot({"--smp", cpus}, {kPrograms + "/threads", "ticks"}));
    EXPECT_EQ(r.status, 0) << "--smp " << cpus << ": " << r.out << r.err;
    EXPECT_EQ(r.out, "ticks ok\n") << "--smp " << cpus << ": " << r.err;
  }
}

// --smp 2: the program sees two CPUs (sysconf, get_nprocs, its affinity mask), and two spinning
// threads run at once, one on each.
TEST(Smp, TwoThreadsRunOnTwoCpusAtOnce) {
  Result r = run(boot({"--smp", "2"}, {kPrograms + "/smp"}));
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "cpus 2, threads met on CPUs 0 and 1\n") << r.err;
  Result one = run(boot({}, {kPrograms + "/smp"}));
  EXPECT_EQ(one.out, "cpus 1, threads met on CPUs 0 and 0\n") << one.err;
}

// Futexes, condition variables and thread exits across CPUs, with glibc, musl and libstdc++.
TEST(Smp, ThreadsAndFutexesAcrossTwoCpus) {
  struct Case {
    std::vector<std::string> program;
    std::string out;
  };
  std::vector<Case> cases = {{{kPrograms + "/threads", "basic"}, "basic ok: 4 threads, 400 items\n"},
                             {{kPrograms + "/futex"}, "futex ok\n"},
                             {{kPrograms + "/threads", "main-exit"}, "main-exit ok\n"}};
  if (!access(musl_threads().c_str(), X_OK)) cases.push_back({{musl_threads(), "basic"}, "basic ok: 4 threads, 400 items\n"});
  for (const Case& c : cases) {
    Result r = run(boot({"--smp", "2"}, c.program));
    EXPECT_EQ(r.status, 0) << c.program[0] << ": " << r.out << r.err;
    EXPECT_EQ(r.out, c.out) << c.program[0] << ": " << r.err;
  }
  Result cpp = run(boot({"--smp", "2"}, {kPrograms + "/threads_cpp"}));
  EXPECT_EQ(cpp.status, 0) << cpp.out << cpp.err;
  EXPECT_NE(cpp.out.find("hardware_concurrency 2"), std::string::npos) << cpp.out;
}

TEST(Smp, ABadCpuCountIsRefused) {
  Result r = run({kBareflow, "boot", "--smp", "0", "--", kPrograms + "/hello"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--smp 0: expected a number of CPUs from 1 to 16"), std::string::npos) << r.err;
}

}  // namespace
