// setjmp/longjmp across interpreted frames.
//
// An interpreted function's setjmp (the SETJMP instruction) cannot save the interpreter's own
// native frame: execution goes on in that frame and overwrites what the jmp_buf points at. So
// the first SETJMP an activation reaches hands the rest of the activation to a runner
// (run_setjmp): the runner calls the C library's __sigsetjmp on the program's jmp_buf from its
// own frame, then runs the rest of the function as a continuation (execute with a resume point)
// nested inside that frame, which stays live as long as the activation does. A longjmp, from
// interpreted, compiled or host frames below, returns into the runner: it restores the
// interpreter stack as it was at the setjmp, writes the value and runs the continuation again
// from the instruction after the SETJMP. Later SETJMPs of the same activation come back to the
// same runner (the continuation returns to it), so a setjmp in a loop needs no native stack.
// The frame's slots are where the values live, so what longjmp preserves natively (memory,
// volatile locals) is preserved here too.
//
// With several setjmps armed in one activation, the runner learns which jmp_buf a longjmp
// targets from the program's longjmp (the import table's longjmp family, below, notes it).
//
// Compiled code that calls setjmp is LLVM's own (returns_twice); what it adds is the
// interpreter stack: a longjmp through interpreted frames to a compiled setjmp leaves it as
// those frames had it, so the JIT brackets each setjmp call with bf_vm_setjmp_save/_restore
// (jit/prepare.cpp).
#include <setjmp.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "vm/machine.h"
#include "vm/setjmp.h"

// The C library's: __sigsetjmp saves the caller's registers in the program's buffer, which
// the program's longjmp restores (marked returns_twice here, as clang knows setjmp itself).
extern "C" {
int __sigsetjmp(struct __jmp_buf_tag env[1], int savemask) __attribute__((returns_twice));
[[noreturn]] void __longjmp_chk(struct __jmp_buf_tag env[1], int value) noexcept;
}

namespace bf::vm {

namespace {

thread_local void* t_longjmp_target;  // the jmp_buf of this thread's last longjmp

// One armed setjmp of an activation: where it resumes and the interpreter stack it restores.
struct Armed {
  const void* buf;
  uint32_t at;  // the SETJMP instruction
  uint8_t *sp, *top;
};

// In the runner's frame, not on the heap: a longjmp past the runner frees it as it frees
// native frames.
constexpr uint32_t kMaxArmed = 32;
struct Runner {
  Armed armed[kMaxArmed];
  uint32_t count = 0;
  uint32_t next;  // the SETJMP to arm next
};

// The armed setjmp that a longjmp landed in, or null when it cannot be told.
const Armed* landed(const Runner& r) {
  if (r.count == 1) return &r.armed[0];
  for (uint32_t i = 0; i < r.count; i++)
    if (r.armed[i].buf == t_longjmp_target) return &r.armed[i];
  return nullptr;
}

bool arm(Runner& r, const Code& code, uint8_t* fp, uint32_t at) {
  const Inst& in = code.insts[at];
  const void* buf = *reinterpret_cast<void* const*>(fp + in.a);
  ThreadStack& ts = thread_stack();
  uint32_t i = 0;
  while (i < r.count && r.armed[i].buf != buf) i++;
  if (i == kMaxArmed) return false;
  if (i == r.count) r.count++;
  r.armed[i] = {buf, at, ts.sp, ts.top};
  return true;
}

}  // namespace

void* setjmp_address(llvm::StringRef name) {
  if (name == "_setjmp") return reinterpret_cast<void*>(&_setjmp);
  if (name == "setjmp") return reinterpret_cast<void*>(&setjmp);
  if (name == "__sigsetjmp" || name == "sigsetjmp") return reinterpret_cast<void*>(&__sigsetjmp);
  return nullptr;
}

bool is_setjmp_address(const void* target) {
  return target == reinterpret_cast<void*>(&_setjmp) || target == reinterpret_cast<void*>(&setjmp) ||
         target == reinterpret_cast<void*>(&__sigsetjmp);
}

bool is_setjmp(llvm::StringRef name) { return setjmp_address(name) != nullptr; }

int setjmp_savemask(llvm::StringRef name) {
  // glibc: setjmp saves the signal mask (BSD), _setjmp does not; __sigsetjmp is told.
  return name == "setjmp" ? 1 : name == "_setjmp" ? 0 : -1;
}

__attribute__((noinline)) void run_setjmp(Machine& m, Function* f, uint8_t* fp, uint32_t at) {
  const Code& code = *f->code.load(std::memory_order_relaxed);
  Runner runner;
  Runner* volatile r = &runner;  // read again after every return of __sigsetjmp
  runner.next = at;
  for (;;) {
    if (!arm(*r, code, fp, r->next))
      m.fatal("function '" + f->name + "': more than " + std::to_string(kMaxArmed) +
              " jmp_bufs armed by setjmp in one call");
    const Inst& in = code.insts[r->next];
    uint64_t savemask = 0;
    memcpy(&savemask, fp + in.b, 4);
    int value = __sigsetjmp(*reinterpret_cast<__jmp_buf_tag**>(fp + in.a), int(savemask));
    std::atomic_signal_fence(std::memory_order_seq_cst);  // the runner's state is read from memory
    Runner& now = *r;
    uint32_t resume_at = now.next;
    if (value) {
      const Armed* a = landed(now);
      if (!a) m.fatal("function '" + f->name + "': longjmp from host code to one of several setjmps armed in one call");
      ThreadStack& ts = thread_stack();
      ts.sp = a->sp, ts.top = a->top;
      resume_at = a->at;
    }
    uint64_t result = uint32_t(value);
    memcpy(fp + code.insts[resume_at].d, &result, 8);
    uint32_t next = execute(&m, f, fp, resume_at + 1);
    if (!next) return;  // the function returned
    r->next = next - 1;
  }
}

// The program's longjmp family (import table): notes the target, then jumps.
[[noreturn]] void program_longjmp(void* env, int value) {
  t_longjmp_target = env;
  longjmp(static_cast<__jmp_buf_tag*>(env), value);
}
[[noreturn]] void program_longjmp_chk(void* env, int value) {
  t_longjmp_target = env;
  __longjmp_chk(static_cast<__jmp_buf_tag*>(env), value);
}

}  // namespace bf::vm

// Compiled code: around each setjmp call, the interpreter stack as it was (state: 2 words).
extern "C" void bf_vm_setjmp_save(void** state) {
  bf::vm::ThreadStack& ts = bf::vm::thread_stack();
  state[0] = ts.sp, state[1] = ts.top;
}
extern "C" void bf_vm_setjmp_restore(void* const* state) {
  bf::vm::ThreadStack& ts = bf::vm::thread_stack();
  ts.sp = static_cast<uint8_t*>(state[0]), ts.top = static_cast<uint8_t*>(state[1]);
}
