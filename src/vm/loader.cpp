// Loading: parse and verify the bitcode, lay globals out in native memory, resolve imports,
// give every function a slot and a native entry.
#include <llvm/IR/Constants.h>
#include <llvm/IR/GlobalAlias.h>
#include <llvm/IR/Operator.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/raw_ostream.h>


#include <cstdlib>
#include <cstring>

#include "vm/machine.h"
#include "vm/setjmp.h"

namespace bf::vm {

using namespace llvm;

void Machine::fatal(const std::string& message) {
  fflush(nullptr);
  fprintf(stderr, "bareflow: %s: %s\n", path.c_str(), message.c_str());
  _exit(1);
}

namespace {

ffi_type* ffi_type_for(Type* t) {
  if (t->isVoidTy()) return &ffi_type_void;
  if (t->isPointerTy()) return &ffi_type_pointer;
  if (t->isFloatTy()) return &ffi_type_float;
  if (t->isDoubleTy()) return &ffi_type_double;
  if (t->isX86_FP80Ty()) return &ffi_type_longdouble;
  if (t->isIntegerTy()) {
    switch (t->getIntegerBitWidth()) {
      case 1: case 8: return &ffi_type_uint8;
      case 16: return &ffi_type_uint16;
      case 32: return &ffi_type_uint32;
      case 64: return &ffi_type_uint64;
    }
  }
  return nullptr;
}

}  // namespace

namespace {
ffi_type* float_pair_elements[] = {&ffi_type_float, &ffi_type_float, nullptr};
ffi_type float_pair_type = {0, 0, FFI_TYPE_STRUCT, float_pair_elements};
}  // namespace

// A returned pair {A, B} with B at offset 8: clang's coercion of a 9- to 16-byte struct
// returned in two registers (rax/rdx, xmm0/xmm1, or one of each), which is what SysV gives
// the libffi struct of the same two fields. Null for any other aggregate.
ffi_type* Machine::pair_type(StructType* st) {
  if (st->getNumElements() != 2 || layout->getStructLayout(st)->getElementOffset(1) != 8) return nullptr;
  auto& type = pair_types[st];
  if (type) return type.get();
  auto elements = std::make_unique<ffi_type*[]>(3);
  for (unsigned i = 0; i < 2; i++) {
    Type* e = st->getElementType(i);
    elements[i] = e->isX86_FP80Ty() ? nullptr : ffi_type_for(e);
    if (!elements[i] || elements[i] == &ffi_type_void) return nullptr;
  }
  elements[2] = nullptr;
  type = std::make_unique<ffi_type>();
  type->size = 0, type->alignment = 0, type->type = FFI_TYPE_STRUCT;
  type->elements = elements.get();
  byval_elements.push_back(std::move(elements));
  return type.get();
}

HostCif* Machine::make_cif(FunctionType* type, unsigned nargs, const std::vector<Type*>& actual,
                           std::string& error, const std::vector<uint64_t>* byval_bytes) {
  auto hc = std::make_unique<HostCif>();
  unsigned gprs = 0;  // integer registers taken by the arguments so far
  for (unsigned i = 0; i < nargs; i++) {
    if (uint64_t bytes = byval_bytes ? (*byval_bytes)[i] : 0) {
      // clang marks byval what SysV passes in memory: an aggregate of more than 16 bytes
      // (MEMORY class), which libffi passes in memory too whatever its fields, or a smaller one
      // for which too few registers are left, which libffi's all-integer struct below also goes
      // to memory for only when the integer registers are what ran out. The struct is made of
      // the widest unit that divides the size, so that libffi copies exactly the aggregate's
      // bytes (a 28-byte one: seven words) and pads the slot to eightbytes.
      if (bytes <= 16 && gprs + (bytes + 7) / 8 <= 6) {
        error = "host call with a by-value aggregate of " + std::to_string(bytes) +
                " bytes while integer registers are left";
        return nullptr;
      }
      auto& type = byval_types[bytes];
      if (!type) {
        static ffi_type* const kUnits[] = {&ffi_type_uint8, &ffi_type_uint16, &ffi_type_uint32, &ffi_type_uint64};
        unsigned log2 = bytes % 8 == 0 ? 3 : bytes % 4 == 0 ? 2 : bytes % 2 == 0 ? 1 : 0;
        uint64_t count = bytes >> log2;
        auto elements = std::make_unique<ffi_type*[]>(count + 1);
        for (uint64_t k = 0; k < count; k++) elements[k] = kUnits[log2];
        elements[count] = nullptr;
        type = std::make_unique<ffi_type>();
        type->size = 0, type->alignment = 0, type->type = FFI_TYPE_STRUCT;
        type->elements = elements.get();
        byval_elements.push_back(std::move(elements));
      }
      hc->arg_types.push_back(type.get());
      hc->byval.resize(nargs, 0);
      hc->byval[i] = 1;
      continue;
    }
    ffi_type* ft = ffi_type_for(actual[i]);
    if (ft && ft != &ffi_type_float && ft != &ffi_type_double && ft != &ffi_type_longdouble) gprs++;
    if (!ft) {
      std::string s;
      raw_string_ostream os(s);
      actual[i]->print(os);
      error = "host call with an argument of type " + s;
      return nullptr;
    }
    hc->arg_types.push_back(ft);
  }
  Type* rt = type->getReturnType();
  hc->ret_type = rt->isStructTy() ? pair_type(cast<StructType>(rt)) : ffi_type_for(rt);
  // <2 x float> (a float _Complex: __mulsc3) comes back in xmm0, as the libffi struct of two
  // floats does.
  if (auto* vt = dyn_cast<FixedVectorType>(rt); vt && vt->getNumElements() == 2 && vt->getElementType()->isFloatTy())
    hc->ret_type = &float_pair_type;
  if (!hc->ret_type) {
    error = "host call with an unsupported return type";
    return nullptr;
  }
  if (rt->isIntegerTy() && rt->getIntegerBitWidth() < 64) hc->ret_bits = rt->getIntegerBitWidth();
  hc->ret_float = rt->isFloatTy();
  ffi_status st;
  if (type->isVarArg())
    st = ffi_prep_cif_var(&hc->cif, FFI_DEFAULT_ABI, type->getNumParams(), nargs, hc->ret_type,
                          hc->arg_types.data());
  else
    st = ffi_prep_cif(&hc->cif, FFI_DEFAULT_ABI, nargs, hc->ret_type, hc->arg_types.data());
  if (st != FFI_OK) {
    error = "libffi cannot prepare this call";
    return nullptr;
  }
  cifs.push_back(std::move(hc));
  return cifs.back().get();
}

namespace {
struct ClosureData {
  Machine* machine;
  Function* function;
};
void enter_interpreter(ffi_cif*, void* ret, void** args, void* user) {
  auto* cd = static_cast<ClosureData*>(user);
  cd->function->closure_entries.fetch_add(1, std::memory_order_relaxed);
  call_function(*cd->machine, cd->function, ret, args);
}
}  // namespace

void* Machine::make_closure(Function* f) {
  FunctionType* ft = f->ir->getFunctionType();
  if (ft->isVarArg()) return nullptr;
  std::vector<Type*> params(ft->param_begin(), ft->param_end());
  std::string ignored;
  HostCif* hc = make_cif(ft, params.size(), params, ignored);
  if (!hc) return nullptr;
  void* code = nullptr;
  auto* closure = static_cast<ffi_closure*>(ffi_closure_alloc(sizeof(ffi_closure), &code));
  if (!closure) return nullptr;
  auto* cd = new ClosureData{this, f};
  closure_data.push_back(cd);
  f->closure = closure;
  if (ffi_prep_closure_loc(closure, &hc->cif, enter_interpreter, cd, code) != FFI_OK) return nullptr;
  f->entry_cif = hc;
  return code;
}

bool Machine::make_entries(std::string& error) {
  std::vector<void*> closures;
  for (auto& f : functions) closures.push_back(make_closure(f.get()));
  return table.build(functions, closures, error);
}

Machine::~Machine() {
  for (auto& f : functions) {
    delete f->code.load();
    if (f->closure) ffi_closure_free(f->closure);
  }
  for (void* p : closure_data) delete static_cast<ClosureData*>(p);
  for (void* p : global_blocks) std::free(p);
}

void* Machine::address_of(const GlobalValue* gv) {
  if (auto* ga = dyn_cast<GlobalAlias>(gv)) gv = dyn_cast<GlobalValue>(ga->getAliaseeObject());
  if (!gv) return nullptr;
  if (auto* f = dyn_cast<llvm::Function>(gv)) {
    if (Function* fn = by_ir.lookup(f)) return fn->slot.entry();
  }
  return addresses.lookup(gv);
}

bool Machine::eval_constant_int(const Constant* c, uint64_t& out, std::string& error) {
  if (auto* ci = dyn_cast<ConstantInt>(c)) {
    if (ci->getBitWidth() > 64) { error = "integer constant wider than 64 bits"; return false; }
    out = ci->getZExtValue();
    return true;
  }
  if (isa<ConstantPointerNull>(c) || isa<UndefValue>(c) || isa<ConstantAggregateZero>(c)) {
    out = 0;
    return true;
  }
  if (auto* gv = dyn_cast<GlobalValue>(c)) {
    void* p = address_of(gv);
    if (auto* g = dyn_cast<GlobalVariable>(gv); g && g->isThreadLocal()) {
      error = "address of thread-local global '" + gv->getName().str() + "' (it differs from thread to thread)";
      return false;
    }
    if (!p && !gv->hasExternalWeakLinkage()) {
      error = "address of unresolved global '" + gv->getName().str() + "'";
      return false;
    }
    out = reinterpret_cast<uint64_t>(p);
    return true;
  }
  if (auto* ba = dyn_cast<BlockAddress>(c)) return block_address(ba, out, error);
  if (auto* ce = dyn_cast<ConstantExpr>(c)) {
    unsigned w = ce->getType()->isIntegerTy() ? ce->getType()->getIntegerBitWidth() : 64;
    auto mask = [&](uint64_t v) { return w >= 64 ? v : v & ((uint64_t(1) << w) - 1); };
    switch (ce->getOpcode()) {
      case Instruction::GetElementPtr: {
        auto* gep = cast<GEPOperator>(ce);
        APInt off(64, 0);
        if (!gep->accumulateConstantOffset(*layout, off)) { error = "non-constant GEP"; return false; }
        uint64_t base;
        if (!eval_constant_int(cast<Constant>(gep->getPointerOperand()), base, error)) return false;
        out = base + off.getZExtValue();
        return true;
      }
      case Instruction::BitCast: case Instruction::PtrToInt: case Instruction::IntToPtr:
      case Instruction::AddrSpaceCast: case Instruction::Trunc: {
        uint64_t v;
        if (!eval_constant_int(ce->getOperand(0), v, error)) return false;
        out = mask(v);
        return true;
      }
      case Instruction::Add: case Instruction::Sub: case Instruction::Mul: case Instruction::Xor:
      case Instruction::Shl: case Instruction::And: case Instruction::Or: {
        uint64_t a, b;
        if (!eval_constant_int(ce->getOperand(0), a, error) || !eval_constant_int(ce->getOperand(1), b, error))
          return false;
        switch (ce->getOpcode()) {
          case Instruction::Add: out = a + b; break;
          case Instruction::Sub: out = a - b; break;
          case Instruction::Mul: out = a * b; break;
          case Instruction::Xor: out = a ^ b; break;
          case Instruction::And: out = a & b; break;
          case Instruction::Or: out = a | b; break;
          default: out = a << (b & 63); break;
        }
        out = mask(out);
        return true;
      }
      default: break;
    }
  }
  std::string s;
  raw_string_ostream os(s);
  c->print(os);
  error = "constant " + s;
  return false;
}

uint8_t* Machine::block_tokens(uint32_t k, uint32_t blocks) {
  std::lock_guard<std::mutex> lock(block_tokens_mutex);
  auto& base = block_token_bases[k];
  if (!base) base.reset(new uint8_t[std::max<uint32_t>(blocks, 1)]());
  return base.get();
}

bool Machine::block_address(const BlockAddress* ba, uint64_t& out, std::string& error) {
  llvm::Function* f = ba->getFunction();
  Function* fn = by_ir.lookup(f);
  if (fn && f->isMaterializable()) {
    if (Error e = f->materialize()) {
      error = "blockaddress in '" + f->getName().str() + "' (" + toString(std::move(e)) + ")";
      return false;
    }
  }
  uint32_t b = 0;
  for (const BasicBlock& bb : *f) {
    if (&bb == ba->getBasicBlock()) {
      out = reinterpret_cast<uint64_t>(block_tokens(fn->index, static_cast<uint32_t>(f->size())) + b);
      return true;
    }
    b++;
  }
  error = "blockaddress of a block that '" + f->getName().str() + "' does not hold";
  return false;
}

bool Machine::store_constant(const Constant* c, uint8_t* dst, std::string& error) {
  Type* t = c->getType();
  if (isa<UndefValue>(c) || isa<ConstantAggregateZero>(c) || isa<ConstantPointerNull>(c)) {
    memset(dst, 0, layout->getTypeStoreSize(t));
    return true;
  }
  if (auto* fp = dyn_cast<ConstantFP>(c)) {
    APInt bits = fp->getValueAPF().bitcastToAPInt();
    memcpy(dst, bits.getRawData(), layout->getTypeStoreSize(t));
    return true;
  }
  if (auto* ci = dyn_cast<ConstantInt>(c)) {
    const APInt& v = ci->getValue();
    memcpy(dst, v.getRawData(), layout->getTypeStoreSize(t));
    return true;
  }
  if (auto* cds = dyn_cast<ConstantDataSequential>(c)) {
    if (cds->getElementType()->isIntegerTy(1)) { error = "i1 vector constant in memory"; return false; }
    StringRef raw = cds->getRawDataValues();
    memcpy(dst, raw.data(), raw.size());
    return true;
  }
  if (auto* st = dyn_cast<StructType>(t)) {
    const StructLayout* sl = layout->getStructLayout(st);
    for (unsigned i = 0; i < st->getNumElements(); i++)
      if (!store_constant(c->getAggregateElement(i), dst + sl->getElementOffset(i), error)) return false;
    return true;
  }
  if (auto* at = dyn_cast<ArrayType>(t)) {
    uint64_t stride = layout->getTypeAllocSize(at->getElementType());
    for (uint64_t i = 0; i < at->getNumElements(); i++)
      if (!store_constant(c->getAggregateElement(i), dst + i * stride, error)) return false;
    return true;
  }
  if (auto* vt = dyn_cast<FixedVectorType>(t)) {
    if (vt->getElementType()->isIntegerTy(1)) { error = "i1 vector constant in memory"; return false; }
    uint64_t stride = layout->getTypeStoreSize(vt->getElementType());
    for (unsigned i = 0; i < vt->getNumElements(); i++)
      if (!store_constant(c->getAggregateElement(i), dst + i * stride, error)) return false;
    return true;
  }
  if (t->isPointerTy() || t->isIntegerTy()) {
    uint64_t v;
    if (!eval_constant_int(c, v, error)) return false;
    memcpy(dst, &v, layout->getTypeStoreSize(t));
    return true;
  }
  std::string s;
  raw_string_ostream os(s);
  c->print(os);
  error = "constant " + s;
  return false;
}

namespace {

// The import table leaves out what returns twice or switches stacks (gen_imports.py): setjmp
// is tier 0's own instruction (setjmp.cpp), the *context calls and vfork would jump across the
// interpreter's native frames.
std::string unresolved_import(StringRef name) {
  static const char* const kJumps[] = {"getcontext", "setcontext", "swapcontext", "makecontext", "vfork"};
  for (const char* j : kJumps)
    if (name == j)
      return "'" + name.str() + "' is not supported (the *context calls and vfork would jump across the "
             "interpreter's native frames)";
  return "unresolved import '" + name.str() + "'";
}



}  // namespace

// A thread-local global is an emulated-TLS control block (libgcc's __emutls_object: size,
// alignment, index, template), which __emutls_get_address turns into the calling thread's copy,
// allocated on the thread's first access and initialised from the template (zero without one).
// Tier 0 asks it at each frame's entry (Code::thread_locals), compiled code with LLVM's emulated
// TLS, so that both tiers of a thread see the same copy. An imported thread-local (the host's
// own, which the host's code reads too) is a block of the same shape with size 0, which no
// defined variable has, and its accessor in place of the template.
struct EmutlsObject {
  uint64_t size, align;
  void* index;
  void* templ;
};

extern "C" void* __emutls_get_address(void* control);  // libgcc's emulated TLS

void* thread_local_address(void* control) {
  auto* object = static_cast<EmutlsObject*>(control);
  if (object->size == 0) [[unlikely]]
    return reinterpret_cast<ThreadLocalAccessor>(object->templ)();
  return __emutls_get_address(control);
}

bool Machine::add_thread_local(GlobalVariable& g, std::string& error) {
  if (g.isDeclaration()) {
    if (g.use_empty() && !lazy) return true;
    ThreadLocalAccessor accessor = find_thread_local_import(g.getName());
    if (!accessor) {
      error = "thread-local global '" + g.getName().str() +
              "' is not defined in the program and the host exports no such thread-local";
      return false;
    }
    auto* control = static_cast<EmutlsObject*>(std::calloc(1, sizeof(EmutlsObject)));
    global_blocks.push_back(control);
    control->templ = reinterpret_cast<void*>(accessor);
    thread_locals[&g] = control;
    return true;
  }
  uint64_t size = layout->getTypeAllocSize(g.getValueType());
  uint64_t align = std::max<uint64_t>(g.getAlign().valueOrOne().value(), 8);
  auto* control = static_cast<EmutlsObject*>(std::calloc(1, sizeof(EmutlsObject)));
  global_blocks.push_back(control);
  control->size = std::max<uint64_t>(size, 1);
  control->align = align;
  if (g.hasInitializer() && !g.getInitializer()->isNullValue()) {
    void* templ = std::aligned_alloc(align, (control->size + align - 1) / align * align);
    memset(templ, 0, size);
    global_blocks.push_back(templ);
    control->templ = templ;
  }
  thread_locals[&g] = control;
  return true;
}

void* Machine::thread_local_template(const GlobalVariable& g) {
  if (g.isDeclaration()) return nullptr;
  auto* control = static_cast<EmutlsObject*>(thread_locals.lookup(&g));
  return control ? control->templ : nullptr;
}

bool Machine::init(std::string& error) {
  layout = &module->getDataLayout();
  Function* main_slot = nullptr;
  // Function slots and their native entries.
  for (llvm::Function& f : *module) {
    if (f.isDeclaration()) {
      // With bodies still to be read, a use may not be seen yet; a declaration that no import
      // resolves was unused when this module loaded and verified before.
      if (f.isIntrinsic() || (f.use_empty() && !lazy)) continue;
      // Tier 0 runs its direct calls (SETJMP); its address is the C library's, for compiled
      // and host code to call.
      if (void* setjmp = setjmp_address(f.getName())) {
        addresses[&f] = setjmp;
        continue;
      }
      const Import* imp = find_import(f.getName());
      if (!imp && lazy) continue;
      if (!imp && f.hasExternalWeakLinkage()) continue;  // null, as an undefined weak symbol is
      if (!imp) {
        error = unresolved_import(f.getName());
        return false;
      }
      addresses[&f] = imp->address;
      continue;
    }
    auto slot = std::make_unique<Function>();
    slot->ir = &f;
    slot->name = f.getName().str();
    slot->index = functions.size();
    slot->is_vararg = f.isVarArg();
    by_ir[&f] = slot.get();
    if (f.getName() == "main") main_slot = slot.get();
    functions.push_back(std::move(slot));
  }
  if (!make_entries(error)) return false;
  (void)main_slot;
  // Globals: allocate every defined one, then write initializers (which may point anywhere).
  for (GlobalVariable& g : module->globals()) {
    if (g.isThreadLocal()) {
      if (!add_thread_local(g, error)) return false;
      continue;
    }
    if (g.isDeclaration()) {
      if (g.use_empty() && !lazy) continue;
      const Import* imp = find_import(g.getName());
      if (!imp && lazy) continue;
      if (!imp && g.hasExternalWeakLinkage()) continue;  // null, as an undefined weak symbol is
      if (!imp) {
        error = unresolved_import(g.getName());
        return false;
      }
      addresses[&g] = imp->address;
      continue;
    }
    uint64_t size = layout->getTypeAllocSize(g.getValueType());
    uint64_t align = std::max<uint64_t>(g.getAlign().valueOrOne().value(), 16);
    void* mem = std::aligned_alloc(align, (std::max<uint64_t>(size, 1) + align - 1) / align * align);
    memset(mem, 0, size);
    global_blocks.push_back(mem);
    addresses[&g] = mem;
  }
  for (GlobalAlias& a : module->aliases()) {
    if (void* p = address_of(a.getAliaseeObject())) addresses[&a] = p;
  }
  for (GlobalVariable& g : module->globals()) {
    if (g.isDeclaration() || !g.hasInitializer()) continue;
    std::string e;
    void* dst = g.isThreadLocal() ? thread_local_template(g) : addresses[&g];
    if (!dst) continue;  // a zero-initialised thread-local
    if (!store_constant(g.getInitializer(), static_cast<uint8_t*>(dst), e)) {
      error = "initializer of '" + g.getName().str() + "': unsupported " + e;
      return false;
    }
  }
  return true;
}

}  // namespace bf::vm
