// Translation of calls: to interpreted functions (CALL: a new frame above the caller's), to
// host imports (CALL_HOST through libffi, with one call interface per shape of call site;
// libm math directly, MATH*), through pointers (CALL_INDIRECT: either), and intrinsics.
#include <llvm/IR/InlineAsm.h>
#include <llvm/IR/IntrinsicInst.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <llvm/IR/IntrinsicsX86.h>

#include "vm/translator.h"

namespace bf::vm {

using namespace llvm;

namespace {

// Whether some parameter of the call site or of its callee may carry attribute `kind` (a
// cheap test before asking parameter by parameter).
bool has_param_attr(const CallBase& call, Attribute::AttrKind kind) {
  if (call.getAttributes().hasAttrSomewhere(kind)) return true;
  const llvm::Function* f = call.getCalledFunction();
  return f && f->getAttributes().hasAttrSomewhere(kind);
}

// An empty inline assembly template (`asm("" : "+r"(x) :: "memory")`, the compiler barrier
// that programs use to hide a value from the optimizer) runs no instruction, so tier 0 can run
// it when each register output is tied to an input: natively the output's register still holds
// that input. Inputs, memory operands and clobbers need nothing. For such a call, the argument
// that each direct output is tied to, in the outputs' order; nullopt for any other assembly.
std::optional<std::vector<unsigned>> empty_asm_outputs(const CallBase& call) {
  if (!isa<CallInst>(call)) return std::nullopt;  // asm goto
  const auto* ia = cast<InlineAsm>(call.getCalledOperand());
  const std::string& text = ia->getAsmString();
  if (!std::all_of(text.begin(), text.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); }))
    return std::nullopt;
  InlineAsm::ConstraintInfoVector constraints = ia->ParseConstraints();
  std::vector<int> argument(constraints.size(), -1);  // constraint -> the call argument it takes
  unsigned next = 0;
  for (unsigned i = 0; i < constraints.size(); i++) {
    const InlineAsm::ConstraintInfo& c = constraints[i];
    if (c.Type == InlineAsm::isInput || (c.Type == InlineAsm::isOutput && c.isIndirect)) argument[i] = next++;
    else if (c.Type == InlineAsm::isLabel) return std::nullopt;
  }
  if (next != call.arg_size()) return std::nullopt;
  std::vector<unsigned> tied;
  for (const InlineAsm::ConstraintInfo& c : constraints) {
    if (c.Type != InlineAsm::isOutput || c.isIndirect) continue;
    if (!c.hasMatchingInput() || argument[c.MatchingInput] < 0) return std::nullopt;  // undefined
    tied.push_back(argument[c.MatchingInput]);
  }
  return tied;
}

}  // namespace

bool needs_compiled_asm(const llvm::Function& f) {
  for (const BasicBlock& bb : f)
    for (const Instruction& I : bb)
      if (auto* call = dyn_cast<CallBase>(&I); call && call->isInlineAsm() && !empty_asm_outputs(*call)) return true;
  return false;
}

// An empty assembly's outputs take the values of the inputs they are tied to (the low bytes,
// as a register read at the output's width; a wider output than its input is refused: its
// upper bytes would be whatever the register held).
void Translator::translate_empty_asm(const CallBase& call, const std::vector<unsigned>& tied, uint32_t d) {
  auto* st = dyn_cast<StructType>(call.getType());
  for (unsigned i = 0; i < tied.size(); i++) {
    Type* out = st ? st->getElementType(i) : call.getType();
    const Value* in = call.getArgOperand(tied[i]);
    uint64_t bytes = DL_.getTypeStoreSize(out);
    if (bytes > DL_.getTypeStoreSize(in->getType())) unsupported("inline assembly whose output is wider than the input tied to it");
    if (st) {
      Inst& mv = emit(OP_MOVN);
      mv.d = d + DL_.getStructLayout(st)->getElementOffset(i), mv.a = val(in), mv.c = bytes;
    } else if (out->isVectorTy()) {
      emit_move(d, val(in), slot_bytes(out));
    } else {
      emit_scalar_copy(d, val(in), bytes);
    }
  }
}

