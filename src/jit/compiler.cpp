// The compiler behind the tiers. What one compile does:
//   1. parse the module's bitcode into a fresh context (the compiler thread never touches the
//      interpreter's IR);
//   2. turn every global variable into a declaration named __bf_g<i>, defined in the JIT as an
//      absolute symbol at the interpreter's storage, so both tiers share state;
//   3. keep the requested functions (renamed __bf_f<k>_t<tier>), plus private copies of callees
//      that the function table cannot call (variadic, no native entry) and, at tiers 2-3, of hot
//      callees for the inliner; every other function becomes a call through its table slot
//      __bf_t<k>, and every address-taken use becomes its stable entry __bf_e<k>;
//   4. name the host CPU on every function, strip -O0's optnone, attach the profile (!prof);
//   5. add an adapter void(void** args, void* ret) per function, which the interpreter calls;
//   6. run the O1-O3 pipeline with a TargetMachine of its own, then codegen at the same level.
#include "jit/compiler.h"

#include <llvm/AsmParser/Parser.h>
#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/Bitcode/BitcodeWriter.h>
#include <llvm/ExecutionEngine/Orc/CompileUtils.h>
#include <llvm/ExecutionEngine/Orc/DebugObjectManagerPlugin.h>
#include <llvm/ExecutionEngine/Orc/EPCDebugObjectRegistrar.h>
#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>
#include <llvm/ExecutionEngine/Orc/TargetProcess/JITLoaderGDB.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/InstIterator.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Object/ELFObjectFile.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/ProfileData/InstrProf.h>
#include <llvm/ProfileData/ProfileCommon.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Transforms/Utils/BasicBlockUtils.h>

#include <chrono>
#include <map>
#include <mutex>
#include <unordered_map>

#include "jit/osr.h"
#include "jit/runtime_symbols.h"
#include "vm/machine.h"

namespace bf::jit {

using namespace llvm;
using namespace llvm::orc;

bool has_adapter(const vm::Machine& machine, uint32_t index) {
  return !machine.functions[index]->is_vararg;
}

namespace {
// Indirect calls in compiled code resolve their target here: a stored function pointer is the
// stable entry (a libffi closure into the interpreter), so a call through it goes to the
// function's table slot instead, whose native code is called directly once it is compiled. A
// resolution is interned (never freed, never changed) so that a call site can cache it in one
// word; host functions resolve to a slot holding themselves.
struct Resolved {
  void* target;
  const std::atomic<void*>* slot;
  std::atomic<void*> self{nullptr};
};
const vm::Machine* g_resolve_machine = nullptr;
std::atomic<void*>* g_resolve_table = nullptr;
std::mutex g_resolve_mutex;
std::unordered_map<void*, std::unique_ptr<Resolved>> g_resolved;
const Resolved g_no_target{reinterpret_cast<void*>(~uintptr_t(0)), &g_no_target.self};  // matches nothing

const Resolved* resolve_target(void* target) {
  std::lock_guard<std::mutex> lock(g_resolve_mutex);
  std::unique_ptr<Resolved>& r = g_resolved[target];
  if (!r) {
    r = std::make_unique<Resolved>();
    r->target = target;
    auto it = g_resolve_machine->by_entry.find(target);
    if (it != g_resolve_machine->by_entry.end()) {
      r->slot = &g_resolve_table[it->second->index];
    } else {
      r->self.store(target, std::memory_order_relaxed);
      r->slot = &r->self;
    }
  }
  return r.get();
}
}  // namespace

void install(vm::Machine& machine, Compiler& compiler, const CompileResult& result) {
  std::atomic<void*>* table = compiler.call_table();
  for (const CompiledFunction& cf : result.functions) {
    table[cf.index].store(cf.native, std::memory_order_release);
    vm::Function& f = *machine.functions[cf.index];
    if (!cf.adapter) continue;
    f.compiled.store(cf.adapter, std::memory_order_release);
    // Activations still interpreted now count their iterations, so that the policy sees them.
    if (vm::Code* code = f.code.load(std::memory_order_acquire)) vm::arm_loop_probes(*code);
  }
  for (const OsrEntry& e : result.osr)
    machine.functions[e.index]->code.load(std::memory_order_acquire)->loops[e.loop].osr_entry.store(
        e.native, std::memory_order_release);
}

namespace {

// The compiled function keeps its name with a suffix, like LLVM's clones ("f.bf12.t3"), so
// that perf and gdb show it; the index and tier keep names unique across compiles.
std::string fn_name(const vm::Machine& m, uint32_t k, int tier) {
  return m.functions[k]->name + ".bf" + std::to_string(k) + ".t" + std::to_string(tier);
}
std::string osr_name(const vm::Machine& m, uint32_t k, int tier, uint32_t loop) {
  return fn_name(m, k, tier) + ".osr" + std::to_string(loop);
}
std::string adapter_name(uint32_t k, int tier) { return "__bf_a" + std::to_string(k) + "_t" + std::to_string(tier); }

CodeGenOptLevel codegen_level(int tier) {
  return tier <= 1 ? CodeGenOptLevel::Less : tier == 2 ? CodeGenOptLevel::Default : CodeGenOptLevel::Aggressive;
}

// Resolves the module's imports (and the runtime routines codegen may call) by name from the
// interpreter's explicit table: no dlsym, so a static bareflow resolves the same names.
class ImportGenerator : public DefinitionGenerator {
 public:
  Error tryToGenerate(LookupState&, LookupKind, JITDylib& jd, JITDylibLookupFlags,
                      const SymbolLookupSet& symbols) override {
    SymbolMap found;
    for (const auto& [name, flags] : symbols) {
      StringRef n = *name;
      void* address = nullptr;
      if (const vm::Import* imp = vm::find_import(n)) address = imp->address;
      else address = runtime_symbol(n);
      if (address) found[name] = {ExecutorAddr::fromPtr(address), JITSymbolFlags::Exported};
    }
    if (found.empty()) return Error::success();
    return jd.define(absoluteSymbols(std::move(found)));
  }
};

// Codegen at the tier's level (read from the module), and the size of each emitted function.
class TierIRCompiler : public IRCompileLayer::IRCompiler {
 public:
  explicit TierIRCompiler(JITTargetMachineBuilder jtmb)
      : IRCompiler(irManglingOptionsFromTargetOptions(jtmb.getOptions())), jtmb_(std::move(jtmb)) {}

