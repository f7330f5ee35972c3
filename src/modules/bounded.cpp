// Reading untrusted input under a memory cap. LLVM's bitcode reader sizes its tables from the
// records it reads: one flipped byte can make it ask for tens of gigabytes at once (an
// attribute group's index) or grow without end (a constant's element count), so it runs with
// RLIMIT_AS lowered to what the process maps now plus a budget, and the first allocation that
// fails ends the read through the crash recovery context instead of aborting the process.
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <new>

#include <llvm/Support/CrashRecoveryContext.h>
#include <llvm/Support/ErrorHandling.h>

#include "modules/modules.h"

namespace bf::modules {

namespace {

thread_local bool t_exhausted = false;

[[noreturn]] void exhausted() {
  t_exhausted = true;
  if (llvm::CrashRecoveryContext* crc = llvm::CrashRecoveryContext::GetCurrent()) crc->HandleExit(1);
  std::abort();  // not under read_bounded: there is nothing to return to
}

void bad_alloc(void*, const char*, bool) { exhausted(); }

// A fatal error inside the reader ("SmallVector unable to grow") ends the read like a crash,
// without LLVM's message on stderr.
void fatal(void*, const char*, bool) {
  if (llvm::CrashRecoveryContext* crc = llvm::CrashRecoveryContext::GetCurrent()) crc->HandleExit(1);
  std::abort();
}

// The address space the process maps now, from /proc/self/statm (its first field, in pages).
uint64_t mapped_now() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  unsigned long long pages = 0;
  if (f) {
    if (std::fscanf(f, "%llu", &pages) != 1) pages = 0;
    std::fclose(f);
  }
  return uint64_t(pages) * uint64_t(sysconf(_SC_PAGESIZE));
}

}  // namespace

uint64_t memory_budget(uint64_t input_bytes) {
  constexpr uint64_t kBase = uint64_t(256) << 20;
  constexpr uint64_t kPerInputByte = 128;
  return kBase + input_bytes * kPerInputByte;
}

Read read_bounded(uint64_t input_bytes, const std::function<void()>& read) {
  // The limit and the handlers are the process's: one read at a time.
  static std::mutex one_at_a_time;
  std::lock_guard<std::mutex> lock(one_at_a_time);
  rlimit before{};
  const bool limited = getrlimit(RLIMIT_AS, &before) == 0;
  if (limited) {
    rlimit capped = before;
    const uint64_t cap = mapped_now() + memory_budget(input_bytes);
    if (capped.rlim_cur == RLIM_INFINITY || capped.rlim_cur > cap)
      capped.rlim_cur = capped.rlim_max == RLIM_INFINITY ? cap : std::min<uint64_t>(cap, capped.rlim_max);
    setrlimit(RLIMIT_AS, &capped);
  }
  std::new_handler previous = std::set_new_handler(exhausted);
  llvm::install_bad_alloc_error_handler(bad_alloc);
  llvm::install_fatal_error_handler(fatal);
  t_exhausted = false;
  llvm::CrashRecoveryContext::Enable();
  bool completed;
  {
    llvm::CrashRecoveryContext crc;
    completed = crc.RunSafely([&] { read(); });
  }
  llvm::CrashRecoveryContext::Disable();
  llvm::remove_fatal_error_handler();
  llvm::remove_bad_alloc_error_handler();
  std::set_new_handler(previous);
  if (limited) setrlimit(RLIMIT_AS, &before);
  if (completed) return Read::done;
  return t_exhausted ? Read::out_of_memory : Read::crashed;
}

std::string read_problem(Read how, uint64_t input_bytes) {
  if (how == Read::out_of_memory)
    return "malformed LLVM module (reading it would take more than " +
           std::to_string(memory_budget(input_bytes) >> 20) + " MiB, the bound for a file of " +
           std::to_string(input_bytes) + " bytes)";
  return "malformed LLVM bitcode (the reader failed on it)";
}

}  // namespace bf::modules