void Translator::translate_call(const CallBase& call, uint32_t d) {
  if (call.isInlineAsm()) {
    std::optional<std::vector<unsigned>> tied = empty_asm_outputs(call);
    if (!tied) unsupported("inline assembly (tier 0 cannot run it; --tier=auto or O1-O3 compile it)");
    return translate_empty_asm(call, *tied, d);
  }
  llvm::Function* callee = call.getCalledFunction();
  if (!callee) {  // through a cast or an alias
    const Value* target = call.getCalledOperand()->stripPointerCasts();
    callee = const_cast<llvm::Function*>(dyn_cast<llvm::Function>(target));
    if (auto* ga = dyn_cast<GlobalAlias>(target))
      callee = const_cast<llvm::Function*>(dyn_cast<llvm::Function>(ga->getAliaseeObject()));
    if (callee && callee->getFunctionType() != call.getFunctionType()) callee = nullptr;
  }
  if (callee && callee->isIntrinsic()) {
    if (!translate_intrinsic(call, callee->getIntrinsicID(), d)) unsupported("intrinsic");
    return;
  }
  bool host = callee && callee->isDeclaration();
  if (host && callee->hasExternalWeakLinkage() && !find_import(callee->getName())) {
    callee = nullptr;  // an undefined weak function is null: called, it faults as natively
    host = false;
  }
  if (host && is_setjmp(callee->getName())) {
    translate_setjmp(call, callee->getName(), d);
    return;
  }
  if (host) {
    translate_host_call(call, callee, d);
    return;
  }
  CallSite cs;
  Type* rt = call.getType();
  cs.ret = d;
  cs.ret_size = slot_bytes(rt);
  unsigned nargs = call.arg_size();
  uint32_t* args = take_words(nargs, cs.args);
  uint32_t* sizes = take_words(nargs, cs.arg_sizes);
  cs.fixed_args = call.getFunctionType()->getNumParams();
  for (unsigned i = 0; i < nargs; i++) {
    args[i] = val(call.getArgOperand(i));
    sizes[i] = slot_bytes(call.getArgOperand(i)->getType());
  }
  if (call.getFunctionType()->isVarArg()) place_varargs(call, cs, sizes);
  if (callee) {
    cs.callee = m_.by_ir.lookup(callee);
    Inst& in = emit(OP_CALL);
    in.a = code_->calls.size();
    code_->calls.push_back(std::move(cs));
    return;
  }
  // Indirect: the target may be interpreted or host code; prepare the host path now.
  std::string error;
  cs.cif = m_.call_cif(call, false, error);
  Inst& in = emit(OP_CALL_INDIRECT);
  in.a = code_->calls.size();
  in.b = val(call.getCalledOperand());
  code_->calls.push_back(std::move(cs));
}

// setjmp and its kin (setjmp.cpp): d = 0 now, the longjmp's value when one comes back.
void Translator::translate_setjmp(const CallBase& call, StringRef name, uint32_t d) {
  if (!isa<CallInst>(call)) unsupported("setjmp through an invoke");
  int savemask = setjmp_savemask(name);
  Inst& in = emit(OP_SETJMP);
  in.d = d;
  in.a = val(call.getArgOperand(0));
  in.b = savemask >= 0 ? val(ConstantInt::get(Type::getInt32Ty(call.getContext()), savemask))
                       : val(call.getArgOperand(1));
}