  Expected<std::unique_ptr<MemoryBuffer>> operator()(Module& m) override {
    int tier = 3;
    if (auto* c = mdconst::extract_or_null<ConstantInt>(m.getModuleFlag("bareflow.tier")))
      tier = int(c->getZExtValue());
    std::lock_guard<std::mutex> lock(mutex_);
    auto& tm = machines_[tier];
    if (!tm) {
      JITTargetMachineBuilder b = jtmb_;
      b.setCodeGenOptLevel(codegen_level(tier));
      auto created = b.createTargetMachine();
      if (!created) return created.takeError();
      tm = std::move(*created);
    }
    SimpleCompiler compile(*tm);
    auto object = compile(m);
    if (!object) return object.takeError();
    last_object_bytes = (*object)->getBufferSize();
    if (auto file = object::ObjectFile::createObjectFile((*object)->getMemBufferRef())) {
      for (const object::SymbolRef& s : (*file)->symbols()) {
        auto name = s.getName();
        auto type = s.getType();
        if (!name || !type || *type != object::SymbolRef::ST_Function) {
          if (!name) consumeError(name.takeError());
          if (!type) consumeError(type.takeError());
          continue;
        }
        sizes[name->str()] = object::ELFSymbolRef(s).getSize();
      }
    } else {
      consumeError(file.takeError());
    }
    return object;
  }

  std::map<std::string, uint64_t> sizes;
  uint64_t last_object_bytes = 0;

 private:
  JITTargetMachineBuilder jtmb_;
  std::mutex mutex_;
  std::map<int, std::unique_ptr<TargetMachine>> machines_;
};

enum class Role : uint8_t { drop, root, copy };

class CompilerImpl final : public Compiler {
 public:
  CompilerImpl(vm::Machine& m, const Options& o) : m_(m), options_(o) {}

  bool init(std::string& error);
  bool compile(const CompileRequest& request, CompileResult& result, std::string& error) override;
  std::atomic<void*>* call_table() override { return table_.get(); }
  bool warm_up(std::string& error) override;

 private:
  bool prepare(Module& mod, const CompileRequest& request, CompileResult& result, std::string& error);
  void attach_profile(Function& f, const vm::Function& slot, InstrProfSummaryBuilder& summary);
  void add_counters(Function& f, const vm::Function& slot, bool edges);
  void optimize(Module& mod, int tier);

