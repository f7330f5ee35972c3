// The compiler behind the tiers. What one compile does:
//   1. parse the program's bitcode (the bytes it was loaded from) into a fresh context: the
//      compiler thread never touches the interpreter's IR;
//   2. prepare the unit (prepare.cpp): globals become the interpreter's storage, the requested
//      functions are kept with private copies of what they need, and everything else is reached
//      through the function table;
//   3. route calls through the table (call_table.cpp);
//   4. name the host CPU, attach the profile as !prof, add counters (profile_metadata.cpp);
//   5. add an adapter per function for the interpreter, and the OSR continuations (osr.cpp);
//   6. hash the prepared unit with the environment into its key, and ask the unit cache for it;
//   7. on a miss, run the O1-O3 pipeline with a TargetMachine of its own and generate code at
//      the same level, and give the object to the cache;
//   8. link the object with JITLink against the program's symbols (symbols.h) and look up what
//      the request asked for.
// A unit's object refers to the running program only through those symbols, so an object
// from an earlier run links into this one (link_object) as well as a fresh one.
#include "jit/compiler.h"

#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/Bitcode/BitcodeWriter.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/Orc/CompileUtils.h>
#include <llvm/ExecutionEngine/Orc/DebugObjectManagerPlugin.h>
#include <llvm/ExecutionEngine/Orc/EPCDebugObjectRegistrar.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>
#include <llvm/ExecutionEngine/Orc/TargetProcess/JITLoaderGDB.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/Module.h>
#include <llvm/Object/ELFObjectFile.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/BLAKE3.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <chrono>
#include <map>
#include <mutex>

#include "jit/build_id.h"
#include "jit/prepare.h"
#include "jit/runtime_symbols.h"
#include "jit/symbols.h"
#include "vm/machine.h"

namespace bf::jit {

using namespace llvm;
using namespace llvm::orc;

std::string UnitKey::hex() const { return toHex(digest, /*LowerCase=*/true); }

namespace {

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

// The edge counters of function k (symbols::edge_counters), which live in its tier-0 code: a
// unit from the cache may count into those of a function this run has not translated yet.
// Likewise its block addresses (symbols::block_tokens).
class CounterGenerator : public DefinitionGenerator {
 public:
  explicit CounterGenerator(vm::Machine& m) : m_(m) {}
  Error tryToGenerate(LookupState&, LookupKind, JITDylib& jd, JITDylibLookupFlags,
                      const SymbolLookupSet& symbols) override {
    SymbolMap found;
    for (const auto& [name, flags] : symbols) {
      uint32_t k = 0;
      if (symbols::is_block_tokens(*name, k) && k < m_.functions.size()) {
        Expected<void*> tokens = block_tokens(k);
        if (!tokens) return tokens.takeError();
        found[name] = {ExecutorAddr::fromPtr(*tokens), JITSymbolFlags::Exported};
        continue;
      }
      if (!symbols::is_edge_counters(*name, k) || k >= m_.functions.size()) continue;
      std::string error;
      vm::Code* code = m_.try_code_for(m_.functions[k].get(), error);
      if (!code) return make_error<StringError>(error, inconvertibleErrorCode());
      found[name] = {ExecutorAddr::fromPtr(code->counters.get()), JITSymbolFlags::Exported};
    }
    if (found.empty()) return Error::success();
    return jd.define(absoluteSymbols(std::move(found)));
  }

 private:
  // Function k's block addresses, sized by its blocks (its body read now if it is still lazy).
  Expected<void*> block_tokens(uint32_t k) {
    llvm::Function* f = m_.functions[k]->ir;
    uint32_t blocks = 0;
    {
      std::lock_guard<std::mutex> lock(m_.translate_mutex);
      if (f->isMaterializable())
        if (Error e = f->materialize()) return std::move(e);
      blocks = static_cast<uint32_t>(f->size());
    }
    return m_.block_tokens(k, blocks);
  }