// Where the native caller leaves each argument of a variadic call, as LLVM's x86-64 backend
// assigns the IR arguments that clang lowered for the SysV ABI: integers and pointers in the
// next of 6 integer registers (i128 in two, or in memory if two are not left), floats,
// doubles and vectors up to 16 bytes in the next of 8 SSE registers, the rest in memory. The
// fixed arguments use registers too, so the variadic ones take what is left.
void Translator::place_varargs(const CallBase& call, CallSite& cs, uint32_t* sizes) {
  unsigned gp = 0, sse = 0;
  uint32_t overflow = 0;
  unsigned n = call.arg_size();
  if (n > cs.fixed_args) cs.vararg_dest.resize(n - cs.fixed_args);
  for (unsigned i = 0; i < n; i++) {
    if (i == cs.fixed_args) cs.vararg_gp = 8 * gp, cs.vararg_fp = 48 + 16 * sse;
    Type* t = call.getArgOperand(i)->getType();
    bool fixed = i < cs.fixed_args;
    uint64_t bytes = DL_.getTypeAllocSize(t), align = DL_.getABITypeAlign(t).value();
    int regs = 0;  // registers the argument takes (0: memory)
    bool in_sse = false;
    if (call.paramHasAttr(i, Attribute::ByVal)) {
      Type* bt = call.getParamByValType(i);
      bytes = DL_.getTypeAllocSize(bt);
      align = std::max<uint64_t>(call.getParamAlign(i).valueOrOne().value(), DL_.getABITypeAlign(bt).value());
      if (!fixed) {
        if (bytes > kVarargSizeMask) unsupported("variadic by-value argument too large");
        sizes[i] = uint32_t(bytes) | kVarargByval;
      }
    } else if (t->isPointerTy() || (t->isIntegerTy() && t->getIntegerBitWidth() <= 64)) {
      regs = gp < 6 ? 1 : 0;
    } else if (t->isIntegerTy(128)) {
      regs = gp + 2 <= 6 ? 2 : 0;
    } else if (t->isFloatTy() || t->isDoubleTy() || t->isHalfTy() || t->isFP128Ty() ||
               (t->isVectorTy() && bytes <= 16)) {
      in_sse = true;
      regs = sse < 8 ? 1 : 0;
    }
    if (regs) {
      uint32_t dest = in_sse ? kVaRegSave + 48 + 16 * sse : kVaRegSave + 8 * gp;
      (in_sse ? sse : gp) += regs;
      if (!fixed) cs.vararg_dest[i - cs.fixed_args] = dest;
      continue;
    }
    if (fixed) continue;  // a fixed argument in memory is not in the variadic area
    // Aligned as the callee's va_arg aligns its pointer (the area itself is 32-byte aligned).
    if (align > 32) unsupported("variadic argument aligned to more than 32 bytes");
    if (align > 8) overflow = round_up(overflow, static_cast<uint32_t>(align));
    cs.vararg_dest[i - cs.fixed_args] = kVaOverflow + overflow;
    overflow += round_up(static_cast<uint32_t>(bytes), 8);
    if (!(sizes[i] & kVarargByval)) sizes[i] = std::min<uint32_t>(sizes[i], bytes);
  }
  if (n <= cs.fixed_args) cs.vararg_gp = 8 * gp, cs.vararg_fp = 48 + 16 * sse;
  cs.vararg_bytes = kVaOverflow + overflow;
}

// The clauses of a landing pad, with their type_infos' addresses and the selectors that
// llvm.eh.typeid.for gives them (filters: negative).
const LandingPad* Translator::landing_pad(const LandingPadInst& lp) {
  auto pad = std::make_unique<LandingPad>();
  pad->cleanup = lp.isCleanup();
  auto address = [&](const Value* v) -> const void* {
    auto* gv = dyn_cast<GlobalValue>(v->stripPointerCasts());
    if (!gv) {
      if (isa<ConstantPointerNull>(v)) return nullptr;
      unsupported("landing pad clause " + text_of(v));
    }
    void* p = m_.address_of(gv);
    if (!p) unsupported("landing pad clause of an unresolved type " + gv->getName().str());
    return p;
  };
  for (unsigned i = 0; i < lp.getNumClauses(); i++) {
    LandingPad::Clause c;
    const Constant* clause = lp.getClause(i);
    if (lp.isCatch(i)) {
      c.types.push_back(address(clause));
      c.selector = c.types[0] ? m_.type_id(c.types[0]) : m_.type_id(nullptr);
    } else {
      c.filter = true;
      if (auto* arr = dyn_cast<ConstantArray>(clause))
        for (const Use& u : arr->operands()) c.types.push_back(address(u.get()));
      c.selector = -int64_t(i) - 1;
    }
    pad->clauses.push_back(std::move(c));
  }
  code_->landing_pads.push_back(std::move(pad));
  return code_->landing_pads.back().get();
}

// An invoke is its call (CALL, CALL_HOST, CALL_INDIRECT) made through bf_vm_invoke: an
// exception its landing pad takes lands there and goes on at the unwind edge.
void Translator::translate_invoke(const InvokeInst& inv, uint32_t d) {
  const BasicBlock* bb = inv.getParent();
  uint32_t before = here();
  translate_call(inv, d);
  current_ = &inv;
  uint32_t edge = new_edge(bb, inv.getNormalDest(), 0);
  new_edge(bb, inv.getUnwindDest(), 1);
  // Every kind of call emits its CALL last (operands may come before it).
  uintptr_t op = here() > before ? reinterpret_cast<uintptr_t>(code_->insts.back().op) : OP_COUNT;
  if (op != OP_CALL && op != OP_CALL_HOST && op != OP_CALL_INDIRECT) {
    // An intrinsic or an inline operation: it cannot throw.
    Inst& br = emit(OP_BR);
    br.e = edge;
    branch_to(br, Field::D, bb, inv.getNormalDest());
    return;
  }
  Inst& in = code_->insts.back();
  CallSite& cs = code_->calls[in.a];
  cs.kind = static_cast<uint16_t>(op);
  cs.landing = landing_pad(*inv.getLandingPadInst());
  cs.landing_slot = val(inv.getLandingPadInst());
  in.op = reinterpret_cast<const void*>(static_cast<uintptr_t>(OP_INVOKE));
  in.e = edge;
  branch_to(in, Field::D, bb, inv.getNormalDest());
  branch_to(in, Field::C, bb, inv.getUnwindDest());
}