  vm::Machine& m_;
  Options options_;
  SmallVector<char, 0> bitcode_;
  std::vector<void*> global_addresses_;  // by position in the module's global list
  std::unique_ptr<std::atomic<void*>[]> table_;
  std::unique_ptr<LLJIT> jit_;
  TierIRCompiler* codegen_ = nullptr;
  std::string cpu_, features_;
  std::map<int, std::unique_ptr<TargetMachine>> pass_machines_;
};

bool CompilerImpl::init(std::string& error) {
  static std::once_flag targets;
  std::call_once(targets, [] {
    InitializeNativeTarget();
    InitializeNativeTargetAsmPrinter();
  });
  // The bitcode every compile starts from (written before main runs: the interpreter only
  // reads its IR, and nothing reads it concurrently yet).
  raw_svector_ostream os(bitcode_);
  WriteBitcodeToFile(*m_.module, os);
  for (GlobalVariable& g : m_.module->globals()) global_addresses_.push_back(m_.addresses.lookup(&g));
  size_t n = m_.functions.size();
  table_ = std::make_unique<std::atomic<void*>[]>(n);
  for (size_t k = 0; k < n; k++) table_[k].store(m_.functions[k]->entry, std::memory_order_relaxed);

  auto jtmb = JITTargetMachineBuilder::detectHost();
  if (!jtmb) {
    error = "jit: " + toString(jtmb.takeError());
    return false;
  }
  jtmb->setCodeGenOptLevel(CodeGenOptLevel::Aggressive);
  cpu_ = jtmb->getCPU();
  features_ = jtmb->getFeatures().getString();
  TierIRCompiler** codegen = &codegen_;
  auto built = LLJITBuilder()
                   .setJITTargetMachineBuilder(*jtmb)
                   .setNumCompileThreads(0)  // compiles run on the caller: the tiers' own thread
                   .setPlatformSetUp(setUpInactivePlatform)
                   .setProcessSymbolsJITDylibSetup([](LLJIT& j) -> Expected<JITDylibSP> {
                     JITDylib& jd = j.getExecutionSession().createBareJITDylib("<imports>");
                     jd.addGenerator(std::make_unique<ImportGenerator>());
                     return JITDylibSP(&jd);
                   })
                   .setCompileFunctionCreator([codegen](JITTargetMachineBuilder b)
                                                  -> Expected<std::unique_ptr<IRCompileLayer::IRCompiler>> {
                     auto c = std::make_unique<TierIRCompiler>(std::move(b));
                     *codegen = c.get();
                     return std::move(c);
                   })
                   .create();
  if (!built) {
    error = "jit: " + toString(built.takeError());
    return false;
  }
  jit_ = std::move(*built);
  if (options_.gdb) {
    // GDB's JIT interface, with the registration function taken by address (no dlsym).
    auto* linker = dyn_cast<ObjectLinkingLayer>(&jit_->getObjLinkingLayer());
    if (!linker) {
      fprintf(stderr, "bareflow: jit: no GDB registration: not a JITLink layer\n");
    } else {
      ExecutionSession& es = jit_->getExecutionSession();
      auto registrar = std::make_unique<EPCDebugObjectRegistrar>(
          es, ExecutorAddr::fromPtr(&llvm_orc_registerJITLoaderGDBWrapper));
      linker->addPlugin(std::make_unique<DebugObjectManagerPlugin>(es, std::move(registrar), false, true));
    }
  }
  // The interpreter's state as absolute symbols: globals, stable entries, table slots.
  SymbolMap symbols;
  auto define = [&](const std::string& name, const void* address) {
    symbols[jit_->mangleAndIntern(name)] = {ExecutorAddr::fromPtr(address), JITSymbolFlags::Exported};
  };
  for (size_t i = 0; i < global_addresses_.size(); i++)
    if (global_addresses_[i]) define("__bf_g" + std::to_string(i), global_addresses_[i]);
  g_resolve_machine = &m_;
  g_resolve_table = table_.get();
  define("__bf_resolve", reinterpret_cast<void*>(&resolve_target));
  define("__bf_no_target", &g_no_target);
  for (size_t k = 0; k < n; k++) {
    define("__bf_e" + std::to_string(k), m_.functions[k]->entry);
    define("__bf_t" + std::to_string(k), &table_[k]);
  }
  if (Error e = jit_->getMainJITDylib().define(absoluteSymbols(std::move(symbols)))) {
    error = "jit: " + toString(std::move(e));
    return false;
  }
  return true;
}

void CompilerImpl::attach_profile(Function& f, const vm::Function& slot, InstrProfSummaryBuilder& summary) {
  uint64_t calls = slot.calls.load(std::memory_order_relaxed);
  f.setEntryCount(calls);
  InstrProfRecord record;
  record.Counts.push_back(calls);
  const vm::Code* code = slot.code.load(std::memory_order_acquire);
  if (code) {
    std::vector<BasicBlock*> blocks;
    for (BasicBlock& b : f) blocks.push_back(&b);
    std::map<uint32_t, std::vector<uint64_t>> weights;  // block -> count per successor
    for (size_t i = 1; i < code->edges.size(); i++) {
      const vm::EdgeInfo& e = code->edges[i];
      if (e.from_block >= blocks.size()) continue;
      unsigned n = blocks[e.from_block]->getTerminator()->getNumSuccessors();
      if (e.successor >= n) continue;
      auto& w = weights[e.from_block];
      w.resize(n);
      uint64_t c = code->counters[i].load(std::memory_order_relaxed);
      w[e.successor] += c;
      record.Counts.push_back(c);
    }
    MDBuilder md(f.getContext());
    for (auto& [block, w] : weights) {
      Instruction* term = blocks[block]->getTerminator();
      if (w.size() < 2 || !(isa<BranchInst>(term) || isa<SwitchInst>(term))) continue;
      uint64_t max = 0;
      for (uint64_t c : w) max = std::max(max, c);
      if (max == 0) continue;
      uint64_t scale = max / UINT32_MAX + 1;
      SmallVector<uint32_t, 8> scaled;
      for (uint64_t c : w) scaled.push_back(uint32_t(c / scale) + 1);  // +1: never certain
      term->setMetadata(LLVMContext::MD_prof, md.createBranchWeights(scaled));
    }
  }
  summary.addRecord(record);
}

void CompilerImpl::add_counters(Function& f, const vm::Function& slot, bool edges) {
  LLVMContext& ctx = f.getContext();
  Type* i64 = Type::getInt64Ty(ctx);
  auto address = [&](const void* p) {
    return ConstantExpr::getIntToPtr(ConstantInt::get(i64, reinterpret_cast<uint64_t>(p)),
                                     PointerType::getUnqual(ctx));
  };
  auto bump = [&](IRBuilder<>& b, Value* counter) {
    Value* v = b.CreateAlignedLoad(i64, counter, Align(8));
    b.CreateAlignedStore(b.CreateAdd(v, ConstantInt::get(i64, 1)), counter, Align(8));
  };
  const vm::Code* code = slot.code.load(std::memory_order_acquire);
  if (edges && code) {
    std::vector<BasicBlock*> blocks;
    for (BasicBlock& b : f) blocks.push_back(&b);
    std::map<std::pair<uint32_t, uint32_t>, size_t> counter_of;  // (block, successor) -> index
    for (size_t i = 1; i < code->edges.size(); i++)
      counter_of[{code->edges[i].from_block, code->edges[i].successor}] = i;
    for (uint32_t bi = 0; bi < blocks.size(); bi++) {
      auto* br = dyn_cast<BranchInst>(blocks[bi]->getTerminator());
      if (!br) continue;
      auto c0 = counter_of.find({bi, 0});
      if (c0 == counter_of.end()) continue;
      IRBuilder<> b(br);
      Value* counter = address(&code->counters[c0->second]);
      if (br->isConditional()) {
        auto c1 = counter_of.find({bi, 1});
        if (c1 == counter_of.end()) continue;
        counter = b.CreateSelect(br->getCondition(), counter, address(&code->counters[c1->second]));
      }
      bump(b, counter);
    }
  }
  IRBuilder<> b(&*f.getEntryBlock().getFirstInsertionPt());
  bump(b, address(&slot.calls));
}

bool CompilerImpl::prepare(Module& mod, const CompileRequest& request, CompileResult& result,
                           std::string& error) {
  LLVMContext& ctx = mod.getContext();
  std::vector<GlobalVariable*> globals;
  for (GlobalVariable& g : mod.globals()) globals.push_back(&g);
  std::vector<Function*> defs;
  DenseMap<Function*, uint32_t> index;
  for (Function& f : mod) {
    if (f.isDeclaration()) continue;
    index[&f] = defs.size();
    defs.push_back(&f);
  }
  if (defs.size() != m_.functions.size() || globals.size() != global_addresses_.size()) {
    error = "the module read back from bitcode does not match the loaded one";
    return false;
  }
  auto materialize = [&](uint32_t k) {
    if (Error e = defs[k]->materialize()) {
      error = toString(std::move(e));
      return false;
    }
    return true;
  };
  // OSR continuations map values to frame slots by their order in the function, so take it
  // before anything below inserts instructions.
  std::map<uint32_t, std::vector<Value*>> osr_values;
  for (auto [k, loop] : request.osr) {
    std::vector<Value*>& values = osr_values[k];
    if (!values.empty()) continue;
    if (!materialize(k)) return false;
    for (Argument& a : defs[k]->args()) values.push_back(&a);
    for (Instruction& inst : instructions(*defs[k])) values.push_back(&inst);
  }
  // Aliases become their aliasees; the appending llvm.* globals (ctors, used) go.
  for (GlobalAlias& a : make_early_inc_range(mod.aliases())) {
    a.replaceAllUsesWith(a.getAliasee());
    a.eraseFromParent();
  }
  for (size_t i = 0; i < globals.size(); i++) {
    GlobalVariable* g = globals[i];
    if (g->getName().starts_with("llvm.")) {
      g->eraseFromParent();
      globals[i] = nullptr;
      continue;
    }
    if (!global_addresses_[i]) continue;  // an unused declaration
    if (g->hasInitializer()) g->setInitializer(nullptr);
    g->setName("__bf_g" + std::to_string(i));
    g->setLinkage(GlobalValue::ExternalLinkage);
    g->setVisibility(GlobalValue::DefaultVisibility);
    g->setComdat(nullptr);
    g->setDSOLocal(false);
    g->setUnnamedAddr(GlobalValue::UnnamedAddr::None);
    g->setSection("");
  }

  // Roles: the roots; copies of what the table cannot call, and of hot callees at tiers 2-3.
  std::vector<Role> role(defs.size(), Role::drop);
  std::vector<std::pair<uint32_t, bool>> work;  // (function, is a root)
  for (uint32_t r : request.roots) {
    role[r] = Role::root;
    work.push_back({r, true});
  }
  for (auto [k, loop] : request.osr) {
    if (role[k] != Role::drop) continue;
    role[k] = Role::copy;  // the body the continuations are cut from
    work.push_back({k, false});
  }
  uint32_t copies = 0;
  while (!work.empty()) {
    auto [k, is_root] = work.back();
    work.pop_back();
    if (!materialize(k)) return false;
    for (Instruction& inst : instructions(*defs[k])) {
      auto* call = dyn_cast<CallBase>(&inst);
      Function* callee = call ? call->getCalledFunction() : nullptr;
      if (!callee || callee->isDeclaration()) continue;
      uint32_t j = index.lookup(callee);
      if (role[j] != Role::drop) continue;
      const vm::Function& slot = *m_.functions[j];
      // No native entry, or one whose libffi signature differs from the native ABI (byval
      // aggregates travel on the stack, the closure expects a pointer): copy it in instead.
      bool needed = slot.closure == nullptr;
      for (unsigned a = 0; a < callee->arg_size() && !needed; a++)
        needed = callee->hasParamAttribute(a, Attribute::ByVal) ||
                 callee->hasParamAttribute(a, Attribute::InAlloca) ||
                 callee->hasParamAttribute(a, Attribute::Preallocated);
      bool hot = is_root && request.inline_callees && copies < options_.params.inline_max_callees &&
                 slot.calls.load(std::memory_order_relaxed) >= options_.params.inline_callee_calls;
      if (!needed && !hot) continue;
      role[j] = Role::copy;
      if (hot && !needed) copies++;
      work.push_back({j, false});
    }
  }
  result.inlined_callees = copies;

  // Functions: bodies of dropped ones go; every use becomes the stable entry, then calls are
  // pointed back at the body (kept functions) or at the table slot (dropped ones).
  for (uint32_t k = 0; k < defs.size(); k++)
    if (role[k] == Role::drop) defs[k]->deleteBody();  // never read, when it was not needed
  if (Error e = mod.materializeAll()) {  // nothing is left to read; this ends lazy loading
    error = toString(std::move(e));
    return false;
  }
  Type* ptr = PointerType::getUnqual(ctx);
  for (uint32_t k = 0; k < defs.size(); k++) {
    Function* f = defs[k];
    if (f->use_empty()) continue;
    Function* entry = Function::Create(f->getFunctionType(), GlobalValue::ExternalLinkage,
                                       "__bf_e" + std::to_string(k), mod);
    entry->setDSOLocal(false);
    f->replaceAllUsesWith(entry);
    GlobalVariable* slot = nullptr;
    for (Use& u : make_early_inc_range(entry->uses())) {
      auto* call = dyn_cast<CallBase>(u.getUser());
      if (!call || !call->isCallee(&u)) continue;
      if (role[k] != Role::drop) {
        call->setCalledOperand(f);
        continue;
      }
      if (!slot) {
        slot = new GlobalVariable(mod, ptr, false, GlobalValue::ExternalLinkage, nullptr,
                                  "__bf_t" + std::to_string(k));
        slot->setDSOLocal(false);
      }
      auto* target = new LoadInst(ptr, slot, "", false, Align(8), AtomicOrdering::Unordered,
                                  SyncScope::System, call->getIterator());
      call->setCalledOperand(target);
    }
    if (entry->use_empty()) entry->eraseFromParent();
  }
  for (uint32_t k = 0; k < defs.size(); k++) {
    Function* f = defs[k];
    if (role[k] == Role::drop) {
      f->eraseFromParent();
      defs[k] = nullptr;
      continue;
    }
    f->setComdat(nullptr);
    if (role[k] == Role::root) {
      f->setName(fn_name(m_, k, request.tier));
      f->setLinkage(GlobalValue::ExternalLinkage);
      f->setVisibility(GlobalValue::DefaultVisibility);
      f->setDSOLocal(true);
    } else {
      f->setLinkage(GlobalValue::InternalLinkage);
    }
  }

  // Indirect calls: to native code when the target is a compiled function. Each call site
  // caches the resolution of its last target (an interned {target, slot}, one word, so that
  // threads never see half of one); a miss asks resolve_target.
  std::vector<CallBase*> indirect;
  for (Function* f : defs) {
    if (!f) continue;
    for (Instruction& inst : instructions(*f)) {
      auto* call = dyn_cast<CallBase>(&inst);
      if (!call || call->getCalledFunction() || call->isInlineAsm()) continue;
      if (isa<LoadInst>(call->getCalledOperand()) &&
          cast<LoadInst>(call->getCalledOperand())->getPointerOperand()->getName().starts_with("__bf_t"))
        continue;  // a table slot: already native or the entry
      indirect.push_back(call);
    }
  }
  if (!indirect.empty()) {
    FunctionCallee resolve = mod.getOrInsertFunction("__bf_resolve", FunctionType::get(ptr, {ptr}, false));
    auto* decl = cast<Function>(resolve.getCallee());
    decl->setDSOLocal(false);
    decl->addFnAttr(Attribute::NoUnwind);
    auto* none = new GlobalVariable(mod, ptr, true, GlobalValue::ExternalLinkage, nullptr, "__bf_no_target");
    none->setDSOLocal(false);
    MDBuilder md(ctx);
    for (CallBase* call : indirect) {
      Value* target = call->getCalledOperand();
      auto* cache = new GlobalVariable(mod, ptr, false, GlobalValue::PrivateLinkage, none, "__bf_icache");
      IRBuilder<> b(call);
      LoadInst* cached = b.CreateAlignedLoad(ptr, cache, Align(8));
      cached->setAtomic(AtomicOrdering::Monotonic);
      Value* miss = b.CreateICmpNE(b.CreateAlignedLoad(ptr, cached, Align(8)), target);
      BasicBlock* head = call->getParent();
      Instruction* then = SplitBlockAndInsertIfThen(miss, call->getIterator(), false, md.createUnlikelyBranchWeights());
      IRBuilder<> mb(then);
      Value* fresh = mb.CreateCall(resolve, {target});
      mb.CreateAlignedStore(fresh, cache, Align(8))->setAtomic(AtomicOrdering::Monotonic);
      IRBuilder<> cb(call);
      PHINode* entry = cb.CreatePHI(ptr, 2);
      entry->addIncoming(cached, head);
      entry->addIncoming(fresh, then->getParent());
      Value* slot = cb.CreateAlignedLoad(ptr, cb.CreateConstInBoundsGEP1_64(cb.getInt8Ty(), entry, 8), Align(8));
      LoadInst* native = cb.CreateAlignedLoad(ptr, slot, Align(8));
      native->setAtomic(AtomicOrdering::Monotonic);  // a tier-up may swap it
      call->setCalledOperand(native);
    }
  }

  // The host CPU on every function (clang's per-function attributes would pin baseline
  // x86-64), no optnone (clang -O0), and the profile.
  InstrProfSummaryBuilder summary(ProfileSummaryBuilder::DefaultCutoffs);
  for (uint32_t k = 0; k < defs.size(); k++) {
    Function* f = defs[k];
    if (!f) continue;
    if (f->hasFnAttribute(Attribute::OptimizeNone)) {
      f->removeFnAttr(Attribute::OptimizeNone);
      f->removeFnAttr(Attribute::NoInline);
    }
    f->addFnAttr("target-cpu", cpu_);
    f->addFnAttr("target-features", features_);
    f->removeFnAttr("tune-cpu");
    if (request.profile) attach_profile(*f, *m_.functions[k], summary);
    if (request.count_calls && role[k] == Role::root) add_counters(*f, *m_.functions[k], request.count_edges);
  }
  if (request.profile) mod.setProfileSummary(summary.getSummary()->getMD(ctx), ProfileSummary::PSK_Instr);

  // Adapters: the interpreter's calling convention (libffi's: pointers to the arguments, a
  // result buffer; narrow integers and floats returned zero-extended to 64 bits).
  for (uint32_t k : request.roots) {
    Function* f = defs[k];
    if (!has_adapter(m_, k)) continue;
    auto* type = FunctionType::get(Type::getVoidTy(ctx), {ptr, ptr}, false);
    Function* a = Function::Create(type, GlobalValue::ExternalLinkage, adapter_name(k, request.tier), mod);
    a->addFnAttr("target-cpu", cpu_);
    a->addFnAttr("target-features", features_);
    a->addFnAttr(Attribute::NoUnwind);
    IRBuilder<> b(BasicBlock::Create(ctx, "", a));
    std::vector<Value*> args;
    for (unsigned i = 0; i < f->arg_size(); i++) {
      Value* p = b.CreateAlignedLoad(ptr, b.CreateConstGEP1_64(ptr, a->getArg(0), i), Align(8));
      args.push_back(b.CreateAlignedLoad(f->getFunctionType()->getParamType(i), p, Align(1)));
    }
    CallInst* call = b.CreateCall(f, args);
    call->setCallingConv(f->getCallingConv());
    AttributeList attrs = f->getAttributes();
    SmallVector<AttributeSet, 8> params;
    for (unsigned i = 0; i < f->arg_size(); i++) params.push_back(attrs.getParamAttrs(i));
    call->setAttributes(AttributeList::get(ctx, AttributeSet(), attrs.getRetAttrs(), params));
    Type* rt = f->getReturnType();
    if (!rt->isVoidTy()) {
      Value* v = call;
      // Interpreter slots hold narrow integers and floats zero-extended to 8 bytes.
      if (rt->isFloatTy()) v = b.CreateBitCast(v, b.getInt32Ty());
      if (v->getType()->isIntegerTy() && v->getType()->getIntegerBitWidth() < 64) v = b.CreateZExt(v, b.getInt64Ty());
      b.CreateAlignedStore(v, a->getArg(1), Align(1));
    }
    b.CreateRetVoid();
  }

  for (auto [k, loop] : request.osr) {
    const vm::Code* code = m_.functions[k]->code.load(std::memory_order_acquire);
    if (!code) {
      error = "no tier-0 code for an OSR entry";
      return false;
    }
    std::string why;
    if (!build_osr_continuation(*defs[k], osr_values[k], *code, loop, osr_name(m_, k, request.tier, loop), why)) {
      error = "no OSR entry for loop " + std::to_string(loop) + ": " + why;
      return false;
    }
  }

  std::string problems;
  raw_string_ostream os(problems);
  if (verifyModule(mod, &os)) {
    error = "the prepared module does not verify: " + problems.substr(0, problems.find('\n'));
    return false;
  }
  return true;
}

void CompilerImpl::optimize(Module& mod, int tier) {
  auto& tm = pass_machines_[tier];
  if (!tm) {
    // A TargetMachine of the pass pipeline's own, so that its cost models are the host's.
    auto jtmb = JITTargetMachineBuilder::detectHost();
    if (jtmb) {
      jtmb->setCodeGenOptLevel(codegen_level(tier));
      if (auto created = jtmb->createTargetMachine()) tm = std::move(*created);
      else consumeError(created.takeError());
    } else {
      consumeError(jtmb.takeError());
    }
  }
  LoopAnalysisManager lam;
  FunctionAnalysisManager fam;
  CGSCCAnalysisManager cgam;
  ModuleAnalysisManager mam;
  PipelineTuningOptions tuning;
  tuning.LoopVectorization = tier >= 2;
  tuning.SLPVectorization = tier >= 2;
  tuning.CallGraphProfile = false;  // its .llvm.call-graph-profile section has REL relocations JITLink rejects
  PassBuilder pb(tm.get(), tuning);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  OptimizationLevel level = tier <= 1 ? OptimizationLevel::O1 : tier == 2 ? OptimizationLevel::O2 : OptimizationLevel::O3;
  ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(level);
  mpm.run(mod, mam);
}

// BAREFLOW_JIT_FAIL=NAME@TIER: compiles of function NAME at tier TIER (1-3) fail, so that tests
// can show what a failed compile does (reported once, the function stays in its tier).
static bool injected_failure(const vm::Machine& m, const CompileRequest& request) {
  const char* spec = getenv("BAREFLOW_JIT_FAIL");
  if (spec == nullptr) return false;
  const StringRef s(spec);
  const auto [name, tier] = s.rsplit('@');
  if (tier != std::to_string(request.tier)) return false;
  for (uint32_t k : request.roots)
    if (m.functions[k]->name == name) return true;
  return false;
}

bool CompilerImpl::compile(const CompileRequest& request, CompileResult& result, std::string& error) {
  if (injected_failure(m_, request)) {
    error = "failure injected by BAREFLOW_JIT_FAIL";
    return false;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto ctx = std::make_unique<LLVMContext>();
  // Lazily: only the bodies this compile keeps are read (prepare materializes them).
  auto parsed = getLazyBitcodeModule(MemoryBufferRef(StringRef(bitcode_.data(), bitcode_.size()), m_.path), *ctx);
  if (!parsed) {
    error = toString(parsed.takeError());
    return false;
  }
  std::unique_ptr<Module> mod = std::move(*parsed);
  if (Error e = mod->materializeMetadata()) {
    error = toString(std::move(e));
    return false;
  }
  auto t1 = std::chrono::steady_clock::now();
  if (!prepare(*mod, request, result, error)) return false;
  auto t2 = std::chrono::steady_clock::now();
  optimize(*mod, request.tier);
  auto t3 = std::chrono::steady_clock::now();
  // BAREFLOW_JIT_DUMP=DIR keeps each compile's optimized IR (for debugging the tiers).
  if (const char* dir = getenv("BAREFLOW_JIT_DUMP")) {
    std::error_code ec;
    static int sequence = 0;
    uint32_t first = request.roots.empty() ? request.osr[0].first : request.roots[0];
    raw_fd_ostream out(std::string(dir) + "/" + std::to_string(sequence++) + "-" + fn_name(m_, first, request.tier) + ".ll", ec);
    if (!ec) mod->print(out, nullptr);
  }
  mod->addModuleFlag(Module::Warning, "bareflow.tier", uint32_t(request.tier));
  if (Error e = jit_->addIRModule(ThreadSafeModule(std::move(mod), ThreadSafeContext(std::move(ctx))))) {
    error = toString(std::move(e));
    return false;
  }
  auto t4 = std::chrono::steady_clock::now();
  for (uint32_t k : request.roots) {
    CompiledFunction cf;
    cf.index = k;
    auto native = jit_->lookup(fn_name(m_, k, request.tier));
    if (!native) {
      error = toString(native.takeError());
      return false;
    }
    cf.native = native->toPtr<void*>();
    if (has_adapter(m_, k)) {
      auto adapter = jit_->lookup(adapter_name(k, request.tier));
      if (!adapter) {
        error = toString(adapter.takeError());
        return false;
      }
      cf.adapter = adapter->toPtr<void*>();
      if (codegen_) {
        auto it = codegen_->sizes.find(adapter_name(k, request.tier));
        if (it != codegen_->sizes.end()) cf.adapter_size = it->second;
      }
    }
    if (codegen_) {
      auto it = codegen_->sizes.find(fn_name(m_, k, request.tier));
      if (it != codegen_->sizes.end()) cf.size = it->second;
    }
    result.functions.push_back(cf);
  }
  for (auto [k, loop] : request.osr) {
    OsrEntry e;
    e.index = k, e.loop = loop;
    std::string name = osr_name(m_, k, request.tier, loop);
    auto native = jit_->lookup(name);
    if (!native) {
      error = toString(native.takeError());
      return false;
    }
    e.native = native->toPtr<void*>();
    if (codegen_) {
      auto it = codegen_->sizes.find(name);
      if (it != codegen_->sizes.end()) e.size = it->second;
    }
    result.osr.push_back(e);
  }
  if (codegen_) {
    result.object_bytes = codegen_->last_object_bytes;
    codegen_->sizes.clear();
  }
  result.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (getenv("BAREFLOW_JIT_TRACE")) {
    auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    fprintf(stderr, "[times] parse %.1f prepare %.1f opt %.1f add %.1f codegen+link %.1f\n", ms(t0, t1), ms(t1, t2), ms(t2, t3), ms(t3, t4), ms(t4, std::chrono::steady_clock::now()));
  }
  return true;
}

const char kWarmUpIR[] = R"(
define float @warm(ptr %a, ptr %b, i32 %n, i32 %k) {
entry:
  %c = icmp sgt i32 %n, 0
  br i1 %c, label %loop, label %exit
loop:
  %i = phi i32 [0, %entry], [%i1, %loop]
  %s = phi float [0.0, %entry], [%s1, %loop]
  %pa = getelementptr float, ptr %a, i32 %i
  %pb = getelementptr float, ptr %b, i32 %i
  %x = load float, ptr %pa
  %y = load float, ptr %pb
  %m = fmul fast float %x, %y
  %s1 = fadd fast float %s, %m
  %i1 = add nsw i32 %i, 1
  %d = icmp slt i32 %i1, %n
  br i1 %d, label %loop, label %exit
exit:
  %r = phi float [0.0, %entry], [%s1, %loop]
  switch i32 %k, label %other [i32 0, label %done
                               i32 1, label %half
                               i32 7, label %half]
half:
  %h = fmul float %r, 0.5
  br label %done
other:
  %q = call float @llvm.sqrt.f32(float %r)
  br label %done
done:
  %v = phi float [%r, %exit], [%h, %half], [%q, %other]
  ret float %v
}
declare float @llvm.sqrt.f32(float)
)";

bool CompilerImpl::warm_up(std::string& error) {
  for (int tier : {1, 3}) {
    auto ctx = std::make_unique<LLVMContext>();
    SMDiagnostic diag;
    std::unique_ptr<Module> mod = parseAssemblyString(kWarmUpIR, diag, *ctx);
    if (!mod) {
      error = "warm-up: " + diag.getMessage().str();
      return false;
    }
    std::string name = "__bf_warm_up_t" + std::to_string(tier);
    Function* f = mod->getFunction("warm");
    f->setName(name);
    f->addFnAttr("target-cpu", cpu_);
    f->addFnAttr("target-features", features_);
    mod->setDataLayout(jit_->getDataLayout());
    mod->setTargetTriple(jit_->getTargetTriple().str());
    optimize(*mod, tier);
    mod->addModuleFlag(Module::Warning, "bareflow.tier", uint32_t(tier));
    if (Error e = jit_->addIRModule(ThreadSafeModule(std::move(mod), ThreadSafeContext(std::move(ctx))))) {
      error = "warm-up: " + toString(std::move(e));
      return false;
    }
    auto address = jit_->lookup(name);
    if (!address) {
      error = "warm-up: " + toString(address.takeError());
      return false;
    }
  }
  return true;
}

}  // namespace

std::unique_ptr<Compiler> Compiler::create(vm::Machine& machine, const Options& options, std::string& error) {
  auto c = std::make_unique<CompilerImpl>(machine, options);
  if (!c->init(error)) return nullptr;
  return c;
}

}  // namespace bf::jit