  vm::Machine& m_;
};

// Code generation at a tier's level, with one TargetMachine per tier made on first use.
class CodeGenerator {
 public:
  explicit CodeGenerator(JITTargetMachineBuilder jtmb) : jtmb_(std::move(jtmb)) {}

  Expected<std::unique_ptr<MemoryBuffer>> operator()(Module& m, int tier) {
    auto& tm = machines_[tier];
    if (!tm) {
      JITTargetMachineBuilder b = jtmb_;
      b.setCodeGenOptLevel(codegen_level(tier));
      auto created = b.createTargetMachine();
      if (!created) return created.takeError();
      tm = std::move(*created);
    }
    return SimpleCompiler(*tm)(m);
  }

 private:
  JITTargetMachineBuilder jtmb_;
  std::map<int, std::unique_ptr<TargetMachine>> machines_;
};

// Bytes of each function an object defines (for the tier log and the perf map).
std::map<std::string, uint64_t> function_sizes(MemoryBufferRef object) {
  std::map<std::string, uint64_t> sizes;
  auto file = object::ObjectFile::createObjectFile(object);
  if (!file) {
    consumeError(file.takeError());
    return sizes;
  }
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
  return sizes;
}

class CompilerImpl final : public Compiler {
 public:
  CompilerImpl(vm::Machine& m, const Options& o) : m_(m), options_(o) {}

  bool init(std::string& error);
  bool compile(const CompileRequest& request, CompileResult& result, std::string& error) override;
  bool link_object(const std::string& object, const CompileRequest& request, CompileResult& result,
                   std::string& error) override;
  void set_cache(UnitCache* cache) override { cache_ = cache; }
  void set_history(const profile::Profile* history) override { history_ = history; }
  const std::string& environment() const override { return environment_; }

 private:
  bool create_jit(std::string& error);
  void register_with_gdb();
  bool define_program_symbols(std::string& error);
  void optimize(Module& mod, int tier);
  void dump(const Module& mod, const CompileRequest& request);
  UnitKey key_of(Module& mod);
  bool injected_failure(const CompileRequest& request) const;
  bool link(std::unique_ptr<MemoryBuffer> object, const CompileRequest& request, CompileResult& result,
            std::string& error);

