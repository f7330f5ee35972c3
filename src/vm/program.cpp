// The public face of tier 0: a loaded program, its main, and its one shutdown hook.
#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/IR/Constants.h>
#include <llvm/Support/BLAKE3.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>

#include <algorithm>
#include <atomic>
#include <mutex>

#include "modules/modules.h"
#include "vm/machine.h"

extern char** environ;

namespace bf::vm {

using namespace llvm;

namespace {
// Programs alive in this process, whose hooks the program's exit() runs.
std::mutex g_programs_mutex;
std::vector<Program*> g_programs;
std::atomic<bool> g_exit_started{false};
}  // namespace

Program::Program() {
  std::lock_guard<std::mutex> lock(g_programs_mutex);
  g_programs.push_back(this);
}

Program::~Program() {
  std::lock_guard<std::mutex> lock(g_programs_mutex);
  g_programs.erase(std::find(g_programs.begin(), g_programs.end(), this));
}

void Program::set_shutdown_hook(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(hook_mutex_);
  hook_ = std::move(hook);
}

void Program::shutdown() {
  std::function<void()> hook;
  {
    std::lock_guard<std::mutex> lock(hook_mutex_);
    hook.swap(hook_);
  }
  if (hook) hook();
}

void Program::shutdown_all_in_exit() {
  g_exit_started = true;
  shutdown_all();
}

bool Program::exit_started() { return g_exit_started; }

void Program::shutdown_all() {
  std::vector<Program*> programs;
  {
    std::lock_guard<std::mutex> lock(g_programs_mutex);
    programs = g_programs;
  }
  for (Program* p : programs) p->shutdown();
}

std::array<uint8_t, 32> Program::hash_of(const void* data, size_t size) {
  return BLAKE3::hash(ArrayRef<uint8_t>(static_cast<const uint8_t*>(data), size));
}

std::unique_ptr<Program> Program::load_buffer(const void* data, size_t size, const std::string& name,
                                              std::string& error, const LoadOptions& options) {
  std::unique_ptr<Program> p(new Program());
  p->machine_ = std::make_unique<Machine>();
  Machine& m = *p->machine_;
  m.path = name;
  m.module_hash = hash_of(data, size);
  m.bitcode.assign(static_cast<const char*>(data), size);
  m.lazy = options.verified_before;
  // The module refers to these bytes while function bodies are still to be read (m.lazy).
  const MemoryBufferRef buffer(m.bitcode, name);
  // LLVM's bitcode reader can crash, or allocate without bound, on malformed input instead of
  // reporting it: it runs under a memory cap and crash recovery (modules::read_bounded).
  std::string problem;
  modules::Read how = modules::read_bounded(size, [&] {
    if (m.lazy) {
      auto parsed = getLazyBitcodeModule(buffer, m.context);
      if (!parsed) {
        problem = "not valid LLVM bitcode (" + toString(parsed.takeError()) + ")";
        return;
      }
      m.module = std::move(*parsed);
      if (Error e = m.module->materializeMetadata()) problem = "cannot read the module (" + toString(std::move(e)) + ")";
      return;
    }
    auto parsed = parseBitcodeFile(buffer, m.context);
    if (!parsed) {
      problem = "not valid LLVM bitcode (" + toString(parsed.takeError()) + ")";
      return;
    }
    m.module = std::move(*parsed);
    if (Error e = m.module->materializeAll()) {
      problem = "cannot read the module (" + toString(std::move(e)) + ")";
      return;
    }
    problem = modules::verify_problem(*m.module);
  });
  if (how != modules::Read::done) {
    // The module is in an unknown state: let it go rather than destroy it.
    (void)m.module.release();
    (void)p->machine_.release();
    error = name + ": " + modules::read_problem(how, size);
    return nullptr;
  }
  if (!problem.empty()) {
    error = name + ": " + problem;
    return nullptr;
  }
  const auto& triple = m.module->getTargetTriple();
  if (!triple.empty() && triple.find("x86_64") == std::string::npos) {
    error = name + ": built for " + triple + ", not x86_64";
    return nullptr;
  }
  std::string e;
  if (!m.init(e)) {
    error = name + ": " + e;
    return nullptr;
  }
  return p;
}

std::unique_ptr<Program> Program::load(const std::string& path, std::string& error) {
  auto buf = MemoryBuffer::getFile(path);
  if (!buf) {
    error = path + ": " + buf.getError().message();
    return nullptr;
  }
  std::unique_ptr<MemoryBuffer> owned = std::move(*buf);
  auto p = load_buffer(owned->getBufferStart(), owned->getBufferSize(), path, error);
  return p;
}

bool Program::translate_all(std::string& error) {
  Machine& m = *machine_;
  for (auto& f : m.functions) {
    if (f->code.load()) continue;
    std::string e;
    Code* c = m.translate(f.get(), e);
    if (!c) {
      error = m.path + ": " + e;
      return false;
    }
    f->code.store(c);
  }
  return true;
}

namespace {

// The functions of llvm.global_ctors or llvm.global_dtors in the order they run natively:
// constructors by ascending priority, destructors by descending; within a priority,
// constructors in the array's order and destructors in its reverse (.init_array/.fini_array).
std::vector<Function*> structors(Machine& m, const char* name, bool dtors) {
  std::vector<std::pair<uint64_t, Function*>> list;
  auto* gv = m.module->getNamedGlobal(name);
  auto* array = gv && gv->hasInitializer() ? dyn_cast<ConstantArray>(gv->getInitializer()) : nullptr;
  if (array)
    for (const Use& u : array->operands()) {
      auto* entry = dyn_cast<ConstantStruct>(u.get());
      if (!entry || entry->getNumOperands() < 2) continue;
      auto* prio = dyn_cast<ConstantInt>(entry->getOperand(0));
      auto* fn = dyn_cast<llvm::Function>(entry->getOperand(1)->stripPointerCasts());
      if (!prio || !fn) continue;
      if (Function* f = m.by_ir.lookup(fn)) list.emplace_back(prio->getZExtValue(), f);
    }
  std::stable_sort(list.begin(), list.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<Function*> out;
  for (auto& [prio, f] : list) out.push_back(f);
  if (dtors) std::reverse(out.begin(), out.end());
  return out;
}

// Destructors run at exit after the handlers main registers, as natively: registered with
// atexit before main, which runs them in the reverse of registration.
Machine* g_dtor_machine;
std::vector<Function*> g_dtors;
void run_global_dtors() {
  std::vector<Function*> dtors;
  dtors.swap(g_dtors);
  for (Function* f : dtors) call_function(*g_dtor_machine, f, nullptr, nullptr);
}

}  // namespace

void Program::run_constructors() {
  Machine& m = *machine_;
  if (m.structors_run) return;
  m.structors_run = true;
  for (Function* f : structors(m, "llvm.global_ctors", false)) call_function(m, f, nullptr, nullptr);
  g_dtors = structors(m, "llvm.global_dtors", true);
  g_dtor_machine = &m;
  if (!g_dtors.empty()) atexit(run_global_dtors);
}

int Program::run_main(const std::vector<std::string>& args, const RunOptions& opts) {
  Machine& m = *machine_;
  m.profile = opts.profile;
  llvm::Function* main_fn = m.module->getFunction("main");
  if (!main_fn || main_fn->isDeclaration()) m.fatal("no 'main' function");
  Function* f = m.by_ir.lookup(main_fn);
  FunctionType* ft = main_fn->getFunctionType();
  if (ft->getNumParams() > 3 || !ft->getReturnType()->isIntegerTy())
    m.fatal("'main' has an unsupported signature");
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  uint32_t argc = static_cast<uint32_t>(args.size());
  char** argv_p = argv.data();
  char** envp = environ;
  void* avals[3] = {&argc, &argv_p, &envp};
  uint64_t ret = 0;
  install_crash_handler(m.path);
  run_on_large_stack([&] {
    run_constructors();
    call_function(m, f, &ret, avals);
  });
  return static_cast<int>(static_cast<uint32_t>(ret));
}


}  // namespace bf::vm
