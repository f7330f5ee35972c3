// The interpreter's state for one loaded module: the IR, the function table, globals in native
// memory and the host imports. Shared by the loader, the translator and the interpreter.
#pragma once

#include <ffi.h>

#include <llvm/ADT/DenseMap.h>
#include <llvm/IR/DataLayout.h>
#include <llvm/IR/InstrTypes.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <pthread.h>

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "vm/code.h"
#include "vm/vm.h"

namespace llvm {
class BlockAddress;
}  // namespace llvm

namespace bf::vm {

// A prepared libffi call interface with the argument types it was built from.
struct HostCif {
  ffi_cif cif;
  std::vector<ffi_type*> arg_types;
  ffi_type* ret_type = nullptr;
  unsigned ret_bits = 0;     // integer returns: width to keep; 0 otherwise
  bool ret_float = false;
  // By-value aggregates: their slot holds a pointer to the bytes, which libffi copies to the
  // stack as the native ABI does (byval[i] set for those arguments).
  std::vector<uint8_t> byval;
};

class Machine {
 public:
  std::string path;  // for messages
  std::array<uint8_t, 32> module_hash{};  // BLAKE3 of the bitcode's bytes: the module's identity
  std::string bitcode;                    // those bytes: what the JIT's compiles read again
  bool lazy = false;  // function bodies are read on first translation (LoadOptions::verified_before)
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> module;
  const llvm::DataLayout* layout = nullptr;

  std::vector<std::unique_ptr<Function>> functions;
  llvm::DenseMap<const llvm::Function*, Function*> by_ir;
  llvm::DenseMap<const llvm::GlobalValue*, void*> addresses;  // globals, functions, imports
  // Thread-local globals: their emulated-TLS control blocks (loader.cpp), not in `addresses`.
  llvm::DenseMap<const llvm::GlobalVariable*, void*> thread_locals;
  std::vector<std::unique_ptr<HostCif>> cifs;
  // Call interfaces of host call sites, shared by sites of the same shape (key: the function
  // type, then each actual argument type, tagged in bit 0 when signext).
  std::map<std::vector<uintptr_t>, HostCif*> cif_by_shape;
  std::vector<void*> global_blocks;                      // freed with the machine
  std::vector<void*> closure_data;
  FunctionTable table;  // one slot per function of `functions`
  std::mutex translate_mutex;
  bool profile = false;
  bool structors_run = false;  // llvm.global_ctors ran, llvm.global_dtors are registered
  // Tests only: an activation reaching an armed loop probe waits for its OSR entry (the JIT
  // sets LoopEntry::osr_entry or osr_failed), so that OSR is exercised on short programs.
  std::atomic<bool> osr_wait{false};
  double tsc_hz = 0;  // measured over the run, for reporting times

  ~Machine();

  // Exceptions: the selector of a catch clause's type_info (what llvm.eh.typeid.for gives),
  // one number per type in the whole program, from 1.
  int64_t type_id(const void* type_info);
  std::mutex type_ids_mutex;
  llvm::DenseMap<const void*, int64_t> type_ids;

  // Loader.
  bool init(std::string& error);
  // Address of a global value as the program sees it (functions: their closure entry).
  void* address_of(const llvm::GlobalValue* gv);
  // Writes constant C in memory layout at dst (dst must be zeroed for partial scalars).
  bool store_constant(const llvm::Constant* c, uint8_t* dst, std::string& error);
  bool eval_constant_int(const llvm::Constant* c, uint64_t& out, std::string& error);
  bool add_thread_local(llvm::GlobalVariable& g, std::string& error);
  void* thread_local_template(const llvm::GlobalVariable& g);  // null: zero-initialised

  // Labels as values (blockaddress, indirectbr): block b of function k is the address
  // block_tokens(k, n) + b, a byte of an n-byte allocation the machine owns, so that the values
  // are distinct, stable and the same in every tier (the JIT refers to them as a symbol and
  // turns indirectbr into a switch over them: jit/labels.cpp). Never dereferenced.
  uint8_t* block_tokens(uint32_t k, uint32_t blocks);
  // The value of a blockaddress constant, reading its function's body if it is still lazy.
  bool block_address(const llvm::BlockAddress* ba, uint64_t& out, std::string& error);
  std::mutex block_tokens_mutex;
  llvm::DenseMap<uint32_t, std::unique_ptr<uint8_t[]>> block_token_bases;

  // Translator (translator.h): code_for returns f's code, translating it on first use, or
  // prints the error and exits; translate returns null with the error.
  Code* code_for(Function* f);
  // The same without exiting: null with `error` set when f cannot be translated.
  Code* try_code_for(Function* f, std::string& error);
  Code* translate(Function* f, std::string& error);
  // byval_bytes (optional, one per argument): by-value aggregates, passed on the stack.
  HostCif* make_cif(llvm::FunctionType* type, unsigned nargs_actual,
                    const std::vector<llvm::Type*>& actual_types, std::string& error,
                    const std::vector<uint64_t>* byval_bytes = nullptr);
  // libffi struct types of n eightbytes, for by-value aggregates (made once per size).
  std::map<uint64_t, std::unique_ptr<ffi_type>> byval_types;
  std::vector<std::unique_ptr<ffi_type*[]>> byval_elements;
  llvm::DenseMap<llvm::StructType*, std::unique_ptr<ffi_type>> pair_types;  // returned pairs
  ffi_type* pair_type(llvm::StructType* st);
  // The call interface of a call site (made once per shape); signext arguments of 8 and 16
  // bits are passed as signed ffi types when `signext` is set.
  HostCif* call_cif(const llvm::CallBase& call, bool signext, std::string& error);