  vm::Machine& m_;
  Options options_;
  std::vector<void*> global_addresses_;  // by position in the module's global list
  std::vector<bool> thread_local_;       // the same: a thread-local's address is its control block
  std::unique_ptr<LLJIT> jit_;
  std::unique_ptr<CodeGenerator> codegen_;
  std::string cpu_, features_, environment_;
  std::map<int, std::unique_ptr<TargetMachine>> pass_machines_;
  UnitCache* cache_ = nullptr;
  const profile::Profile* history_ = nullptr;
  uint64_t units_ = 0;  // units linked so far, each in its own JITDylib
};

bool CompilerImpl::init(std::string& error) {
  static std::once_flag targets;
  std::call_once(targets, [] {
    InitializeNativeTarget();
    InitializeNativeTargetAsmPrinter();
    InitializeNativeTargetAsmParser();  // inline assembly is parsed when the code is emitted
  });
  for (GlobalVariable& g : m_.module->globals()) {
    void* thread_local_control = m_.thread_locals.lookup(&g);
    global_addresses_.push_back(thread_local_control ? thread_local_control : m_.addresses.lookup(&g));
    thread_local_.push_back(thread_local_control != nullptr);
  }
  if (!create_jit(error)) return false;
  if (options_.gdb) register_with_gdb();
  return define_program_symbols(error);
}

// One LLJIT for the host, compiling on the caller's thread (the tiers' own), with the
// program's imports from the interpreter's explicit table instead of the process's symbols.
bool CompilerImpl::create_jit(std::string& error) {
  auto jtmb = JITTargetMachineBuilder::detectHost();
  if (!jtmb) {
    error = "jit: " + toString(jtmb.takeError());
    return false;
  }
  jtmb->setCodeGenOptLevel(CodeGenOptLevel::Aggressive);
  // What LLJIT sets for JITLink on x86-64; without it codegen would use the JIT's default
  // large code model (absolute 64-bit addresses everywhere, about 9% more instructions).
  jtmb->setRelocationModel(Reloc::PIC_);
  jtmb->setCodeModel(CodeModel::Small);
  // Thread-locals are the interpreter's emulated-TLS control blocks, so that compiled and
  // interpreted code of one thread see the same copy (loader.cpp).
  jtmb->getOptions().EmulatedTLS = true;
  cpu_ = jtmb->getCPU();
  features_ = jtmb->getFeatures().getString();
  environment_ = jit::environment(options_);
  codegen_ = std::make_unique<CodeGenerator>(*jtmb);
  auto built = LLJITBuilder()
                   .setJITTargetMachineBuilder(*jtmb)
                   .setNumCompileThreads(0)
                   .setPlatformSetUp(setUpInactivePlatform)
                   .setProcessSymbolsJITDylibSetup([](LLJIT& j) -> Expected<JITDylibSP> {
                     JITDylib& jd = j.getExecutionSession().createBareJITDylib("<imports>");
                     jd.addGenerator(std::make_unique<ImportGenerator>());
                     return JITDylibSP(&jd);
                   })
                   .create();
  if (!built) {
    error = "jit: " + toString(built.takeError());
    return false;
  }
  jit_ = std::move(*built);
  return true;
}

// GDB's JIT interface, with the registration function taken by address (no dlsym).
void CompilerImpl::register_with_gdb() {
  auto* linker = dyn_cast<ObjectLinkingLayer>(&jit_->getObjLinkingLayer());
  if (!linker) {
    fprintf(stderr, "bareflow: jit: no GDB registration: not a JITLink layer\n");
    return;
  }
  ExecutionSession& es = jit_->getExecutionSession();
  auto registrar = std::make_unique<EPCDebugObjectRegistrar>(es, ExecutorAddr::fromPtr(&llvm_orc_registerJITLoaderGDBWrapper));
  linker->addPlugin(std::make_unique<DebugObjectManagerPlugin>(es, std::move(registrar), false, true));
}

// The interpreter's state as absolute symbols (symbols.h): globals, stable entries, the
// function table's cells and its resolver, the call counters; edge counters on demand.
bool CompilerImpl::define_program_symbols(std::string& error) {
  SymbolMap map;
  auto define = [&](const std::string& name, const void* address) {
    map[jit_->mangleAndIntern(name)] = {ExecutorAddr::fromPtr(address), JITSymbolFlags::Exported};
  };
  for (size_t i = 0; i < global_addresses_.size(); i++)
    if (global_addresses_[i])
      define(thread_local_[i] ? symbols::thread_local_control(i) : symbols::global(i), global_addresses_[i]);
  vm::FunctionTable& table = m_.table;
  define(symbols::kResolve, table.resolver());
  define(symbols::kNoTarget, table.no_target());
  for (uint32_t k = 0; k < table.size(); k++) {
    define(symbols::entry(k), table.slot(k).entry());
    define(symbols::slot(k), table.slot(k).native_cell());
    define(symbols::calls_counter(k), &m_.functions[k]->calls);
  }
  JITDylib& main = jit_->getMainJITDylib();
  main.addGenerator(std::make_unique<CounterGenerator>(m_));
  if (Error e = main.define(absoluteSymbols(std::move(map)))) {
    error = "jit: " + toString(std::move(e));
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

// The debug knob `dump`: each compile's optimized IR in that directory.
void CompilerImpl::dump(const Module& mod, const CompileRequest& request) {
  std::error_code ec;
  static int sequence = 0;
  uint32_t first = request.roots.empty() ? request.osr[0].first : request.roots[0];
  std::string name = symbols::compiled(m_.functions[first]->name, first, request.tier);
  raw_fd_ostream out(options_.params.dump + "/" + std::to_string(sequence++) + "-" + name + ".ll", ec);
  if (!ec) mod.print(out, nullptr);
}

// Everything that shapes a unit's code is in its prepared module (bodies, copies, !prof, the
// CPU on every function, the tier flag) or in the environment; the module hash keeps units of
// different programs apart.
UnitKey CompilerImpl::key_of(Module& mod) {
  SmallVector<char, 0> bitcode;
  raw_svector_ostream os(bitcode);
  const std::string id = mod.getModuleIdentifier();
  mod.setModuleIdentifier("");  // the path the program was loaded from does not shape code
  WriteBitcodeToFile(mod, os);
  mod.setModuleIdentifier(id);
  BLAKE3 hash;
  hash.update(environment_);
  hash.update(ArrayRef<uint8_t>(m_.module_hash));
  hash.update(StringRef(bitcode.data(), bitcode.size()));
  UnitKey key;
  key.digest = hash.final();
  return key;
}

// The debug knob `fail` (BAREFLOW_JIT_FAIL=NAME@TIER): compiles of function NAME (or of its
// OSR entries) at tier TIER fail, so that tests can show what a failed compile does (reported once, the function stays
// in its tier).
bool CompilerImpl::injected_failure(const CompileRequest& request) const {
  if (options_.params.fail.empty()) return false;
  const auto [name, tier] = StringRef(options_.params.fail).rsplit('@');
  if (tier != std::to_string(request.tier)) return false;
  for (uint32_t k : request.roots)
    if (m_.functions[k]->name == name) return true;
  for (auto [k, loop] : request.osr)
    if (m_.functions[k]->name == name) return true;
  return false;
}

bool CompilerImpl::compile(const CompileRequest& request, CompileResult& result, std::string& error) {
  if (injected_failure(request)) {
    error = "failure injected by the fail knob (BAREFLOW_JIT_FAIL)";
    return false;
  }
  using Clock = std::chrono::steady_clock;
  const Clock::time_point t0 = Clock::now();
  // 1. Lazily: only the bodies this compile keeps are read (preparation materializes them).
  auto ctx = std::make_unique<LLVMContext>();
  auto parsed = getLazyBitcodeModule(MemoryBufferRef(m_.bitcode, m_.path), *ctx);
  if (!parsed) {
    error = toString(parsed.takeError());
    return false;
  }
  std::unique_ptr<Module> mod = std::move(*parsed);
  if (Error e = mod->materializeMetadata()) {
    error = toString(std::move(e));
    return false;
  }
  const Clock::time_point t1 = Clock::now();
  // 2-5.
  const PrepareContext context{m_, global_addresses_, options_.params, cpu_, features_, history_};
  if (!prepare_module(*mod, request, context, result, error)) return false;
  mod->addModuleFlag(Module::Warning, symbols::kTierFlag, uint32_t(request.tier));
  // 6.
  result.key = key_of(*mod);
  std::string cached;
  result.from_cache = cache_ && cache_->find(result.key, cached);
  const Clock::time_point t2 = Clock::now();
  // 7.
  std::unique_ptr<MemoryBuffer> object;
  if (result.from_cache) {
    object = MemoryBuffer::getMemBufferCopy(cached, "cached unit " + result.key.hex());
  } else {
    optimize(*mod, request.tier);
    if (!options_.params.dump.empty()) dump(*mod, request);
    auto generated = (*codegen_)(*mod, request.tier);
    if (!generated) {
      error = toString(generated.takeError());
      return false;
    }
    object = std::move(*generated);
    if (cache_) cached.assign(object->getBufferStart(), object->getBufferSize());
  }
  const Clock::time_point t3 = Clock::now();
  // 8.
  if (!link(std::move(object), request, result, error)) return false;
  if (cache_ && !result.from_cache) cache_->store(result.key, request, result, cached);
  result.ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  if (!options_.params.trace.empty()) {
    auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    fprintf(stderr, "[times] parse %.1f prepare+key %.1f %s %.1f link %.1f\n", ms(t0, t1), ms(t1, t2),
            result.from_cache ? "cache" : "opt+codegen", ms(t2, t3), ms(t3, Clock::now()));
  }
  return true;
}

bool CompilerImpl::link_object(const std::string& object, const CompileRequest& request, CompileResult& result,
                               std::string& error) {
  auto t0 = std::chrono::steady_clock::now();
  result.from_cache = true;
  if (!link(MemoryBuffer::getMemBufferCopy(object, "cached unit"), request, result, error)) return false;
  result.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return true;
}

// Adds the object to the JIT and looks up the request's functions, adapters and OSR entries:
// JITLink resolves its references against the program's symbols then. Each unit has a
// JITDylib of its own (linking against the program's), so that units never collide: a unit
// from the cache may define functions that this run compiles again at the same tier.
bool CompilerImpl::link(std::unique_ptr<MemoryBuffer> object, const CompileRequest& request, CompileResult& result,
                        std::string& error) {
  const std::map<std::string, uint64_t> sizes = function_sizes(object->getMemBufferRef());
  result.object_bytes = object->getBufferSize();
  auto jd = jit_->createJITDylib("unit" + std::to_string(units_++));
  if (!jd) {
    error = toString(jd.takeError());
    return false;
  }
  jd->addToLinkOrder(jit_->getMainJITDylib());
  if (Error e = jit_->addObjectFile(*jd, std::move(object))) {
    error = toString(std::move(e));
    return false;
  }
  auto find = [&](const std::string& name, void*& address, uint64_t* size) {
    auto found = jit_->lookup(*jd, name);
    if (!found) {
      error = toString(found.takeError());
      return false;
    }
    address = found->toPtr<void*>();
    auto it = sizes.find(name);
    if (size && it != sizes.end()) *size = it->second;
    return true;
  };
  for (uint32_t k : request.roots) {
    CompiledFunction cf;
    cf.index = k;
    if (!find(symbols::compiled(m_.functions[k]->name, k, request.tier), cf.native, &cf.size)) return false;
    if (has_adapter(m_, k) && !find(symbols::adapter(k, request.tier), cf.adapter, &cf.adapter_size)) return false;
    result.functions.push_back(cf);
  }
  for (auto [k, loop] : request.osr) {
    OsrEntry e;
    e.index = k, e.loop = loop;
    if (!find(symbols::osr(m_.functions[k]->name, k, request.tier, loop), e.native, &e.size)) return false;
    result.osr.push_back(e);
  }
  return true;
}

}  // namespace

void install(vm::FunctionTable& table, int tier, const CompileResult& result) {
  // Named for crash reports as the perf map names them.
  std::string t = "[O" + std::to_string(tier);
  for (const CompiledFunction& cf : result.functions) {
    const std::string& name = table.function(cf.index).name;
    vm::note_compiled_code(cf.native, cf.size, t + "] " + name);
    vm::note_compiled_code(cf.adapter, cf.adapter_size, t + " adapter] " + name);
  }
  for (const OsrEntry& e : result.osr)
    vm::note_compiled_code(e.native, e.size, t + " OSR] " + table.function(e.index).name);
  for (const CompiledFunction& cf : result.functions) table.install(cf.index, tier, cf.native, cf.adapter);
  for (const OsrEntry& e : result.osr) table.install_osr(e.index, e.loop, e.native);
}

std::string environment(const Options& options) {
  auto jtmb = JITTargetMachineBuilder::detectHost();
  if (!jtmb) {
    consumeError(jtmb.takeError());
    return "no host target\n";
  }
  // Tests stand for another CPU here (only here), to show that code cached on one CPU is not
  // taken on another.
  const char* keyed_features = getenv("BAREFLOW_TEST_CPU_FEATURES");
  return std::string("bareflow ") + kBuildId + "\nllvm " LLVM_VERSION_STRING "\ntriple " +
         jtmb->getTargetTriple().str() + "\ncpu " + jtmb->getCPU() + "\nfeatures " +
         (keyed_features ? keyed_features : jtmb->getFeatures().getString()) + "\n" +
         code_shaping_params(options.params);
}

std::unique_ptr<Compiler> Compiler::create(vm::Machine& machine, const Options& options, std::string& error) {
  auto c = std::make_unique<CompilerImpl>(machine, options);
  if (!c->init(error)) return nullptr;
  return c;
}

}  // namespace bf::jit
