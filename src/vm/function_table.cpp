// The function table's stores: entries once at load, then tier-ups, cache loads and OSR.
#include "vm/function_table.h"

#include <sys/mman.h>

#include <cstring>
#include <new>
#include <string>

#include <llvm/IR/Function.h>

#include "vm/code.h"

namespace bf::vm {

FunctionTable::~FunctionTable() {
  if (stubs_) munmap(stubs_, stubs_bytes_);
}

Slot& FunctionTable::slot(uint32_t k) const { return functions_[k]->slot; }

namespace {

// libffi's closure takes a byval aggregate as a pointer, not as the native ABI's copy on the
// stack: a host caller of such a function must keep going through the closure.
bool native_convention_is_closures(const llvm::Function& f) {
  for (const llvm::Argument& a : f.args())
    if (a.hasByValAttr() || a.hasInAllocaAttr() || a.hasPreallocatedAttr()) return false;
  return !f.isVarArg();
}

}  // namespace

bool FunctionTable::build(const std::vector<std::unique_ptr<Function>>& functions,
                          const std::vector<void*>& closures, std::string& error) {
  no_target_.target = reinterpret_cast<void*>(~uintptr_t(0));  // matches no call target
  no_target_.native = &no_target_.self;
  functions_.clear();
  for (const auto& f : functions) functions_.push_back(f.get());
  constexpr size_t kResolverBytes = 32;
  // The stubs and the resolver (executable), then the stubs' jump targets (writable), so that
  // a tier-up can point a stub at compiled code without touching code.
  const size_t code_bytes = (functions_.size() * kStubBytes + kResolverBytes + 4095) & ~size_t(4095);
  const size_t bytes = code_bytes + ((functions_.size() * sizeof(void*) + 4095) & ~size_t(4095));
  void* block = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (block == MAP_FAILED) {
    error = "cannot map the function entry stubs";
    return false;
  }
  stubs_ = static_cast<uint8_t*>(block);
  stubs_bytes_ = bytes;
  targets_ = reinterpret_cast<std::atomic<void*>*>(stubs_ + code_bytes);
  entry_resolutions_ = std::make_unique<Resolution[]>(functions_.size());
  for (size_t k = 0; k < functions_.size(); k++) {
    uint8_t* stub = stubs_ + k * kStubBytes;
    Slot& s = functions_[k]->slot;
    if (void* target = closures[k]) {
      new (&targets_[k]) std::atomic<void*>(target);
      // jmp *disp32(%rip), to this stub's cell
      const int32_t disp = int32_t(reinterpret_cast<uint8_t*>(&targets_[k]) - (stub + 6));
      static const uint8_t jmp[2] = {0xff, 0x25};
      memset(stub, 0xcc, kStubBytes);
      memcpy(stub, jmp, 2);
      memcpy(stub + 2, &disp, 4);
      s.entry_target_ = &targets_[k];
      s.direct_entry_ = functions_[k]->ir && native_convention_is_closures(*functions_[k]->ir);
    } else {
      static const uint8_t ud2[16] = {0x0f, 0x0b, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
                                      0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc};
      memcpy(stub, ud2, 16);
    }
    s.entry_ = stub;
    s.native_.store(stub, std::memory_order_relaxed);
    entry_resolutions_[k].target = stub;
    entry_resolutions_[k].native = &s.native_;
  }
  // The resolver: resolve(this, target), with the target arriving in the first argument.
  uint8_t* r = stubs_ + functions_.size() * kStubBytes;
  const FunctionTable* self = this;
  const Resolution* (*fn)(FunctionTable*, void*) = &FunctionTable::resolve;
  static const uint8_t mov_rsi_rdi[3] = {0x48, 0x89, 0xfe};  // mov %rdi, %rsi
  memcpy(r, mov_rsi_rdi, 3);
  r[3] = 0x48, r[4] = 0xbf;  // movabs $self, %rdi
  memcpy(r + 5, &self, 8);
  r[13] = 0x48, r[14] = 0xb8;  // movabs $fn, %rax
  memcpy(r + 15, &fn, 8);
  r[23] = 0xff, r[24] = 0xe0;  // jmp *%rax
  resolver_ = r;
  if (mprotect(block, code_bytes, PROT_READ | PROT_EXEC) != 0) {
    error = "cannot make the function entry stubs executable";
    return false;
  }
  return true;
}

void FunctionTable::install(uint32_t k, int tier, void* native, void* adapter) {
  Function& f = *functions_[k];
  f.slot.native_.store(native, std::memory_order_release);
  f.slot.tier_.store(uint8_t(tier), std::memory_order_relaxed);
  if (!adapter) return;
  f.slot.adapter_.store(adapter, std::memory_order_release);
  // Host callers (a qsort comparison) now jump straight to the code, without libffi.
  if (f.slot.direct_entry_) f.slot.entry_target_->store(native, std::memory_order_release);
  // Activations still interpreted now count their iterations, so that the policy sees them.
  if (Code* code = f.code.load(std::memory_order_acquire)) arm_loop_probes(*code);
}

void FunctionTable::install_osr(uint32_t k, uint32_t loop, void* entry) {
  functions_[k]->code.load(std::memory_order_acquire)->loops[loop].osr_entry.store(entry, std::memory_order_release);
}

void FunctionTable::refuse_osr(uint32_t k, uint32_t loop) {
  functions_[k]->code.load(std::memory_order_acquire)->loops[loop].osr_failed.store(true, std::memory_order_release);
}

// A stored function pointer is the stable entry (which enters the interpreter first), so a
// call through it goes to the function's native cell instead, which holds its compiled code
// once there is some. Host functions resolve to a cell holding themselves.
const Resolution* FunctionTable::resolve(FunctionTable* table, void* target) {
  const uintptr_t off = reinterpret_cast<uintptr_t>(target) - reinterpret_cast<uintptr_t>(table->stubs_);
  if (off < table->functions_.size() * kStubBytes && off % kStubBytes == 0) return &table->entry_resolutions_[off / kStubBytes];
  std::lock_guard<std::mutex> lock(table->resolve_mutex_);
  std::unique_ptr<Resolution>& r = table->resolved_[target];
  if (!r) {
    r = std::make_unique<Resolution>();
    r->target = target;
    r->self.store(target, std::memory_order_relaxed);
    r->native = &r->self;
  }
  return r.get();
}

}  // namespace bf::vm