void Translator::translate_host_call(const CallBase& call, llvm::Function* callee, uint32_t d) {
  StringRef name = callee->getName();
  Type* rt = call.getType();
  // Math from libm becomes a direct call, without libffi.
  if ((rt->isFloatTy() || rt->isDoubleTy()) && (call.arg_size() == 1 || call.arg_size() == 2)) {
    bool f32 = rt->isFloatTy();
    bool args_ok = !f32 || name.ends_with("f");
    for (unsigned i = 0; i < call.arg_size(); i++) args_ok &= call.getArgOperand(i)->getType() == rt;
    StringRef base = f32 ? name.drop_back() : name;
    const MathFn* fn = args_ok ? find_math({base.data(), base.size()}, call.arg_size()) : nullptr;
    if (fn && find_import(name)) {
      emit_math(fn, call.arg_size() == 2, rt, d, val(call.getArgOperand(0)),
                call.arg_size() == 2 ? val(call.getArgOperand(1)) : 0);
      return;
    }
  }
  const Import* imp = find_import(name);
  if (!imp) unsupported("call of unresolved import '" + name.str() + "'");
  CallSite cs;
  cs.ret = d;
  cs.ret_size = slot_bytes(rt);
  uint32_t* args = take_words(call.arg_size(), cs.args);
  for (unsigned i = 0, n = call.arg_size(); i < n; i++) args[i] = val(call.getArgOperand(i));
  std::string error;
  cs.cif = m_.call_cif(call, true, error);
  if (!cs.cif) unsupported(error);
  cs.host_fn = imp->address;
  Inst& in = emit(OP_CALL_HOST);
  in.a = code_->calls.size();
  code_->calls.push_back(std::move(cs));
}

