// The one function table of a running module: one slot per defined function that says where
// each kind of caller finds the function now. Interpreted code, compiled code and host code
// call each other through it in both directions, at any mix of tiers; a tier-up, a load from
// the code cache and an on-stack replacement are stores into it and nowhere else.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace bf::vm {

struct Function;

// Where callers find one function. Read from any thread; written only by FunctionTable.
class Slot {
 public:
  // The stable native address the program sees (function pointers, host callbacks): a stub
  // that enters the interpreter (which goes on to compiled code once there is some), or jumps
  // straight to the compiled code when the native calling convention is the closure's.
  void* entry() const { return entry_; }
  // Where the entry stub jumps now: the closure into the interpreter, or the native code.
  void* entry_target() const { return entry_target_ ? entry_target_->load(std::memory_order_acquire) : nullptr; }
  // Host callers (qsort's comparison) can jump straight to the native code: the function has an
  // entry closure and no parameter that libffi passes otherwise than the native ABI (byval).
  bool direct_entry() const { return direct_entry_; }
  // void(void** args, void* ret), once compiled (null while interpreted or for variadic
  // functions): what the interpreter and the entry call instead of interpreting.
  void* adapter() const { return adapter_.load(std::memory_order_acquire); }
  // What compiled callers call (they load this cell on every call): the entry until the
  // function is compiled, then its native code.
  void* native() const { return native_.load(std::memory_order_acquire); }
  const std::atomic<void*>* native_cell() const { return &native_; }
  // 0 while interpreted, else the tier (1-3) of the code installed last.
  int tier() const { return tier_.load(std::memory_order_relaxed); }

 private:
  friend class FunctionTable;
  void* entry_ = nullptr;
  std::atomic<void*>* entry_target_ = nullptr;  // the stub's jump target, in a writable page
  bool direct_entry_ = false;
  std::atomic<void*> native_{nullptr};
  std::atomic<void*> adapter_{nullptr};
  std::atomic<uint8_t> tier_{0};
};

// How compiled code resolves an indirect call's target (see FunctionTable::resolve): interned,
// never freed or changed, so that a call site can cache one in a single word. `native` is the
// slot's native cell for a function of the module, `self` for any other (host) address.
struct Resolution {
  void* target = nullptr;
  const std::atomic<void*>* native = nullptr;
  std::atomic<void*> self{nullptr};
};
static_assert(offsetof(Resolution, native) == 8, "compiled code loads the cell at offset 8");

class FunctionTable {
 public:
  // Bytes of one entry stub: function k's entry is the stub block's start + k * kStubBytes.
  static constexpr size_t kStubBytes = 16;

  FunctionTable() = default;
  ~FunctionTable();
  FunctionTable(const FunctionTable&) = delete;
  FunctionTable& operator=(const FunctionTable&) = delete;

  // Gives every function its stable entry: a stub that jumps through a cell holding closures[k]
  // (native code that enters the interpreter), or traps where there is none (a signature
  // libffi cannot describe: interpreted code still calls it, host code cannot). Called once,
  // by the loader.
  bool build(const std::vector<std::unique_ptr<Function>>& functions,
             const std::vector<void*>& closures, std::string& error);

  size_t size() const { return functions_.size(); }
  Function& function(uint32_t k) const { return *functions_[k]; }
  Slot& slot(uint32_t k) const;

  // The function whose entry is p, or null (host code). No look-up: p's offset in the stub
  // block is the function's index.
  Function* function_at(const void* p) const {
    uintptr_t off = reinterpret_cast<uintptr_t>(p) - reinterpret_cast<uintptr_t>(stubs_);
    return off < functions_.size() * kStubBytes && off % kStubBytes == 0 ? functions_[off / kStubBytes] : nullptr;
  }

  // Moves function k onto compiled code at `tier` (a tier-up, or code loaded from the cache):
  // compiled callers first (the native cell), then the interpreter and the entry (the adapter,
  // when the function has one), and host callers (the entry stub's cell, when direct_entry). A call already running keeps running where it is, but its
  // loops get their probes armed so that on-stack replacement can move it (install_osr).
  void install(uint32_t k, int tier, void* native, void* adapter);
  // Interpreted activations of function k move onto `entry`, void(uint8_t* frame), at their
  // next iteration of loop `loop`.
  void install_osr(uint32_t k, uint32_t loop, void* entry);
  // Loop `loop` of function k will get no OSR entry: activations stop waiting for one.
  void refuse_osr(uint32_t k, uint32_t loop);

  // For compiled code: the resolution of an indirect call's target (thread-safe).
  static const Resolution* resolve(FunctionTable* table, void* target);
  // The same as native code that takes the target alone, const Resolution* (void* target),
  // with this table built in: what compiled code calls, so that its call sites stay as small
  // as they would be with one table per process.
  void* resolver() const { return resolver_; }
  // Host targets resolved so far (module functions' entries are never interned).
  size_t interned_host_targets() {
    std::lock_guard<std::mutex> lock(resolve_mutex_);
    return resolved_.size();
  }
  // A resolution that matches no target, where a call site's cache starts.
  const Resolution* no_target() const { return &no_target_; }

 private:
  std::vector<Function*> functions_;
  uint8_t* stubs_ = nullptr;
  size_t stubs_bytes_ = 0;        // the stubs and the resolver (executable), then their cells
  std::atomic<void*>* targets_ = nullptr;  // each stub's jump target (writable)
  void* resolver_ = nullptr;  // in the stub block, after the entries
  // Each function's entry resolves to its own, made at build: a call site whose target changes
  // from call to call (a virtual call, a table of handlers) resolves without a lock.
  std::unique_ptr<Resolution[]> entry_resolutions_;
  std::mutex resolve_mutex_;  // host targets, interned on first use
  std::unordered_map<void*, std::unique_ptr<Resolution>> resolved_;
  Resolution no_target_;
};

}  // namespace bf::vm
