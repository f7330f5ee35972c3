// The tier-0 dispatch loop: direct threading over pre-decoded code (computed goto).
#include <sys/mman.h>
#include <x86intrin.h>

#include <llvm/IR/InstrTypes.h>
#include <llvm/IR/Instructions.h>

#include <cmath>
#include <cstring>
#include <time.h>

#include "vm/machine.h"
#include "vm/setjmp.h"
#include "vm/vecops.h"

namespace bf::vm {

namespace {

// Frame access. Slots are 8-byte aligned; may_alias keeps type punning well-defined.
typedef uint64_t __attribute__((may_alias)) u64a;
typedef uint32_t __attribute__((may_alias)) u32a;
typedef uint16_t __attribute__((may_alias)) u16a;
typedef uint8_t __attribute__((may_alias)) u8a;
typedef float __attribute__((may_alias)) f32a;
typedef double __attribute__((may_alias)) f64a;

constexpr size_t kStackBytes = size_t(256) << 20;

thread_local ThreadStack t_stack;
thread_local uint64_t t_child_tsc;
const void* const* g_labels;

inline uint64_t mask_to(uint64_t v, unsigned w) { return w >= 64 ? v : v & ((uint64_t(1) << w) - 1); }
inline int64_t sext_from(uint64_t v, unsigned w) {
  return w >= 64 ? int64_t(v) : int64_t(v << (64 - w)) >> (64 - w);
}

bool fcmp(unsigned pred, double x, double y) {
  using P = llvm::CmpInst;
  bool uno = x != x || y != y;
  switch (pred) {
    case P::FCMP_FALSE: return false;
    case P::FCMP_OEQ: return !uno && x == y;
    case P::FCMP_OGT: return !uno && x > y;
    case P::FCMP_OGE: return !uno && x >= y;
    case P::FCMP_OLT: return !uno && x < y;
    case P::FCMP_OLE: return !uno && x <= y;
    case P::FCMP_ONE: return !uno && x != y;
    case P::FCMP_ORD: return !uno;
    case P::FCMP_UNO: return uno;
    case P::FCMP_UEQ: return uno || x == y;
    case P::FCMP_UGT: return uno || x > y;
    case P::FCMP_UGE: return uno || x >= y;
    case P::FCMP_ULT: return uno || x < y;
    case P::FCMP_ULE: return uno || x <= y;
    case P::FCMP_UNE: return uno || x != y;
    default: return true;
  }
}

template <typename T>
T atomic_rmw(T* p, unsigned op, T v) {
  using B = llvm::AtomicRMWInst;
  using S = std::make_signed_t<T>;
  switch (op) {
    case B::Xchg: return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
    case B::Add: return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
    case B::Sub: return __atomic_fetch_sub(p, v, __ATOMIC_SEQ_CST);
    case B::And: return __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST);
    case B::Or: return __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST);
    case B::Xor: return __atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST);
    case B::Nand: return __atomic_fetch_nand(p, v, __ATOMIC_SEQ_CST);
    default: break;
  }
  T old = __atomic_load_n(p, __ATOMIC_SEQ_CST);
  for (;;) {
    T next;
    switch (op) {
      case B::Max: next = S(old) > S(v) ? old : v; break;
      case B::Min: next = S(old) < S(v) ? old : v; break;
      case B::UMax: next = old > v ? old : v; break;
      case B::UMin: next = old < v ? old : v; break;
      case B::FAdd:
        if constexpr (sizeof(T) == 4) {
          float a, b;
          memcpy(&a, &old, 4), memcpy(&b, &v, 4);
          a += b;
          memcpy(&next, &a, 4);
        } else if constexpr (sizeof(T) == 8) {
          double a, b;
          memcpy(&a, &old, 8), memcpy(&b, &v, 8);
          a += b;
          memcpy(&next, &a, 8);
        } else {
          next = old;
        }
        break;
      default: next = v; break;
    }
    if (__atomic_compare_exchange_n(p, &old, next, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
      return old;
  }
}

[[noreturn]] __attribute__((noinline, cold)) void stack_overflow(const Function* f) { report_stack_overflow(f); }

void call_host(void* fn, HostCif* hc, const CallSite& cs, uint8_t* fp);

// Calls a function that a JIT tier compiled, through the adapter in Function::compiled
// (libffi's convention: pointers to the arguments, a result buffer).
using CompiledAdapter = void (*)(void** args, void* ret);
__attribute__((noinline)) void call_compiled(void* adapter, const CallSite& cs, uint8_t* fp) {
  // Any number of arguments (clang passes as many as the source has): the array on this frame.
  void** av = static_cast<void**>(__builtin_alloca(cs.args.size() * sizeof(void*)));
  for (size_t i = 0; i < cs.args.size(); i++) av[i] = fp + cs.args[i];
  alignas(64) uint8_t unused_result[1024];
  reinterpret_cast<CompiledAdapter>(adapter)(av, cs.ret_size ? fp + cs.ret : unused_result);
}

// Variadic arguments go in the callee's variadic area (frame.h), where the native call would
// leave them: registers' worth in the register save area, the rest in the overflow area.
__attribute__((noinline)) void pass_varargs(Machine& m, Function* callee, const CallSite& cs, size_t nparams,
                                            uint8_t* fp, uint8_t* nfp, ThreadStack& ts) {
  if (cs.fixed_args != nparams || cs.vararg_dest.size() != cs.args.size() - nparams)
    m.fatal("variadic function '" + callee->name + "' called through a function type with other fixed parameters");
  uint8_t* area = ts.sp;
  ts.sp = area + ((cs.vararg_bytes + 31) & ~size_t(31));
  memcpy(area, &cs.vararg_gp, 4);
  memcpy(area + 4, &cs.vararg_fp, 4);
  for (size_t i = nparams, n = cs.args.size(); i < n; i++) {
    uint32_t w = cs.arg_sizes[i];
    const uint8_t* src = fp + cs.args[i];
    if (w & kVarargByval) src = *(uint8_t* const*)src;
    memcpy(area + cs.vararg_dest[i - nparams], src, w & kVarargSizeMask);
  }
  *(uint8_t**)(nfp + kVarargSlot) = area;
}

// Calls an interpreted function from interpreted code: new frame above the caller's.
__attribute__((noinline)) void call_interp(Machine& m, Function* callee, const CallSite& cs,
                                           uint8_t* fp) {
  if (void* adapter = callee->slot.adapter()) return call_compiled(adapter, cs, fp);
  Code* cc = callee->code.load(std::memory_order_acquire);
  if (!cc) cc = m.code_for(callee);
  ThreadStack& ts = t_stack;
  uint8_t* saved = ts.sp;
  uint8_t* nfp = saved;
  if (nfp + cc->frame_size + 4096 > ts.limit) stack_overflow(callee);
  ts.sp = nfp + cc->frame_size;
  uint8_t* caller_top = ts.top;
  *(Function**)(nfp + kFrameFunction) = callee;
  *(uint8_t**)(nfp + kFrameCaller) = caller_top;
  *(void**)(nfp + kFrameNativeSp) = __builtin_frame_address(0);
  memcpy(nfp + kConstBase, cc->constants.data(), cc->constants.size());
  if (!cc->thread_locals.empty()) [[unlikely]] write_thread_locals(*cc, nfp);
  size_t nparams = cc->param_slots.size();
  if (cc->params_plain) {  // the common case, without the checks below
    const uint32_t* ps = cc->param_slots.data();
    for (size_t i = 0; i < nparams; i++) *(u64a*)(nfp + ps[i]) = *(const u64a*)(fp + cs.args[i]);
  } else {
    for (size_t i = 0; i < nparams; i++) {
      uint8_t* dst = nfp + cc->param_slots[i];
      const uint8_t* src = fp + cs.args[i];
      if (cc->param_sizes[i] == 8)
        *(u64a*)dst = *(const u64a*)src;
      else
        memcpy(dst, src, cc->param_sizes[i]);
      if (uint32_t bytes = cc->param_byval[i]) {  // the callee gets its own copy
        uint32_t align = std::max<uint32_t>(cc->param_byval_align[i], 16);
        uint8_t* copy = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(ts.sp) + align - 1) & ~uintptr_t(align - 1));
        ts.sp = copy + ((bytes + 31) & ~31u);
        memcpy(copy, *(void* const*)src, bytes);
        *(void**)dst = copy;
      }
    }
  }
  if (callee->is_vararg) pass_varargs(m, callee, cs, nparams, fp, nfp, ts);
  ts.sp = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(ts.sp) + 31) & ~uintptr_t(31));
  ts.top = nfp;
  if (m.profile) {
    uint64_t outer = t_child_tsc;
    t_child_tsc = 0;
    uint64_t t0 = __rdtsc();
    execute(&m, callee, nfp);
    uint64_t dt = __rdtsc() - t0;
    callee->inclusive_tsc.store(callee->inclusive_tsc.load(std::memory_order_relaxed) + dt,
                                std::memory_order_relaxed);
    callee->exclusive_tsc.store(callee->exclusive_tsc.load(std::memory_order_relaxed) + dt - t_child_tsc,
                                std::memory_order_relaxed);
    t_child_tsc = outer + dt;
  } else {
    execute(&m, callee, nfp);
  }
  if (cs.ret_size == 8)
    *(u64a*)(fp + cs.ret) = *(u64a*)(nfp + kResultSlot);
  else if (cs.ret_size)
    memcpy(fp + cs.ret, nfp + kResultSlot, cs.ret_size);
  ts.sp = saved;
  ts.top = caller_top;
}

