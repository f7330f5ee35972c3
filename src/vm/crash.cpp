// What happens when a program faults or recurses deeply: the large native stacks tier 0 runs
// on, and the one-line crash report (signal, function, tier) before the process dies of the
// same signal as the native build would.
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include <unwind.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "vm/machine.h"

namespace bf::vm {

namespace {

// Interpreted calls take more native stack than native ones (~300 bytes a level), so the main
// program and its threads run on stacks this large (reserved, not committed).
constexpr size_t kMainStackBytes = size_t(1) << 30;
constexpr size_t kThreadStackBytes = size_t(256) << 20;
constexpr size_t kGuardBytes = size_t(64) << 10;
constexpr size_t kSignalStackBytes = size_t(64) << 10;

std::string g_program = "bareflow";

// Native code of the higher tiers, appended by the JIT, read by the signal handler.
struct CodeRange {
  uintptr_t start, end;
  char label[112];
};
constexpr size_t kMaxRanges = 1 << 15;
CodeRange g_ranges[kMaxRanges];
std::atomic<size_t> g_range_count{0};
std::mutex g_range_mutex;

const char* signal_name(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
    case SIGTRAP: return "SIGTRAP";
    default: return "signal";
  }
}

const CodeRange* compiled_at(uintptr_t pc) {
  size_t count = g_range_count.load(std::memory_order_acquire);
  for (size_t i = count; i-- > 0;)
    if (pc >= g_ranges[i].start && pc < g_ranges[i].end) return &g_ranges[i];
  return nullptr;
}

// The innermost compiled frame below the innermost interpreted call, walking out from the
// signal (host code such as libc's abort or strlen may be on top).
struct Walk {
  uintptr_t interp_sp;  // native stack pointer of the innermost interpreted call (0: none)
  const CodeRange* found = nullptr;
  int frames = 0;
};
_Unwind_Reason_Code walk_frame(struct _Unwind_Context* context, void* p) {
  auto* w = static_cast<Walk*>(p);
  uintptr_t pc = _Unwind_GetIP(context);
  if (w->interp_sp && _Unwind_GetCFA(context) > w->interp_sp) return _URC_END_OF_STACK;
  if (const CodeRange* r = pc ? compiled_at(pc - 1) : nullptr) {
    w->found = r;
    return _URC_END_OF_STACK;
  }
  return ++w->frames < 64 ? _URC_NO_REASON : _URC_END_OF_STACK;
}

// Where the thread was: compiled code by its range, else the innermost interpreted frame.
void describe_location(uintptr_t pc, bool overflow, char* out, size_t n) {
  uint8_t* top = innermost_frame();
  const CodeRange* r = compiled_at(pc);
  if (!r && !overflow) {  // an exhausted stack is not walked: its frames are many and alike
    Walk w{top ? *reinterpret_cast<uintptr_t*>(top + kFrameNativeSp) : 0};
    _Unwind_Backtrace(walk_frame, &w);
    r = w.found;
  }
  if (r) {
    snprintf(out, n, "in compiled code %s", r->label);
  } else if (top) {
    const Function* f = *reinterpret_cast<Function* const*>(top + kFrameFunction);
    snprintf(out, n, "in function '%s' (interpreted)", f ? f->name.c_str() : "?");
  } else {
    snprintf(out, n, "outside the program's code");
  }
}

void die_of(int sig) {
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  raise(sig);
  _exit(128 + sig);
}

void on_fatal_signal(int sig, siginfo_t* info, void* context) {
  auto* uc = static_cast<ucontext_t*>(context);
  uintptr_t pc = uc ? uc->uc_mcontext.gregs[REG_RIP] : 0;
  uintptr_t sp = uc ? uc->uc_mcontext.gregs[REG_RSP] : 0;
  uintptr_t addr = reinterpret_cast<uintptr_t>(info ? info->si_addr : nullptr);
  // A fault just below the stack pointer is the guard page of an exhausted stack.
  bool overflow = (sig == SIGSEGV || sig == SIGBUS) && sp && addr < sp + 4096 && addr + kGuardBytes * 4 > sp;
  char where[256], line[512];
  describe_location(pc, overflow, where, sizeof where);
  int len = snprintf(line, sizeof line, "bareflow: %s: %s%s %s\n", g_program.c_str(), signal_name(sig),
                     overflow ? " (stack overflow)" : "", where);
  if (len > 0) (void)!write(2, line, std::min<size_t>(len, sizeof line - 1));
  die_of(sig);
}

void add_signal_stack() {
  stack_t ss{};
  ss.ss_sp = mmap(nullptr, kSignalStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (ss.ss_sp == MAP_FAILED) return;
  ss.ss_size = kSignalStackBytes;
  sigaltstack(&ss, nullptr);
}

struct ThreadStart {
  void* (*start)(void*);
  void* arg;
};
void* start_program_thread(void* p) {
  ThreadStart s = *static_cast<ThreadStart*>(p);
  delete static_cast<ThreadStart*>(p);
  add_signal_stack();
  return s.start(s.arg);
}

struct LargeStackCall {
  const std::function<void()>* fn;
  ucontext_t caller;
};
void large_stack_entry(unsigned lo, unsigned hi) {
  auto* call = reinterpret_cast<LargeStackCall*>((uintptr_t(hi) << 32) | lo);
  (*call->fn)();
}

}  // namespace

void note_compiled_code(const void* start, uint64_t size, const std::string& label) {
  std::lock_guard<std::mutex> lock(g_range_mutex);
  size_t i = g_range_count.load(std::memory_order_relaxed);
  if (i == kMaxRanges || !size) return;
  CodeRange& r = g_ranges[i];
  r.start = reinterpret_cast<uintptr_t>(start);
  r.end = r.start + size;
  snprintf(r.label, sizeof r.label, "%s", label.c_str());
  g_range_count.store(i + 1, std::memory_order_release);
}

void install_crash_handler(const std::string& program) {
  static std::once_flag once;
  std::call_once(once, [&] {
    g_program = program;
    add_signal_stack();
    struct sigaction sa{};
    sa.sa_sigaction = on_fatal_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP}) sigaction(sig, &sa, nullptr);
  });
}