bool Translator::translate_intrinsic(const CallBase& call, Intrinsic::ID id, uint32_t d) {
  Type* t = call.getType();
  auto arg = [&](unsigned i) { return val(call.getArgOperand(i)); };
  auto* vt = dyn_cast<FixedVectorType>(t);
  const ExtOps& X = ext_ops();
  const ScalarOps& S = scalar_ops();
  auto vec_un = [&](VecUn op) {
    emit_vec(X.un[op][elem_kind(vt->getElementType())], d, arg(0), 0, 0, vt->getNumElements());
    return true;
  };
  auto vec_bin = [&](VecBin op) {
    emit_vec(X.bin[op][elem_kind(vt->getElementType())], d, arg(0), arg(1), 0, vt->getNumElements());
    return true;
  };
  auto math1 = [&](const char* name, VecUn vop) {
    if (vt) return vec_un(vop);
    emit_math(find_math(name, 1), false, t, d, arg(0), 0);
    return true;
  };
  auto math2 = [&](const char* name, VecBin vop) {
    if (vt) return vec_bin(vop);
    emit_math(find_math(name, 2), true, t, d, arg(0), arg(1));
    return true;
  };
  auto scalar_int = [&](ExtFn fn, VecUn vun, VecBin vbin, bool binary) {
    if (vt) return binary ? vec_bin(vbin) : vec_un(vun);
    emit_ext(fn, d, arg(0), binary ? arg(1) : 0, t->getIntegerBitWidth());
    return true;
  };
  switch (id) {
    case Intrinsic::lifetime_start: case Intrinsic::lifetime_end: case Intrinsic::assume:
    case Intrinsic::dbg_declare: case Intrinsic::dbg_value: case Intrinsic::dbg_label:
    case Intrinsic::experimental_noalias_scope_decl: case Intrinsic::sideeffect:
    case Intrinsic::donothing: case Intrinsic::prefetch: case Intrinsic::pseudoprobe:
    case Intrinsic::var_annotation: case Intrinsic::codeview_annotation:
    case Intrinsic::invariant_end:
      return true;
    case Intrinsic::threadlocal_address:  // the operand's slot already holds this thread's copy
      emit_move(d, arg(0), 8);
      return true;
    case Intrinsic::invariant_start: {  // its result only names the region for invariant.end
      Inst& in = emit(OP_MOV8);
      in.d = d, in.a = val(ConstantPointerNull::get(cast<PointerType>(t)));
      return true;
    }
    case Intrinsic::readcyclecounter: case Intrinsic::x86_rdtsc:
      emit_ext(mem_ops().cycle_counter, d, 0, 0, 0);
      return true;
    case Intrinsic::frameaddress: case Intrinsic::returnaddress: {
      const MemOps& M = mem_ops();
      uint64_t level = cast<ConstantInt>(call.getArgOperand(0))->getZExtValue();
      emit_ext(id == Intrinsic::frameaddress ? M.frame_address : M.return_address, d, level != 0, 0, 0);
      return true;
    }
    case Intrinsic::expect: case Intrinsic::expect_with_probability:
    case Intrinsic::launder_invariant_group: case Intrinsic::strip_invariant_group:
    case Intrinsic::annotation: case Intrinsic::ptr_annotation: case Intrinsic::arithmetic_fence:
      emit_move(d, arg(0), slot_bytes(t));
      return true;
    case Intrinsic::ptrmask: {
      if (vt) return false;
      Inst& in = emit(OP_AND_64);
      in.d = d, in.a = arg(0), in.b = arg(1);
      return true;
    }
    case Intrinsic::is_constant: {
      Inst& in = emit(OP_MOV8);
      in.d = d, in.a = val(ConstantInt::getFalse(call.getContext()));
      return true;
    }
    case Intrinsic::objectsize: {
      bool min = cast<ConstantInt>(call.getArgOperand(1))->isOne();
      emit_move(d, val(ConstantInt::get(t, min ? 0 : -1, true)), 8);
      return true;
    }
    case Intrinsic::memcpy: case Intrinsic::memcpy_inline: case Intrinsic::memmove:
    case Intrinsic::memset: case Intrinsic::memset_inline: {
      Op op = id == Intrinsic::memmove ? OP_MEMMOVE
              : (id == Intrinsic::memset || id == Intrinsic::memset_inline) ? OP_MEMSET : OP_MEMCPY;
      Inst& in = emit(op);
      in.a = arg(0), in.b = arg(1), in.c = arg(2);
      return true;
    }
    case Intrinsic::fmuladd: case Intrinsic::fma: {
      // fmuladd fuses exactly when native code generation would: on targets with FMA.
      bool fused = id == Intrinsic::fma || fma_target_;
      if (vt) {
        ElemKind k = elem_kind(vt->getElementType());
        uint32_t bytes = vt->getNumElements() * elem_bytes(k);
        if (int op = fused_load_operand(call); op >= 0) {
          const Value* ptr = cast<LoadInst>(call.getArgOperand(op))->getPointerOperand();
          Address a;
          if (!address_of(ptr, a)) a = Address{ptr, nullptr, 0, 0};
          Inst& in = emit(OP_VFMA32_LOAD);  // imm holds the offset, so not an OP_VEC
          in.d = d, in.a = val(a.base), in.b = a.index ? val(a.index) : 0, in.e = a.scale;
          in.c = arg(1 - op), in.f = arg(2);
          in.imm = static_cast<int64_t>(a.offset);
          return true;
        }
        ExtFn fn = bytes == 32 ? X.fma32[k] : bytes == 16 ? X.fma16[k] : X.fma[k];
        emit_vec(fn, d, arg(0), arg(1), arg(2), vt->getNumElements(), fused);
        return true;
      }
      if (t->isX86_FP80Ty()) {  // x87 has no fused multiply-add: fmuladd rounds twice
        const FloatOps& F = float_ops();
        emit_ext(id == Intrinsic::fma ? F.ld_fma : F.ld_muladd, d, arg(0), arg(1), arg(2));
        return true;
      }
      if (!fused) {
        uint32_t tmp = new_slot(8);
        bool f32 = t->isFloatTy();
        Inst& mul = emit(f32 ? OP_FMUL_F32 : OP_FMUL_F64);
        mul.d = tmp, mul.a = arg(0), mul.b = arg(1);
        Inst& add = emit(f32 ? OP_FADD_F32 : OP_FADD_F64);
        add.d = d, add.a = tmp, add.b = arg(2);
        return true;
      }
      Inst& in = emit(t->isFloatTy() ? OP_FMA_F32 : OP_FMA_F64);
      if (!t->isFloatTy() && !t->isDoubleTy()) unsupported("fma on this type");
      in.d = d, in.a = arg(0), in.b = arg(1), in.c = arg(2);
      return true;
    }
    case Intrinsic::sqrt: return math1("sqrt", VU_SQRT);
    case Intrinsic::fabs: return math1("fabs", VU_FABS);
    case Intrinsic::floor: return math1("floor", VU_FLOOR);
    case Intrinsic::ceil: return math1("ceil", VU_CEIL);
    case Intrinsic::trunc: return math1("trunc", VU_TRUNC);
    case Intrinsic::round: return math1("round", VU_ROUND);
    case Intrinsic::rint: return math1("rint", VU_RINT);
    case Intrinsic::nearbyint: return math1("nearbyint", VU_RINT);
    case Intrinsic::roundeven: return math1("roundeven", VU_ROUNDEVEN);
    case Intrinsic::exp: return math1("exp", VU_EXP);
    case Intrinsic::exp2: return math1("exp2", VU_EXP2);
    case Intrinsic::log: return math1("log", VU_LOG);
    case Intrinsic::log2: return math1("log2", VU_LOG2);
    case Intrinsic::log10: return math1("log10", VU_LOG10);
    case Intrinsic::sin: return math1("sin", VU_SIN);
    case Intrinsic::cos: return math1("cos", VU_COS);
    case Intrinsic::pow: return math2("pow", VB_POW);
    case Intrinsic::minnum: return math2("minnum", VB_FMINNUM);
    case Intrinsic::maxnum: return math2("maxnum", VB_FMAXNUM);
    case Intrinsic::minimum: return math2("minimum", VB_FMINIMUM);
    case Intrinsic::maximum: return math2("maximum", VB_FMAXIMUM);
    case Intrinsic::copysign: return math2("copysign", VB_COPYSIGN);
    case Intrinsic::smin: return scalar_int(S.smin, VU_COUNT, VB_SMIN, true);
    case Intrinsic::smax: return scalar_int(S.smax, VU_COUNT, VB_SMAX, true);
    case Intrinsic::umin: return scalar_int(S.umin, VU_COUNT, VB_UMIN, true);
    case Intrinsic::umax: return scalar_int(S.umax, VU_COUNT, VB_UMAX, true);
    case Intrinsic::sadd_sat: return scalar_int(S.sadd_sat, VU_COUNT, VB_SADD_SAT, true);
    case Intrinsic::uadd_sat: return scalar_int(S.uadd_sat, VU_COUNT, VB_UADD_SAT, true);
    case Intrinsic::ssub_sat: return scalar_int(S.ssub_sat, VU_COUNT, VB_SSUB_SAT, true);
    case Intrinsic::usub_sat: return scalar_int(S.usub_sat, VU_COUNT, VB_USUB_SAT, true);
    case Intrinsic::abs: return scalar_int(S.abs, VU_ABS, VB_COUNT, false);
    case Intrinsic::ctpop: return scalar_int(S.ctpop, VU_CTPOP, VB_COUNT, false);
    case Intrinsic::ctlz: return scalar_int(S.ctlz, VU_CTLZ, VB_COUNT, false);
    case Intrinsic::cttz: return scalar_int(S.cttz, VU_CTTZ, VB_COUNT, false);
    case Intrinsic::bswap: return scalar_int(S.bswap, VU_BSWAP, VB_COUNT, false);
    case Intrinsic::bitreverse:
      if (vt) return false;
      emit_ext(S.bitreverse, d, arg(0), 0, t->getIntegerBitWidth());
      return true;
    case Intrinsic::fshl: case Intrinsic::fshr: {
      if (vt) return false;
      Inst& in = emit(OP_INTRIN);
      in.ptr = reinterpret_cast<const void*>(id == Intrinsic::fshl ? S.fshl : S.fshr);
      in.d = d, in.a = arg(0), in.b = arg(1), in.c = t->getIntegerBitWidth() > 64 ? 0 : arg(2);
      in.e = t->getIntegerBitWidth();
      return true;
    }
    case Intrinsic::sadd_with_overflow: case Intrinsic::uadd_with_overflow:
    case Intrinsic::ssub_with_overflow: case Intrinsic::usub_with_overflow:
    case Intrinsic::smul_with_overflow: case Intrinsic::umul_with_overflow: {
      Type* vty = cast<StructType>(t)->getElementType(0);
      if (vty->isVectorTy()) return false;
      // The kernels take up to 64 bits, and 128 (__builtin_*_overflow on __int128).
      if (vty->getIntegerBitWidth() > 64 && vty->getIntegerBitWidth() != 128)
        unsupported("overflow arithmetic on i" + std::to_string(vty->getIntegerBitWidth()));
      ExtFn fn = id == Intrinsic::sadd_with_overflow   ? S.sadd_ov
                 : id == Intrinsic::uadd_with_overflow ? S.uadd_ov
                 : id == Intrinsic::ssub_with_overflow ? S.ssub_ov
                 : id == Intrinsic::usub_with_overflow ? S.usub_ov
                 : id == Intrinsic::smul_with_overflow ? S.smul_ov : S.umul_ov;
      emit_ext(fn, d, arg(0), arg(1), vty->getIntegerBitWidth(),
               DL_.getStructLayout(cast<StructType>(t))->getElementOffset(1), DL_.getTypeStoreSize(vty));
      return true;
    }
    case Intrinsic::vector_reduce_add: case Intrinsic::vector_reduce_mul:
    case Intrinsic::vector_reduce_and: case Intrinsic::vector_reduce_or:
    case Intrinsic::vector_reduce_xor: case Intrinsic::vector_reduce_smin:
    case Intrinsic::vector_reduce_smax: case Intrinsic::vector_reduce_umin:
    case Intrinsic::vector_reduce_umax: case Intrinsic::vector_reduce_fmax:
    case Intrinsic::vector_reduce_fmin: case Intrinsic::vector_reduce_fadd:
    case Intrinsic::vector_reduce_fmul: {
      bool has_start = id == Intrinsic::vector_reduce_fadd || id == Intrinsic::vector_reduce_fmul;
      const Value* v = call.getArgOperand(has_start ? 1 : 0);
      auto* vv = cast<FixedVectorType>(v->getType());
      bool reassoc = call.hasAllowReassoc();
      VecRed op = id == Intrinsic::vector_reduce_add    ? VR_ADD
                  : id == Intrinsic::vector_reduce_mul  ? VR_MUL
                  : id == Intrinsic::vector_reduce_and  ? VR_AND
                  : id == Intrinsic::vector_reduce_or   ? VR_OR
                  : id == Intrinsic::vector_reduce_xor  ? VR_XOR
                  : id == Intrinsic::vector_reduce_smin ? VR_SMIN
                  : id == Intrinsic::vector_reduce_smax ? VR_SMAX
                  : id == Intrinsic::vector_reduce_umin ? VR_UMIN
                  : id == Intrinsic::vector_reduce_umax ? VR_UMAX
                  : id == Intrinsic::vector_reduce_fmax ? VR_FMAX
                  : id == Intrinsic::vector_reduce_fmin ? VR_FMIN
                  : id == Intrinsic::vector_reduce_fadd ? (reassoc ? VR_FADD : VR_FADD_ORDERED)
                                                        : (reassoc ? VR_FMUL : VR_FMUL_ORDERED);
      bool i1 = vv->getElementType()->isIntegerTy(1);
      emit_vec(X.red[op][elem_kind(vv->getElementType())], d, val(v), has_start ? arg(0) : 0,
               i1 ? 1 : 0, vv->getNumElements());
      return true;
    }
    case Intrinsic::is_fpclass: {
      Type* at = call.getArgOperand(0)->getType();
      if (vt || !(at->isFloatTy() || at->isDoubleTy())) return false;
      emit_ext(S.is_fpclass, d, arg(0), 0, cast<ConstantInt>(call.getArgOperand(1))->getZExtValue(),
               at->isFloatTy());
      return true;
    }
    case Intrinsic::stacksave: {
      Inst& in = emit(OP_STACKSAVE);
      in.d = d;
      return true;
    }
    case Intrinsic::stackrestore: {
      Inst& in = emit(OP_STACKRESTORE);
      in.a = arg(0);
      return true;
    }
    case Intrinsic::vastart: {
      Inst& in = emit(OP_VA_START);
      in.a = arg(0);
      return true;
    }
    case Intrinsic::vacopy: {
      Inst& in = emit(OP_VA_COPY);
      in.a = arg(0), in.b = arg(1);
      return true;
    }
    case Intrinsic::vaend: return true;
    case Intrinsic::eh_typeid_for: {
      const Value* v = call.getArgOperand(0)->stripPointerCasts();
      const void* type = nullptr;
      if (auto* gv = dyn_cast<GlobalValue>(v)) type = m_.address_of(gv);
      emit_move(d, val(ConstantInt::get(t, m_.type_id(type))), 8);
      return true;
    }
    case Intrinsic::trap: case Intrinsic::ubsantrap: case Intrinsic::debugtrap:
      emit(OP_TRAP);
      return true;
    case Intrinsic::load_relative:
      emit_ext(S.load_relative, d, arg(0), arg(1), 0);
      return true;
    case Intrinsic::x86_avx2_psign_b:
      emit_vec(X.psignb, d, arg(0), arg(1), 0, 32);
      return true;
    case Intrinsic::x86_ssse3_psign_b_128:
      emit_vec(X.psignb, d, arg(0), arg(1), 0, 16);
      return true;
    case Intrinsic::x86_avx2_pmadd_wd:
      emit_vec(X.pmaddwd, d, arg(0), arg(1), 0, 8);
      return true;
    case Intrinsic::x86_avx2_pmadd_ub_sw:
      emit_vec(X.pmaddubsw, d, arg(0), arg(1), 0, 16);
      return true;
    case Intrinsic::x86_sse2_pmadd_wd:
      emit_vec(X.pmaddwd, d, arg(0), arg(1), 0, 4);
      return true;
    case Intrinsic::x86_ssse3_pmadd_ub_sw_128:
      emit_vec(X.pmaddubsw, d, arg(0), arg(1), 0, 8);
      return true;
    case Intrinsic::x86_avx512_vpdpbusd_128: case Intrinsic::x86_avx512_vpdpbusd_256:
    case Intrinsic::x86_avx512_vpdpbusd_512:  // (acc, unsigned bytes, signed bytes)
      emit_vec(X.vpdpbusd, d, arg(1), arg(2), arg(0), vt->getNumElements());
      return true;
    case Intrinsic::x86_avx512bf16_cvtne2ps2bf16_128: case Intrinsic::x86_avx512bf16_cvtne2ps2bf16_256:
    case Intrinsic::x86_avx512bf16_cvtne2ps2bf16_512:  // (high half's floats, low half's)
      emit_vec(X.cvtne2ps2bf16, d, arg(0), arg(1), 0, vt->getNumElements() / 2);
      return true;
    case Intrinsic::x86_avx512bf16_dpbf16ps_128: case Intrinsic::x86_avx512bf16_dpbf16ps_256:
    case Intrinsic::x86_avx512bf16_dpbf16ps_512:  // (acc, bfloat16 pairs, bfloat16 pairs)
      emit_vec(X.dpbf16ps, d, arg(1), arg(2), arg(0), vt->getNumElements());
      return true;
    default:  // masked and per-lane memory, then the x86 SIMD intrinsics
      return translate_lane_memory(call, id, d) || translate_x86(call, d);
  }
}