__attribute__((noinline)) void call_host(void* fn, HostCif* hc, const CallSite& cs, uint8_t* fp) {
  size_t n = cs.args.size();
  void** av = static_cast<void**>(__builtin_alloca(n * sizeof(void*)));  // any number of arguments
  for (size_t i = 0; i < n; i++) av[i] = fp + cs.args[i];
  if (!hc->byval.empty()) [[unlikely]]  // by-value aggregates: libffi copies the bytes
    for (size_t i = 0; i < n; i++)
      if (hc->byval[i]) av[i] = *static_cast<void**>(av[i]);
  alignas(16) uint64_t ret[4] = {0, 0, 0, 0};
  ffi_call(&hc->cif, FFI_FN(fn), ret, av);
  if (!cs.ret_size) return;
  if (hc->ret_bits)
    ret[0] = mask_to(ret[0], hc->ret_bits);
  else if (hc->ret_float)
    ret[0] &= 0xffffffffu;
  memcpy(fp + cs.ret, ret, cs.ret_size);
}

__attribute__((noinline)) void call_indirect(Machine& m, Function* f, const CallSite& cs, uint8_t* fp, void* target) {
  if (Function* callee = m.table.function_at(target)) return call_interp(m, callee, cs, fp);
  if (!cs.cif) m.fatal("function '" + f->name + "': indirect call to host code with an unsupported signature");
  if (is_setjmp_address(target))
    m.fatal("function '" + f->name + "': setjmp called through a pointer (tier 0 runs setjmp only as a direct call)");
  call_host(target, cs.cif, cs, fp);
}

// An invoke: the call made through bf_vm_invoke (invoke.S), whose frame the personality
// routine knows (exceptions.cpp). Returns true when an exception landed: the landing pad's
// value is in its slot, and the interpreter stack is as it was at the call.
struct InvokeCall {
  Machine* m;
  Function* f;
  const CallSite* cs;
  uint8_t* fp;
  void* target;
};
void invoke_thunk(void* p) {
  auto& c = *static_cast<InvokeCall*>(p);
  switch (c.cs->kind) {
    case OP_CALL: return call_interp(*c.m, c.cs->callee, *c.cs, c.fp);
    case OP_CALL_HOST: return call_host(c.cs->host_fn, c.cs->cif, *c.cs, c.fp);
    default: return call_indirect(*c.m, c.f, *c.cs, c.fp, c.target);
  }
}
__attribute__((noinline)) bool invoke(Machine& m, Function* f, const CallSite& cs, uint8_t* fp, void* target) {
  ThreadStack& ts = t_stack;
  uint8_t *sp = ts.sp, *top = ts.top;
  InvokeCall call{&m, f, &cs, fp, target};
  Landing landing{cs.landing};
  if (!bf_vm_invoke(invoke_thunk, &call, &landing)) return false;
  ts.sp = sp, ts.top = top;
  uint64_t selector = uint32_t(landing.selector);
  memcpy(fp + cs.landing_slot, &landing.exception, 8);
  memcpy(fp + cs.landing_slot + 8, &selector, 8);
  return true;
}

}  // namespace