void report_stack_overflow(const Function* function) {
  fflush(nullptr);
  fprintf(stderr, "bareflow: %s: SIGSEGV (stack overflow) in function '%s' (interpreted)\n", g_program.c_str(),
          function ? function->name.c_str() : "?");
  die_of(SIGSEGV);
}

void run_on_large_stack(const std::function<void()>& fn) {
#ifdef BF_VM_AS_BITCODE
  // bareflow.bc (apps/bareflow): the bareflow running it already runs its main on a large stack,
  // which is where this runtime's interpreted frames are too; and tier 0 refuses the *context
  // calls, which the self-hosting table must not give to every program.
  return fn();
#endif
  void* mem = mmap(nullptr, kMainStackBytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (mem == MAP_FAILED) return fn();  // the default stack, then
  mprotect(mem, kGuardBytes, PROT_NONE);
  LargeStackCall call{&fn, {}};
  ucontext_t callee;
  getcontext(&callee);
  callee.uc_stack.ss_sp = mem;
  callee.uc_stack.ss_size = kMainStackBytes;
  callee.uc_link = &call.caller;
  auto p = reinterpret_cast<uintptr_t>(&call);
  makecontext(&callee, reinterpret_cast<void (*)()>(large_stack_entry), 2, unsigned(p), unsigned(p >> 32));
  swapcontext(&call.caller, &callee);
  munmap(mem, kMainStackBytes);
}

int program_pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*), void* arg) {
  pthread_attr_t own;
  size_t size = 0;
  if (attr) {
    own = *attr;
    pthread_attr_getstacksize(&own, &size);
  } else {
    pthread_attr_init(&own);
  }
  if (size < kThreadStackBytes) pthread_attr_setstacksize(&own, kThreadStackBytes);
  auto* s = new ThreadStart{start, arg};
  int r = pthread_create(thread, &own, start_program_thread, s);
  if (!attr) pthread_attr_destroy(&own);
  if (r) delete s;
  return r;
}

}  // namespace bf::vm
