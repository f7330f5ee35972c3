// Module preparation, steps 2-5 of a compile (see compiler.cpp). prepare_module:
//   a. indexes the module read back from bitcode (it must match the loaded one) and records,
//      for OSR continuations, the order of the values that tier 0 gave frame slots;
//   b. turns every global variable into a declaration __bf_g<i>, defined as the interpreter's
//      storage, so that both tiers share state;
//   c. chooses each function's role: the roots; private copies of what the function table
//      cannot call (no native entry, or a by-value aggregate) and, at tiers 2-3, of hot callees
//      for the inliner; every other body goes;
//   d. gives labels the values tier 0 gives them (labels.cpp), routes calls through the
//      function table (call_table.cpp);
//   e. names the host CPU on every function, strips -O0's optnone, attaches the profile and the
//      counters (profile_metadata.cpp);
//   f. adds an adapter void(void** args, void* ret) per root: the interpreter calls it;
//   g. builds the OSR continuations (osr.cpp);
//   h. brackets setjmp calls with the interpreter stack's save and restore, and verifies.
#include "jit/prepare.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/InstIterator.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include <map>

#include "jit/osr.h"
#include "jit/symbols.h"
#include "profile/metadata.h"
#include "vm/machine.h"

namespace bf::jit {

using namespace llvm;

bool has_adapter(const vm::Machine& machine, uint32_t index) {
  return !machine.functions[index]->is_vararg;
}

namespace {

// The unit under construction.
struct UnitBuild {
  UnitBuild(Module& m, const CompileRequest& r, const PrepareContext& c) : mod(m), request(r), context(c) {}
  Module& mod;
  const CompileRequest& request;
  const PrepareContext& context;
  std::vector<GlobalVariable*> globals;  // by position in the module's global list
  std::vector<Function*> defs;           // defined functions by index (null once dropped)
  DenseMap<Function*, uint32_t> index;
  std::vector<Role> roles;
  std::map<uint32_t, std::vector<Value*>> osr_values;  // function -> arguments, instructions
  std::map<uint32_t, std::vector<BasicBlock*>> osr_blocks;  // function -> its blocks
  std::string error;

  const vm::Machine& machine() const { return context.machine; }