HostCif* Machine::call_cif(const CallBase& call, bool signext, std::string& error) {
  unsigned n = call.arg_size();
  std::vector<uintptr_t> key;
  key.reserve(n + 1);
  key.push_back(reinterpret_cast<uintptr_t>(call.getFunctionType()));
  signext = signext && has_param_attr(call, Attribute::SExt);
  bool any_byval = has_param_attr(call, Attribute::ByVal);
  for (unsigned i = 0; i < n; i++) {
    key.push_back(reinterpret_cast<uintptr_t>(call.getArgOperand(i)->getType()) |
                  (signext && call.paramHasAttr(i, Attribute::SExt)));
    if (any_byval && call.paramHasAttr(i, Attribute::ByVal))  // types are 8-byte aligned: tag bit 1
      key.push_back(reinterpret_cast<uintptr_t>(call.getParamByValType(i)) | 2);
  }
  auto it = cif_by_shape.find(key);
  if (it != cif_by_shape.end()) return it->second;
  std::vector<Type*> types(n);
  for (unsigned i = 0; i < n; i++) types[i] = call.getArgOperand(i)->getType();
  std::vector<uint64_t> byval;
  if (has_param_attr(call, Attribute::ByVal)) {
    byval.resize(n, 0);
    for (unsigned i = 0; i < n; i++) {
      if (!call.paramHasAttr(i, Attribute::ByVal)) continue;
      Type* bt = call.getParamByValType(i);
      if (std::max<uint64_t>(call.getParamAlign(i).valueOrOne().value(), layout->getABITypeAlign(bt).value()) > 8) {
        error = "host call with a by-value aggregate aligned to more than 8 bytes";
        return nullptr;
      }
      byval[i] = layout->getTypeAllocSize(bt);
    }
  }
  HostCif* hc = make_cif(call.getFunctionType(), n, types, error, byval.empty() ? nullptr : &byval);
  if (!hc) return nullptr;
  // Sign-extended narrow arguments (signext) are passed as signed ffi types.
  for (unsigned i = 0; i < n; i++) {
    if (!(signext && call.paramHasAttr(i, Attribute::SExt))) continue;
    ffi_type*& at = hc->arg_types[i];
    if (at == &ffi_type_uint8) at = &ffi_type_sint8;
    if (at == &ffi_type_uint16) at = &ffi_type_sint16;
  }
  cif_by_shape.emplace(std::move(key), hc);
  return hc;
}

}  // namespace bf::vm
