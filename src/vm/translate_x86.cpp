// Translation of the x86 SIMD intrinsics (llvm.x86.*) to the host-instruction kernels of
// x86ops.h. Those the tables lack (MMX, monitor/mwait, AVX-512, ...) stay refused by name.
#include "vm/translator.h"
#include "vm/x86ops.h"

#include <llvm/ADT/StringMap.h>

namespace bf::vm {

using namespace llvm;

namespace {

struct Found {
  const X86Kernel* kernel;
  bool avx;  // from the AVX2/FMA/F16C table, else the SSE4.2 one
};

const StringMap<Found>& kernels_by_name() {
  static const StringMap<Found> map = [] {
    StringMap<Found> m;
    for (unsigned i = 0; i < kX86SseKernelCount; i++) m[kX86SseKernels[i].name] = {&kX86SseKernels[i], false};
    for (unsigned i = 0; i < kX86AvxKernelCount; i++) m[kX86AvxKernels[i].name] = {&kX86AvxKernels[i], true};
    return m;
  }();
  return map;
}

bool host_has(bool avx) {
  static const bool sse = __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt");
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                           __builtin_cpu_supports("f16c");
  return avx ? avx2 : sse;
}

}  // namespace

bool Translator::translate_x86(const CallBase& call, uint32_t d) {
  const llvm::Function* callee = call.getCalledFunction();
  StringRef name = callee ? callee->getName() : "";
  if (!name.consume_front("llvm.x86.")) return false;
  auto it = kernels_by_name().find(name);
  if (it == kernels_by_name().end()) return false;
  const Found& k = it->second;
  if (!host_has(k.avx))
    unsupported("intrinsic llvm.x86." + name.str() + ": this CPU lacks " +
                (k.avx ? "AVX2, FMA or F16C" : "SSE4.2 or POPCNT") + ", which tier 0 runs it with");
  uint32_t slots[4] = {0, 0, 0, 0};
  unsigned n = 0, nargs = call.arg_size();
  uint64_t imm = 0;
  for (unsigned i = 0; i < nargs; i++) {
    const Value* v = call.getArgOperand(i);
    if (call.paramHasAttr(i, Attribute::ImmArg) || callee->getAttributes().hasParamAttr(i, Attribute::ImmArg)) {
      auto* c = dyn_cast<ConstantInt>(v);
      if (!c) unsupported("intrinsic llvm.x86." + name.str() + " with an immediate that is not a constant");
      imm = c->getZExtValue();
      continue;
    }
    if (n == 4) unsupported("intrinsic llvm.x86." + name.str() + " (operands)");
    slots[n++] = val(v);
  }
  ExtFn fn = k.kernel->fn ? k.kernel->fn : k.kernel->by_imm[imm % k.kernel->imm_count];
  emit_ext(fn, d, slots[0], slots[1], slots[2], uint32_t(imm), slots[3]);
  return true;
}

}  // namespace bf::vm