ThreadStack& thread_stack() {
  ThreadStack& ts = t_stack;
  if (!ts.base) {
    void* p = mmap(nullptr, kStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
      fprintf(stderr, "bareflow: cannot map the interpreter stack\n");
      _exit(1);
    }
    ts.base = ts.sp = static_cast<uint8_t*>(p);
    ts.limit = ts.base + kStackBytes;
  }
  return ts;
}

const void* const* op_labels() {
  if (!g_labels) {
    execute(nullptr, nullptr, nullptr);
  }
  return g_labels;
}

void call_function(Machine& m, Function* f, void* ret, void** args) {
  if (void* adapter = f->slot.adapter()) {
    alignas(64) uint8_t unused_result[1024];
    return reinterpret_cast<CompiledAdapter>(adapter)(args, ret ? ret : unused_result);
  }
  Code* cc = f->code.load(std::memory_order_acquire);
  if (!cc) cc = m.code_for(f);
  ThreadStack& ts = thread_stack();
  uint8_t* saved = ts.sp;
  uint8_t* nfp = saved;
  if (nfp + cc->frame_size + 4096 > ts.limit) stack_overflow(f);
  // Native code called in: an exception or a longjmp may leave through here, past the frames
  // that would restore the interpreter stack.
  struct Restore {
    ThreadStack& ts;
    uint8_t *sp, *top;
    ~Restore() { ts.sp = sp, ts.top = top; }
  } restore{ts, saved, ts.top};
  ts.sp = nfp + cc->frame_size;
  uint8_t* caller_top = ts.top;
  *(Function**)(nfp + kFrameFunction) = f;
  *(uint8_t**)(nfp + kFrameCaller) = caller_top;
  *(void**)(nfp + kFrameNativeSp) = __builtin_frame_address(0);
  ts.top = nfp;
  memcpy(nfp + kConstBase, cc->constants.data(), cc->constants.size());
  if (!cc->thread_locals.empty()) write_thread_locals(*cc, nfp);
  for (size_t i = 0; i < cc->param_slots.size(); i++) {
    uint8_t* dst = nfp + cc->param_slots[i];
    memset(dst, 0, 8);
    const llvm::Type* t = f->ir->getFunctionType()->getParamType(i);
    size_t bytes = t->isIntegerTy() ? (t->getIntegerBitWidth() + 7) / 8
                   : t->isFloatTy() ? 4 : t->isX86_FP80Ty() ? 10 : std::min<size_t>(cc->param_sizes[i], 16);
    memcpy(dst, args[i], bytes);
    if (t->isIntegerTy() && t->getIntegerBitWidth() < 64)
      *(u64a*)dst = mask_to(*(u64a*)dst, t->getIntegerBitWidth());
  }
  if (m.profile) {
    uint64_t outer = t_child_tsc;
    t_child_tsc = 0;
    uint64_t t0 = __rdtsc();
    execute(&m, f, nfp);
    uint64_t dt = __rdtsc() - t0;
    f->inclusive_tsc.fetch_add(dt, std::memory_order_relaxed);
    f->exclusive_tsc.fetch_add(dt - t_child_tsc, std::memory_order_relaxed);
    t_child_tsc = outer + dt;
  } else {
    execute(&m, f, nfp);
  }
  if (ret && cc->ret_size) memcpy(ret, nfp + kResultSlot, cc->ret_size > 8 ? cc->ret_size : 8);
}

uint8_t* innermost_frame() { return t_stack.top; }

void write_thread_locals(const Code& code, uint8_t* fp) {
  for (const Code::ThreadLocalConstant& t : code.thread_locals)
    *(u64a*)(fp + t.slot) = reinterpret_cast<uint64_t>(thread_local_address(t.control)) + t.offset;
}

// d = lanes of a and b picked by the mask (out of line: its buffers would enlarge every
// interpreted call's native frame).
__attribute__((noinline)) void shuffle(uint8_t* fp, const Inst* pc) {
  const Inst& in = *pc;
  // Into a temporary first: the destination may alias neither source, but be safe.
  uint8_t tmp[256];
  const int32_t* mask = static_cast<const int32_t*>(in.ptr);
  uint32_t eb = in.c, nin = in.f;
  if (eb == 4) {  // float and i32 lanes: the common case, without per-lane memcpy calls
    uint32_t t32[64];
    const u32a* A = (const u32a*)(fp + in.a);
    const u32a* B = (const u32a*)(fp + in.b);
    for (uint32_t i = 0; i < in.e; i++) {
      int32_t s = mask[i];
      t32[i] = s < 0 ? 0 : uint32_t(s) < nin ? A[s] : B[s - nin];
    }
    memcpy(fp + in.d, t32, in.e * 4);
    return;
  }
  for (uint32_t i = 0; i < in.e; i++) {
    int32_t s = mask[i];
    if (s < 0) memset(tmp + i * eb, 0, eb);
    else if (uint32_t(s) < nin) memcpy(tmp + i * eb, fp + in.a + s * eb, eb);
    else memcpy(tmp + i * eb, fp + in.b + (s - nin) * eb, eb);
  }
  memcpy(fp + in.d, tmp, in.e * eb);
}