  // Gives every function its native entry point in the table: a stub that jumps to a libffi
  // closure into the interpreter.
  bool make_entries(std::string& error);
  void* make_closure(Function* f);

  [[noreturn]] void fatal(const std::string& message);
};

// Whether f contains inline assembly that tier 0 cannot run: any but an empty template whose
// register outputs are tied to inputs (a JIT tier compiles such a function before its first call).
bool needs_compiled_asm(const llvm::Function& f);

// Exceptions (exceptions.cpp, invoke.S). An invoke calls through bf_vm_invoke, whose frame
// the interpreter's personality routine knows: an exception that its landing pad catches (or
// cleans up after) lands there, with the exception and the selector in `landing`.
struct Landing {
  const LandingPad* pad;
  void* exception = nullptr;  // _Unwind_Exception*
  int64_t selector = 0;
};
extern "C" int bf_vm_invoke(void (*fn)(void*), void* arg, Landing* landing);
// `resume`: unwinding goes on from the interpreter's frame.
[[noreturn]] void resume_unwind(void* exception);

// Interpreter (interp.cpp).
const void* const* op_labels();
// Runs f with its frame at fp (parameters already in place); the result is at fp[0]. With
// `resume`, runs a setjmp continuation (setjmp.cpp) from instruction `resume` instead, and
// returns the index + 1 of the next SETJMP it reaches (0: the function returned).
uint32_t execute(Machine* m, Function* f, uint8_t* fp, uint32_t resume = 0);

// setjmp/longjmp (setjmp.cpp). The names tier 0 runs as SETJMP (only ever called directly),
// and the signal mask each saves (-1: its second argument says).
bool is_setjmp(llvm::StringRef name);
int setjmp_savemask(llvm::StringRef name);
// SETJMP at instruction `at` of f: arms it and runs the rest of the call (see setjmp.cpp).
void run_setjmp(Machine& m, Function* f, uint8_t* fp, uint32_t at);
// The program's longjmp, siglongjmp, _longjmp and __longjmp_chk (import table).
[[noreturn]] void program_longjmp(void* env, int value);
[[noreturn]] void program_longjmp_chk(void* env, int value);
// Calls f with arguments given as pointers to values (libffi convention): closures and main.
void call_function(Machine& m, Function* f, void* ret, void** args);

// Per-thread interpreter stack: frames and allocas live here, in native memory.
struct ThreadStack {
  uint8_t* base = nullptr;
  uint8_t* sp = nullptr;
  uint8_t* limit = nullptr;
  uint8_t* top = nullptr;  // the innermost interpreted frame (frame.h), null when none runs
};
ThreadStack& thread_stack();
// This thread's innermost interpreted frame, or null (signal handlers may call it).
uint8_t* innermost_frame();

// Crash reports and stacks (crash.cpp).
// Runs fn on a large native stack of its own (interpreted calls recurse on the native stack,
// and must reach at least the depth a native build reaches on the default one).
void run_on_large_stack(const std::function<void()>& fn);
// Reports fatal signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP) on one line: the
// signal, the function and its tier; then the process dies of the same signal. Installed once.
void install_crash_handler(const std::string& program);
// The interpreter ran out of its stack in `function`: reported as a stack overflow, then
// SIGSEGV, as the native program would die.
[[noreturn]] void report_stack_overflow(const Function* function);
// The native code of a higher tier: what a crash inside [start, start + size) reports
// (label as in the perf map: "[O2] name").
void note_compiled_code(const void* start, uint64_t size, const std::string& label);
// pthread_create as the program sees it: threads get a large stack and a signal stack.
int program_pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*), void* arg);

// Host import table (imports.cpp, imports_c.c): the only way interpreted code reaches native
// code.
struct Import {
  const char* name;
  void* address;
};
const Import* find_import(llvm::StringRef name);
// A thread-local of the host that the program imports (std::call_once's std::__once_call): the
// accessor that returns the calling thread's copy, or null when no table has the name.
using ThreadLocalAccessor = void* (*)();
ThreadLocalAccessor find_thread_local_import(llvm::StringRef name);
// The calling thread's copy of the thread-local whose control block (Machine::thread_locals) is
// `control`: how both tiers reach every thread-local (loader.cpp).
void* thread_local_address(void* control);
// Whether the generated import tables are sorted by name, as find_import searches them.
bool generated_imports_sorted();

// Vector and rare operations implemented out of line (vecops.h), chosen by the CPU.
struct ExtOps;
const ExtOps& ext_ops();

}  // namespace bf::vm