  bool materialize(uint32_t k) {
    if (Error e = defs[k]->materialize()) {
      error = toString(std::move(e));
      return false;
    }
    return true;
  }
};

// a.
bool index_module(UnitBuild& u) {
  for (GlobalVariable& g : u.mod.globals()) u.globals.push_back(&g);
  for (Function& f : u.mod) {
    if (f.isDeclaration()) continue;
    u.index[&f] = u.defs.size();
    u.defs.push_back(&f);
  }
  if (u.defs.size() != u.machine().functions.size() || u.globals.size() != u.context.global_addresses.size()) {
    u.error = "the module read back from bitcode does not match the loaded one";
    return false;
  }
  // OSR continuations map values to frame slots and loops to headers by their order in the
  // function, so take it before anything below inserts instructions or splits blocks.
  for (auto [k, loop] : u.request.osr) {
    std::vector<Value*>& values = u.osr_values[k];
    if (!values.empty()) continue;
    if (!u.materialize(k)) return false;
    for (Argument& a : u.defs[k]->args()) values.push_back(&a);
    for (Instruction& inst : instructions(*u.defs[k])) values.push_back(&inst);
    for (BasicBlock& bb : *u.defs[k]) u.osr_blocks[k].push_back(&bb);
  }
  return true;
}

// b. Aliases become their aliasees; the appending llvm.* globals (ctors, used) go.
void share_globals(UnitBuild& u) {
  for (GlobalAlias& a : make_early_inc_range(u.mod.aliases())) {
    a.replaceAllUsesWith(a.getAliasee());
    a.eraseFromParent();
  }
  for (size_t i = 0; i < u.globals.size(); i++) {
    GlobalVariable* g = u.globals[i];
    if (g->getName().starts_with("llvm.")) {
      g->eraseFromParent();
      u.globals[i] = nullptr;
      continue;
    }
    if (!u.context.global_addresses[i]) continue;  // an unused declaration
    if (g->hasInitializer()) g->setInitializer(nullptr);
    g->setName(symbols::global(i));
    g->setLinkage(GlobalValue::ExternalLinkage);
    g->setVisibility(GlobalValue::DefaultVisibility);
    g->setComdat(nullptr);
    g->setDSOLocal(false);
    g->setUnnamedAddr(GlobalValue::UnnamedAddr::None);
    g->setSection("");
  }
}

// Whether the table cannot call function j for a caller in the unit: no native entry, or one
// whose libffi signature differs from the native ABI (byval aggregates travel on the stack,
// the closure expects a pointer).
bool needs_copy(const vm::Function& slot, const Function& callee) {
  if (slot.closure == nullptr) return true;
  for (unsigned a = 0; a < callee.arg_size(); a++)
    if (callee.hasParamAttribute(a, Attribute::ByVal) || callee.hasParamAttribute(a, Attribute::InAlloca) ||
        callee.hasParamAttribute(a, Attribute::Preallocated))
      return true;
  return false;
}

// c. Returns the number of hot callees copied in for inlining, or -1 on error.
int choose_roles(UnitBuild& u) {
  const Params& params = u.context.params;
  u.roles.assign(u.defs.size(), Role::drop);
  std::vector<std::pair<uint32_t, bool>> work;  // (function, is a root)
  for (uint32_t r : u.request.roots) {
    u.roles[r] = Role::root;
    work.push_back({r, true});
  }
  for (auto [k, loop] : u.request.osr) {
    if (u.roles[k] != Role::drop) continue;
    u.roles[k] = Role::copy;  // the body the continuations are cut from
    work.push_back({k, false});
  }
  int copies = 0;
  while (!work.empty()) {
    auto [k, is_root] = work.back();
    work.pop_back();
    if (!u.materialize(k)) return -1;
    for (Instruction& inst : instructions(*u.defs[k])) {
      auto* call = dyn_cast<CallBase>(&inst);
      Function* callee = call ? call->getCalledFunction() : nullptr;
      if (!callee || callee->isDeclaration()) continue;
      uint32_t j = u.index.lookup(callee);
      if (u.roles[j] != Role::drop) continue;
      const vm::Function& slot = *u.machine().functions[j];
      bool needed = needs_copy(slot, *callee);
      bool hot = is_root && u.request.inline_callees && uint64_t(copies) < params.inline_max_callees &&
                 slot.calls.load(std::memory_order_relaxed) >= params.inline_callee_calls;
      if (!needed && !hot) continue;
      u.roles[j] = Role::copy;
      if (hot && !needed) copies++;
      work.push_back({j, false});
    }
  }
  // Bodies of dropped functions go (never read, when they were not needed).
  for (uint32_t k = 0; k < u.defs.size(); k++)
    if (u.roles[k] == Role::drop) u.defs[k]->deleteBody();
  if (Error e = u.mod.materializeAll()) {  // nothing is left to read; this ends lazy loading
    u.error = toString(std::move(e));
    return -1;
  }
  return copies;
}

// Kept functions: roots are published under their compiled names, copies stay private.
void name_functions(UnitBuild& u) {
  for (uint32_t k = 0; k < u.defs.size(); k++) {
    Function* f = u.defs[k];
    if (u.roles[k] == Role::drop) {
      f->eraseFromParent();
      u.defs[k] = nullptr;
      continue;
    }
    f->setComdat(nullptr);
    if (u.roles[k] == Role::root) {
      f->setName(symbols::compiled(u.machine().functions[k]->name, k, u.request.tier));
      f->setLinkage(GlobalValue::ExternalLinkage);
      f->setVisibility(GlobalValue::DefaultVisibility);
      f->setDSOLocal(true);
    } else {
      f->setLinkage(GlobalValue::InternalLinkage);
    }
  }
}

// Function k in the profile store, when there is one for this module.
const profile::FunctionProfile* past(const UnitBuild& u, uint32_t k) {
  const profile::Profile* h = u.context.history;
  if (!h || h->run_weight <= 0 || h->functions.size() != u.defs.size()) return nullptr;
  const profile::FunctionProfile& f = h->functions[k];
  return f.name == u.machine().functions[k]->name ? &f : nullptr;
}

// e. The host CPU on every function (clang's per-function attributes would pin baseline
// x86-64) with the function's own additions (the engine's AVX-512 kernels on a host without
// AVX-512, never called there), no optnone (clang -O0), and the profile.
void target_and_profile(UnitBuild& u) {
  const CompileRequest& request = u.request;
  InstrProfSummaryBuilder summary(ProfileSummaryBuilder::DefaultCutoffs);
  for (uint32_t k = 0; k < u.defs.size(); k++) {
    Function* f = u.defs[k];
    if (!f) continue;
    if (f->hasFnAttribute(Attribute::OptimizeNone)) {
      f->removeFnAttr(Attribute::OptimizeNone);
      f->removeFnAttr(Attribute::NoInline);
    }
    bf::profile::keep_unfused(*f);
    f->addFnAttr("target-cpu", u.context.cpu);
    f->addFnAttr("target-features", bf::profile::features_with_own(*f, u.context.features));
    f->removeFnAttr("tune-cpu");
    const vm::Function& slot = *u.machine().functions[k];
    if (request.profile) attach_profile(*f, slot, past(u, k), summary);
    if (request.count_calls && u.roles[k] == Role::root) add_counters(*f, slot, request.count_edges);
  }
  if (request.profile)
    u.mod.setProfileSummary(summary.getSummary()->getMD(u.mod.getContext()), ProfileSummary::PSK_Instr);
}

// f. Adapters: the interpreter's calling convention (libffi's: pointers to the arguments, a
// result buffer; narrow integers and floats returned zero-extended to 64 bits).
void add_adapters(UnitBuild& u) {
  LLVMContext& ctx = u.mod.getContext();
  Type* ptr = PointerType::getUnqual(ctx);
  for (uint32_t k : u.request.roots) {
    Function* f = u.defs[k];
    if (!has_adapter(u.machine(), k)) continue;
    auto* type = FunctionType::get(Type::getVoidTy(ctx), {ptr, ptr}, false);
    Function* a = Function::Create(type, GlobalValue::ExternalLinkage, symbols::adapter(k, u.request.tier), u.mod);
    a->addFnAttr("target-cpu", u.context.cpu);
    a->addFnAttr("target-features", u.context.features);
    // Exceptions pass through (an interpreted invoke or a host catch is outside): unwind tables.
    a->setUWTableKind(UWTableKind::Async);
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
}

// g.
bool add_osr_continuations(UnitBuild& u) {
  for (auto [k, loop] : u.request.osr) {
    const vm::Code* code = u.machine().functions[k]->code.load(std::memory_order_acquire);
    if (!code) {
      u.error = "no tier-0 code for an OSR entry";
      return false;
    }
    std::string why;
    const std::string name = symbols::osr(u.machine().functions[k]->name, k, u.request.tier, loop);
    if (!build_osr_continuation(*u.defs[k], u.osr_values[k], u.osr_blocks[k], *code, loop, name, why)) {
      u.error = "no OSR entry for loop " + std::to_string(loop) + ": " + why;
      return false;
    }
  }
  return true;
}

// h. Each setjmp call keeps the interpreter stack as it was: a longjmp through interpreted
// frames back to it leaves the stack as those frames had it (vm/setjmp.cpp). The state lives in
// an alloca of the function's entry (OSR continuations included, hence after g).
void bracket_setjmps(UnitBuild& u) {
  LLVMContext& ctx = u.mod.getContext();
  Type* ptr = PointerType::getUnqual(ctx);
  auto* hook_type = FunctionType::get(Type::getVoidTy(ctx), {ptr}, false);
  for (Function& f : u.mod) {
    if (f.isDeclaration()) continue;
    AllocaInst* state = nullptr;
    for (Instruction& inst : make_early_inc_range(instructions(f))) {
      auto* call = dyn_cast<CallInst>(&inst);
      Function* callee = call ? call->getCalledFunction() : nullptr;
      if (!callee || !callee->isDeclaration() || !vm::is_setjmp(callee->getName())) continue;
      if (!state) {
        IRBuilder<> entry(&*f.getEntryBlock().getFirstInsertionPt());
        state = entry.CreateAlloca(ArrayType::get(ptr, 2), nullptr, "bf.setjmp.state");
      }
      IRBuilder<> b(call);
      b.CreateCall(u.mod.getOrInsertFunction("bf_vm_setjmp_save", hook_type), {state});
      b.SetInsertPoint(call->getNextNode());
      b.CreateCall(u.mod.getOrInsertFunction("bf_vm_setjmp_restore", hook_type), {state});
    }
  }
}

bool verify(UnitBuild& u) {
  std::string problems;
  raw_string_ostream os(problems);
  if (!verifyModule(u.mod, &os)) return true;
  u.error = "the prepared module does not verify: " + problems.substr(0, problems.find('\n'));
  return false;
}

}  // namespace

bool prepare_module(Module& mod, const CompileRequest& request, const PrepareContext& context,
                    CompileResult& result, std::string& error) {
  UnitBuild u(mod, request, context);
  bool ok = index_module(u);
  if (ok) share_globals(u);
  int copies = ok ? choose_roles(u) : -1;
  ok = copies >= 0;
  if (ok) {
    result.inlined_callees = uint32_t(copies);
    // Before calls are routed: that makes every use of a function its entry, blockaddress too.
    for (uint32_t k = 0; k < u.defs.size(); k++) {
      auto values = u.osr_values.find(k);
      if (u.roles[k] != Role::drop)
        lower_labels(*u.defs[k], k, values == u.osr_values.end() ? nullptr : &values->second);
    }
    route_direct_calls(mod, u.defs, u.roles);
    name_functions(u);
    route_indirect_calls(mod, u.defs);

    target_and_profile(u);
    add_adapters(u);
    ok = add_osr_continuations(u);
    if (ok) bracket_setjmps(u);
    ok = ok && verify(u);
  }
  if (!ok) error = u.error;
  return ok;
}

}  // namespace bf::jit