// Tests only (Machine::osr_wait): waits until the JIT has compiled the loop's OSR entry or
// given up (or 20 s pass), so that OSR happens however short the program.
__attribute__((noinline)) bool wait_for_osr_entry(LoopEntry& l) {
  for (int i = 0; i < 200000; i++) {
    if (l.osr_entry.load(std::memory_order_acquire)) return true;
    if (l.osr_failed.load(std::memory_order_acquire)) return false;
    struct timespec pause = {0, 100000};
    nanosleep(&pause, nullptr);
  }
  return false;
}

uint32_t execute(Machine* mp, Function* f, uint8_t* fp, uint32_t resume) {
  static const void* const labels[] = {
#define BF_VM_OP_LABEL(name, format) &&L_##name,
      BF_VM_OPS(BF_VM_OP_LABEL)
#undef BF_VM_OP_LABEL
  };
  if (!f) {
    g_labels = labels;
    return 0;
  }
  Machine& m = *mp;
  Code* code = f->code.load(std::memory_order_relaxed);
#ifndef BF_VM_NO_COUNTERS
  // Counters are bumped with a relaxed load and store, not an atomic add: no lock prefix, and
  // an increment lost to a race between threads is acceptable for a profile.
  if (!resume) f->calls.store(f->calls.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
#endif
  std::atomic<uint64_t>* ctr = code->counters.get();
  const Inst* base = code->insts.data();
  const Inst* pc = base + resume;

#define U64(o) (*(u64a*)(fp + (o)))
#define U32(o) (*(u32a*)(fp + (o)))
#define F32(o) (*(f32a*)(fp + (o)))
#define F64(o) (*(f64a*)(fp + (o)))
#define SETF32(o, v) do { float v_ = (v); uint32_t b_; memcpy(&b_, &v_, 4); U64(o) = b_; } while (0)
#define NEXT goto *(++pc)->op
#define JUMP(t) do { pc = base + (t); goto *pc->op; } while (0)
#ifdef BF_VM_NO_COUNTERS  // a build for measuring what the counters cost (bench/vm only)
#define COUNT(i) ((void)ctr)
#else
#define COUNT(i) ctr[i].store(ctr[i].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed)
#endif
#define IN (*pc)

  goto *pc->op;

L_NOP: NEXT;
L_MOV8: U64(IN.d) = U64(IN.a); NEXT;
L_MOV16: memcpy(fp + IN.d, fp + IN.a, 16); NEXT;
L_MOV32: memcpy(fp + IN.d, fp + IN.a, 32); NEXT;
L_MOVN: memmove(fp + IN.d, fp + IN.a, IN.c); NEXT;
L_MOVZX: { uint64_t v = 0; memcpy(&v, fp + IN.a, IN.c); U64(IN.d) = v; NEXT; }

L_ADD_32: U64(IN.d) = uint32_t(U64(IN.a) + U64(IN.b)); NEXT;
L_ADD_64: U64(IN.d) = U64(IN.a) + U64(IN.b); NEXT;
L_ADD_N: U64(IN.d) = mask_to(U64(IN.a) + U64(IN.b), IN.c); NEXT;
L_SUB_32: U64(IN.d) = uint32_t(U64(IN.a) - U64(IN.b)); NEXT;
L_SUB_64: U64(IN.d) = U64(IN.a) - U64(IN.b); NEXT;
L_SUB_N: U64(IN.d) = mask_to(U64(IN.a) - U64(IN.b), IN.c); NEXT;
L_MUL_32: U64(IN.d) = uint32_t(U64(IN.a) * U64(IN.b)); NEXT;
L_MUL_64: U64(IN.d) = U64(IN.a) * U64(IN.b); NEXT;
L_MUL_N: U64(IN.d) = mask_to(U64(IN.a) * U64(IN.b), IN.c); NEXT;
L_AND_64: U64(IN.d) = U64(IN.a) & U64(IN.b); NEXT;
L_OR_64: U64(IN.d) = U64(IN.a) | U64(IN.b); NEXT;
L_XOR_64: U64(IN.d) = U64(IN.a) ^ U64(IN.b); NEXT;
L_SHL_32: U64(IN.d) = uint32_t(U64(IN.a) << (U64(IN.b) & 31)); NEXT;
L_SHL_64: U64(IN.d) = U64(IN.a) << (U64(IN.b) & 63); NEXT;
L_SHL_N: U64(IN.d) = mask_to(U64(IN.a) << (U64(IN.b) & 63), IN.c); NEXT;
L_LSHR_64: U64(IN.d) = U64(IN.a) >> (U64(IN.b) & 63); NEXT;
L_ASHR_32: U64(IN.d) = uint32_t(int32_t(U64(IN.a)) >> (U64(IN.b) & 31)); NEXT;
L_ASHR_64: U64(IN.d) = uint64_t(int64_t(U64(IN.a)) >> (U64(IN.b) & 63)); NEXT;
L_ASHR_N: U64(IN.d) = mask_to(uint64_t(sext_from(U64(IN.a), IN.c) >> (U64(IN.b) & 63)), IN.c); NEXT;
L_UDIV_64: U64(IN.d) = U64(IN.a) / U64(IN.b); NEXT;
L_SDIV_32: U64(IN.d) = uint32_t(int32_t(U64(IN.a)) / int32_t(U64(IN.b))); NEXT;
L_SDIV_64: U64(IN.d) = uint64_t(int64_t(U64(IN.a)) / int64_t(U64(IN.b))); NEXT;
L_SDIV_N: U64(IN.d) = mask_to(uint64_t(sext_from(U64(IN.a), IN.c) / sext_from(U64(IN.b), IN.c)), IN.c); NEXT;
L_UREM_64: U64(IN.d) = U64(IN.a) % U64(IN.b); NEXT;
L_SREM_32: U64(IN.d) = uint32_t(int32_t(U64(IN.a)) % int32_t(U64(IN.b))); NEXT;
L_SREM_64: U64(IN.d) = uint64_t(int64_t(U64(IN.a)) % int64_t(U64(IN.b))); NEXT;
L_SREM_N: U64(IN.d) = mask_to(uint64_t(sext_from(U64(IN.a), IN.c) % sext_from(U64(IN.b), IN.c)), IN.c); NEXT;
L_ADDI_32: U64(IN.d) = uint32_t(U64(IN.a) + uint64_t(IN.imm)); NEXT;
L_ADDI_64: U64(IN.d) = U64(IN.a) + uint64_t(IN.imm); NEXT;

L_ICMP_EQ: U64(IN.d) = U64(IN.a) == U64(IN.b); NEXT;
L_ICMP_NE: U64(IN.d) = U64(IN.a) != U64(IN.b); NEXT;
L_ICMP_UGT: U64(IN.d) = U64(IN.a) > U64(IN.b); NEXT;
L_ICMP_UGE: U64(IN.d) = U64(IN.a) >= U64(IN.b); NEXT;
L_ICMP_ULT: U64(IN.d) = U64(IN.a) < U64(IN.b); NEXT;
L_ICMP_ULE: U64(IN.d) = U64(IN.a) <= U64(IN.b); NEXT;
L_ICMP_SGT_32: U64(IN.d) = int32_t(U64(IN.a)) > int32_t(U64(IN.b)); NEXT;
L_ICMP_SGE_32: U64(IN.d) = int32_t(U64(IN.a)) >= int32_t(U64(IN.b)); NEXT;
L_ICMP_SLT_32: U64(IN.d) = int32_t(U64(IN.a)) < int32_t(U64(IN.b)); NEXT;
L_ICMP_SLE_32: U64(IN.d) = int32_t(U64(IN.a)) <= int32_t(U64(IN.b)); NEXT;
L_ICMP_SGT_64: U64(IN.d) = int64_t(U64(IN.a)) > int64_t(U64(IN.b)); NEXT;
L_ICMP_SGE_64: U64(IN.d) = int64_t(U64(IN.a)) >= int64_t(U64(IN.b)); NEXT;
L_ICMP_SLT_64: U64(IN.d) = int64_t(U64(IN.a)) < int64_t(U64(IN.b)); NEXT;
L_ICMP_SLE_64: U64(IN.d) = int64_t(U64(IN.a)) <= int64_t(U64(IN.b)); NEXT;
L_ICMP_SGT_N: U64(IN.d) = sext_from(U64(IN.a), IN.c) > sext_from(U64(IN.b), IN.c); NEXT;
L_ICMP_SGE_N: U64(IN.d) = sext_from(U64(IN.a), IN.c) >= sext_from(U64(IN.b), IN.c); NEXT;
L_ICMP_SLT_N: U64(IN.d) = sext_from(U64(IN.a), IN.c) < sext_from(U64(IN.b), IN.c); NEXT;
L_ICMP_SLE_N: U64(IN.d) = sext_from(U64(IN.a), IN.c) <= sext_from(U64(IN.b), IN.c); NEXT;

#define BRANCH_IF(cond)                 \
  do {                                  \
    if (cond) {                         \
      COUNT(IN.e);                      \
      JUMP(IN.d);                       \
    }                                   \
    COUNT(IN.e + 1);                    \
    JUMP(IN.c);                         \
  } while (0)
L_BR_EQ: BRANCH_IF(U64(IN.a) == U64(IN.b));
L_BR_NE: BRANCH_IF(U64(IN.a) != U64(IN.b));
L_BR_UGT: BRANCH_IF(U64(IN.a) > U64(IN.b));
L_BR_UGE: BRANCH_IF(U64(IN.a) >= U64(IN.b));
L_BR_ULT: BRANCH_IF(U64(IN.a) < U64(IN.b));
L_BR_ULE: BRANCH_IF(U64(IN.a) <= U64(IN.b));
L_BR_SGT_32: BRANCH_IF(int32_t(U64(IN.a)) > int32_t(U64(IN.b)));
L_BR_SGE_32: BRANCH_IF(int32_t(U64(IN.a)) >= int32_t(U64(IN.b)));
L_BR_SLT_32: BRANCH_IF(int32_t(U64(IN.a)) < int32_t(U64(IN.b)));
L_BR_SLE_32: BRANCH_IF(int32_t(U64(IN.a)) <= int32_t(U64(IN.b)));
L_BR_SGT_64: BRANCH_IF(int64_t(U64(IN.a)) > int64_t(U64(IN.b)));
L_BR_SGE_64: BRANCH_IF(int64_t(U64(IN.a)) >= int64_t(U64(IN.b)));
L_BR_SLT_64: BRANCH_IF(int64_t(U64(IN.a)) < int64_t(U64(IN.b)));
L_BR_SLE_64: BRANCH_IF(int64_t(U64(IN.a)) <= int64_t(U64(IN.b)));

L_FADD_F32: SETF32(IN.d, F32(IN.a) + F32(IN.b)); NEXT;
L_FSUB_F32: SETF32(IN.d, F32(IN.a) - F32(IN.b)); NEXT;
L_FMUL_F32: SETF32(IN.d, F32(IN.a) * F32(IN.b)); NEXT;
L_FDIV_F32: SETF32(IN.d, F32(IN.a) / F32(IN.b)); NEXT;
L_FREM_F32: SETF32(IN.d, std::fmod(F32(IN.a), F32(IN.b))); NEXT;
L_FNEG_F32: SETF32(IN.d, -F32(IN.a)); NEXT;
L_FADD_F64: F64(IN.d) = F64(IN.a) + F64(IN.b); NEXT;
L_FSUB_F64: F64(IN.d) = F64(IN.a) - F64(IN.b); NEXT;
L_FMUL_F64: F64(IN.d) = F64(IN.a) * F64(IN.b); NEXT;
L_FDIV_F64: F64(IN.d) = F64(IN.a) / F64(IN.b); NEXT;
L_FREM_F64: F64(IN.d) = std::fmod(F64(IN.a), F64(IN.b)); NEXT;
L_FNEG_F64: F64(IN.d) = -F64(IN.a); NEXT;
L_FCMP_F32: U64(IN.d) = fcmp(IN.c, F32(IN.a), F32(IN.b)); NEXT;
L_FCMP_F64: U64(IN.d) = fcmp(IN.c, F64(IN.a), F64(IN.b)); NEXT;
L_FMA_F32: SETF32(IN.d, std::fma(F32(IN.a), F32(IN.b), F32(IN.c))); NEXT;
L_FMA_F64: F64(IN.d) = std::fma(F64(IN.a), F64(IN.b), F64(IN.c)); NEXT;
L_MATH1_F32: SETF32(IN.d, reinterpret_cast<float (*)(float)>(const_cast<void*>(IN.ptr))(F32(IN.a))); NEXT;
L_MATH1_F64: F64(IN.d) = reinterpret_cast<double (*)(double)>(const_cast<void*>(IN.ptr))(F64(IN.a)); NEXT;
L_MATH2_F32: SETF32(IN.d, reinterpret_cast<float (*)(float, float)>(const_cast<void*>(IN.ptr))(F32(IN.a), F32(IN.b))); NEXT;
L_MATH2_F64: F64(IN.d) = reinterpret_cast<double (*)(double, double)>(const_cast<void*>(IN.ptr))(F64(IN.a), F64(IN.b)); NEXT;

L_TRUNC_N: U64(IN.d) = mask_to(U64(IN.a), IN.c); NEXT;
L_SEXT_N: U64(IN.d) = mask_to(uint64_t(sext_from(U64(IN.a), IN.b)), IN.c); NEXT;
L_FPTRUNC: SETF32(IN.d, float(F64(IN.a))); NEXT;
L_FPEXT: F64(IN.d) = double(F32(IN.a)); NEXT;
// Out-of-range conversions are poison in LLVM; saturate so that C++ stays defined.
#define FP_TO_SI(x, w) (std::isnan(x) ? 0 : (x) >= 0x1p63 ? uint64_t(INT64_MAX) : (x) <= -0x1p63 ? uint64_t(INT64_MIN) : uint64_t(int64_t(x)))
#define FP_TO_UI(x) (std::isnan(x) || (x) <= 0 ? 0 : (x) >= 0x1p64 ? UINT64_MAX : uint64_t(x))
L_F32_TO_SI: U64(IN.d) = mask_to(FP_TO_SI(F32(IN.a), IN.c), IN.c); NEXT;
L_F64_TO_SI: U64(IN.d) = mask_to(FP_TO_SI(F64(IN.a), IN.c), IN.c); NEXT;
L_F32_TO_UI: U64(IN.d) = mask_to(FP_TO_UI(F32(IN.a)), IN.c); NEXT;
L_F64_TO_UI: U64(IN.d) = mask_to(FP_TO_UI(F64(IN.a)), IN.c); NEXT;
L_SI_TO_F32: SETF32(IN.d, float(sext_from(U64(IN.a), IN.c))); NEXT;
L_SI_TO_F64: F64(IN.d) = double(sext_from(U64(IN.a), IN.c)); NEXT;
L_UI_TO_F32: SETF32(IN.d, float(U64(IN.a))); NEXT;
L_UI_TO_F64: F64(IN.d) = double(U64(IN.a)); NEXT;

L_SELECT8: U64(IN.d) = U64(IN.c) ? U64(IN.a) : U64(IN.b); NEXT;
L_SELECTN: memmove(fp + IN.d, fp + (U64(IN.c) ? IN.a : IN.b), IN.e); NEXT;

L_LOAD8: U64(IN.d) = *(const u8a*)U64(IN.a); NEXT;
L_LOAD16: U64(IN.d) = *(const u16a*)U64(IN.a); NEXT;
L_LOAD32: U64(IN.d) = *(const u32a*)U64(IN.a); NEXT;
L_LOAD64: U64(IN.d) = *(const u64a*)U64(IN.a); NEXT;
L_LOADN: memcpy(fp + IN.d, reinterpret_cast<const void*>(U64(IN.a)), IN.c); NEXT;
L_LOADN_ZX: { uint64_t v = 0; memcpy(&v, reinterpret_cast<const void*>(U64(IN.a)), IN.c); U64(IN.d) = v; NEXT; }
L_LOADV16: memcpy(fp + IN.d, reinterpret_cast<const void*>(U64(IN.a)), 16); NEXT;
L_LOADV32: memcpy(fp + IN.d, reinterpret_cast<const void*>(U64(IN.a)), 32); NEXT;
// Address and load fused: base + imm, or base + index * scale + imm.
L_LOAD32_OFF: U64(IN.d) = *(const u32a*)(U64(IN.a) + uint64_t(IN.imm)); NEXT;
L_LOAD64_OFF: U64(IN.d) = *(const u64a*)(U64(IN.a) + uint64_t(IN.imm)); NEXT;
L_LOADV32_OFF: memcpy(fp + IN.d, reinterpret_cast<const void*>(U64(IN.a) + uint64_t(IN.imm)), 32); NEXT;
L_LOAD32_IDX: U64(IN.d) = *(const u32a*)(U64(IN.a) + U64(IN.b) * IN.e + uint64_t(IN.imm)); NEXT;
L_LOAD64_IDX: U64(IN.d) = *(const u64a*)(U64(IN.a) + U64(IN.b) * IN.e + uint64_t(IN.imm)); NEXT;
L_LOADV32_IDX: memcpy(fp + IN.d, reinterpret_cast<const void*>(U64(IN.a) + U64(IN.b) * IN.e + uint64_t(IN.imm)), 32); NEXT;
L_STOREV16: memcpy(reinterpret_cast<void*>(U64(IN.a)), fp + IN.b, 16); NEXT;
L_STOREV32: memcpy(reinterpret_cast<void*>(U64(IN.a)), fp + IN.b, 32); NEXT;
L_STORE32_OFF: *(u32a*)(U64(IN.a) + uint64_t(IN.imm)) = uint32_t(U64(IN.b)); NEXT;
L_STORE64_OFF: *(u64a*)(U64(IN.a) + uint64_t(IN.imm)) = U64(IN.b); NEXT;
L_STOREV32_OFF: memcpy(reinterpret_cast<void*>(U64(IN.a) + uint64_t(IN.imm)), fp + IN.b, 32); NEXT;
L_STORE32_IDX: *(u32a*)(U64(IN.a) + U64(IN.c) * IN.e + uint64_t(IN.imm)) = uint32_t(U64(IN.b)); NEXT;
L_STORE64_IDX: *(u64a*)(U64(IN.a) + U64(IN.c) * IN.e + uint64_t(IN.imm)) = U64(IN.b); NEXT;
L_STOREV32_IDX: memcpy(reinterpret_cast<void*>(U64(IN.a) + U64(IN.c) * IN.e + uint64_t(IN.imm)), fp + IN.b, 32); NEXT;
L_STORE8: *(u8a*)U64(IN.a) = uint8_t(U64(IN.b)); NEXT;
L_STORE16: *(u16a*)U64(IN.a) = uint16_t(U64(IN.b)); NEXT;
L_STORE32: *(u32a*)U64(IN.a) = uint32_t(U64(IN.b)); NEXT;
L_STORE64: *(u64a*)U64(IN.a) = U64(IN.b); NEXT;
L_STOREN: memcpy(reinterpret_cast<void*>(U64(IN.a)), fp + IN.b, IN.c); NEXT;

L_GEP_CONST: U64(IN.d) = U64(IN.a) + uint64_t(IN.imm); NEXT;
L_GEP_IDX64: U64(IN.d) = U64(IN.a) + U64(IN.b) * IN.e + uint64_t(IN.imm); NEXT;
L_GEP_IDX32: U64(IN.d) = U64(IN.a) + uint64_t(int64_t(int32_t(U64(IN.b)))) * IN.e + uint64_t(IN.imm); NEXT;
L_GEP_IDXN: U64(IN.d) = U64(IN.a) + uint64_t(sext_from(U64(IN.b), IN.c)) * IN.e + uint64_t(IN.imm); NEXT;

L_BR: COUNT(IN.e); JUMP(IN.d);
L_MOVBR8: U64(IN.a) = U64(IN.b); JUMP(IN.d);  // an edge stub of one move (d: the target)
L_CONDBR:
  if (U64(IN.a)) { COUNT(IN.e); JUMP(IN.d); }
  COUNT(IN.e + 1);
  JUMP(IN.b);
L_SWITCH: {
  const SwitchTable& st = code->switches[IN.b];
  uint64_t v = U64(IN.a);
  if (!st.dense.empty()) {
    uint64_t k = v - st.dense_min;
    int32_t i = k < st.dense.size() ? st.dense[k] : -1;
    if (i >= 0) { COUNT(st.counter_base + 1 + i); JUMP(st.targets[i]); }
    COUNT(st.counter_base);
    JUMP(st.default_target);
  }
  size_t n = st.values.size();
  for (size_t i = 0; i < n; i++)
    if (st.values[i] == v) { COUNT(st.counter_base + 1 + i); JUMP(st.targets[i]); }
  COUNT(st.counter_base);
  JUMP(st.default_target);
}
L_RET:
  if (IN.c == 8) U64(kResultSlot) = U64(IN.a); else memmove(fp + kResultSlot, fp + IN.a, IN.c);
  return 0;
L_RET_VOID: return 0;
L_UNREACHABLE: m.fatal("function '" + f->name + "' reached 'unreachable'");
L_TRAP: fflush(nullptr); abort();
L_SETJMP:  // a continuation hands it back to its runner; a plain activation starts one
  if (resume) return uint32_t(pc - base) + 1;
  run_setjmp(m, f, fp, uint32_t(pc - base));
  return 0;

L_CALL: call_interp(m, code->calls[IN.a].callee, code->calls[IN.a], fp); NEXT;
L_CALL_HOST: call_host(code->calls[IN.a].host_fn, code->calls[IN.a].cif, code->calls[IN.a], fp); NEXT;
L_CALL_INDIRECT: call_indirect(m, f, code->calls[IN.a], fp, reinterpret_cast<void*>(U64(IN.b))); NEXT;
L_INVOKE:
  if (invoke(m, f, code->calls[IN.a], fp, reinterpret_cast<void*>(U64(IN.b)))) {
    COUNT(IN.e + 1);
    JUMP(IN.c);
  }
  COUNT(IN.e);
  JUMP(IN.d);
L_RESUME: resume_unwind(*(void**)(fp + IN.a));

L_ALLOCA: {
  ThreadStack& ts = t_stack;
  uintptr_t align = IN.c;
  uintptr_t p = (reinterpret_cast<uintptr_t>(ts.sp) + align - 1) & ~(align - 1);
  uint64_t bytes = (U64(IN.a) * uint64_t(IN.imm) + 31) & ~uint64_t(31);
  if (p + bytes + 4096 > reinterpret_cast<uintptr_t>(ts.limit)) stack_overflow(f);
  ts.sp = reinterpret_cast<uint8_t*>(p + bytes);
  U64(IN.d) = p;
  NEXT;
}
L_STACKSAVE: U64(IN.d) = reinterpret_cast<uint64_t>(t_stack.sp); NEXT;
L_STACKRESTORE: t_stack.sp = reinterpret_cast<uint8_t*>(U64(IN.a)); NEXT;
L_VA_START: {
  // A SysV va_list over the variadic area (frame.h).
  uint8_t* va = reinterpret_cast<uint8_t*>(U64(IN.a));
  uint8_t* area = *(uint8_t**)(fp + kVarargSlot);
  uint8_t* regs = area + kVaRegSave;
  uint8_t* overflow = area + kVaOverflow;
  memcpy(va, area, 8);
  memcpy(va + 8, &overflow, 8);
  memcpy(va + 16, &regs, 8);
  NEXT;
}
L_VA_COPY: memcpy(reinterpret_cast<void*>(U64(IN.a)), reinterpret_cast<void*>(U64(IN.b)), 24); NEXT;
L_MEMCPY: memcpy(reinterpret_cast<void*>(U64(IN.a)), reinterpret_cast<void*>(U64(IN.b)), U64(IN.c)); NEXT;
L_MEMMOVE: memmove(reinterpret_cast<void*>(U64(IN.a)), reinterpret_cast<void*>(U64(IN.b)), U64(IN.c)); NEXT;
L_MEMSET: memset(reinterpret_cast<void*>(U64(IN.a)), int(U64(IN.b)), U64(IN.c)); NEXT;
// Float vectors as 16-byte halves (baseline SSE), the way every handler here moves them.
#define VF32(o) _mm_loadu_ps(reinterpret_cast<const float*>(fp + (o)))
#define VF32_SET(o, v) _mm_storeu_ps(reinterpret_cast<float*>(fp + (o)), v)
#define VF32X4(f) VF32_SET(IN.d, f(VF32(IN.a), VF32(IN.b))); NEXT
#define VF32X8(f)                                                      \
  do {                                                                 \
    __m128 lo = f(VF32(IN.a), VF32(IN.b)), hi = f(VF32(IN.a + 16), VF32(IN.b + 16)); \
    VF32_SET(IN.d, lo);                                                \
    VF32_SET(IN.d + 16, hi);                                           \
    NEXT;                                                              \
  } while (0)
L_VFADD_F32X4: VF32X4(_mm_add_ps);
L_VFSUB_F32X4: VF32X4(_mm_sub_ps);
L_VFMUL_F32X4: VF32X4(_mm_mul_ps);
L_VFDIV_F32X4: VF32X4(_mm_div_ps);
L_VFADD_F32X8: VF32X8(_mm_add_ps);
L_VFSUB_F32X8: VF32X8(_mm_sub_ps);
L_VFMUL_F32X8: VF32X8(_mm_mul_ps);
L_VFDIV_F32X8: VF32X8(_mm_div_ps);
L_VFMA32_LOAD: ext_ops().fma32_load(fp, pc); NEXT;
L_INTRIN: reinterpret_cast<ExtFn>(const_cast<void*>(IN.ptr))(fp, pc); NEXT;
L_VEC: reinterpret_cast<ExtFn>(const_cast<void*>(IN.ptr))(fp, pc); NEXT;
L_SHUFFLE: shuffle(fp, pc); NEXT;
L_SPLAT: {  // d = e lanes of the c-byte scalar at a
  uint32_t n = IN.e;
  switch (IN.c) {
    case 4: { uint32_t v = U32(IN.a); u32a* D = (u32a*)(fp + IN.d); for (uint32_t i = 0; i < n; i++) D[i] = v; break; }
    case 8: { uint64_t v = U64(IN.a); u64a* D = (u64a*)(fp + IN.d); for (uint32_t i = 0; i < n; i++) D[i] = v; break; }
    default: {
      uint8_t v[8];
      memcpy(v, fp + IN.a, IN.c);
      for (uint32_t i = 0; i < n; i++) memcpy(fp + IN.d + i * IN.c, v, IN.c);
    }
  }
  NEXT;
}
L_EXTRACTELT: {
  uint64_t i = U64(IN.b) % IN.e, v = 0;
  memcpy(&v, fp + IN.a + i * IN.c, IN.c);
  U64(IN.d) = v;
  NEXT;
}
L_INSERTELT: {
  uint64_t i = U64(IN.b) % IN.e;
  memcpy(fp + IN.d + i * IN.c, fp + IN.a, IN.c);
  NEXT;
}
L_ATOMIC_RMW: {
  void* p = reinterpret_cast<void*>(U64(IN.a));
  uint64_t v = U64(IN.b);
  switch (IN.c) {
    case 1: U64(IN.d) = atomic_rmw<uint8_t>(static_cast<uint8_t*>(p), IN.e, uint8_t(v)); break;
    case 2: U64(IN.d) = atomic_rmw<uint16_t>(static_cast<uint16_t*>(p), IN.e, uint16_t(v)); break;
    case 4: U64(IN.d) = atomic_rmw<uint32_t>(static_cast<uint32_t*>(p), IN.e, uint32_t(v)); break;
    default: U64(IN.d) = atomic_rmw<uint64_t>(static_cast<uint64_t*>(p), IN.e, v); break;
  }
  NEXT;
}
L_CMPXCHG: {
  void* p = reinterpret_cast<void*>(U64(IN.a));
  uint64_t expected = U64(IN.b), desired = U64(IN.c);
  bool ok;
  switch (IN.e) {
    case 1: { uint8_t e = uint8_t(expected); ok = __atomic_compare_exchange_n(static_cast<uint8_t*>(p), &e, uint8_t(desired), false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); expected = e; break; }
    case 2: { uint16_t e = uint16_t(expected); ok = __atomic_compare_exchange_n(static_cast<uint16_t*>(p), &e, uint16_t(desired), false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); expected = e; break; }
    case 4: { uint32_t e = uint32_t(expected); ok = __atomic_compare_exchange_n(static_cast<uint32_t*>(p), &e, uint32_t(desired), false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); expected = e; break; }
    default: { ok = __atomic_compare_exchange_n(static_cast<uint64_t*>(p), &expected, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); break; }
  }
  memset(fp + IN.d, 0, IN.f + 1);
  memcpy(fp + IN.d, &expected, IN.e);
  fp[IN.d + IN.f] = ok;
  NEXT;
}
L_FENCE: __atomic_thread_fence(__ATOMIC_SEQ_CST); NEXT;
L_OSR_PROBE: {
  // Reached only through back-edges that the JIT armed (see LoopEntry).
  LoopEntry& l = code->loops[IN.a];
  if (void* osr = l.osr_entry.load(std::memory_order_acquire)) {
    reinterpret_cast<void (*)(uint8_t*)>(osr)(fp);  // runs the rest of f; result at fp[0]
    return 0;
  }
  l.stale.store(l.stale.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (m.osr_wait.load(std::memory_order_relaxed) && wait_for_osr_entry(l)) {
    reinterpret_cast<void (*)(uint8_t*)>(l.osr_entry.load(std::memory_order_acquire))(fp);
    return 0;
  }
  JUMP(IN.d);
}
}

}  // namespace bf::vm
