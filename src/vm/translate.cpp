// Translation of an LLVM function into tier-0 code, once, on its first call.
#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/DenseSet.h>
#include <llvm/ADT/MapVector.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/CFG.h>
#include <llvm/IR/GetElementPtrTypeIterator.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/IntrinsicsX86.h>
#include <llvm/IR/Operator.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "vm/machine.h"
#include "vm/vecops.h"

namespace bf::vm {
namespace {

using namespace llvm;

std::string text_of(const Value* v) {
  std::string s;
  raw_string_ostream os(s);
  v->print(os);
  size_t start = s.find_first_not_of(' ');
  return start == std::string::npos ? s : s.substr(start);
}

struct Unsupported {
  std::string what;
};

uint32_t round_up(uint32_t v, uint32_t a) { return (v + a - 1) / a * a; }

ElemKind elem_kind(Type* t) {
  if (t->isFloatTy()) return EK_F32;
  if (t->isDoubleTy()) return EK_F64;
  if (t->isPointerTy()) return EK_I64;
  if (t->isIntegerTy()) {
    unsigned w = t->getIntegerBitWidth();
    if (w <= 8) return EK_I8;
    if (w == 16) return EK_I16;
    if (w == 32) return EK_I32;
    if (w == 64) return EK_I64;
  }
  throw Unsupported{"vector element type"};
}
uint32_t elem_bytes(ElemKind k) {
  static const uint32_t sizes[] = {1, 2, 4, 8, 4, 8};
  return sizes[k];
}

float f_sqrtf(float x) { return std::sqrt(x); }
double f_sqrt(double x) { return std::sqrt(x); }
float f_fabsf(float x) { return std::fabs(x); }
double f_fabs(double x) { return std::fabs(x); }
float f_floorf(float x) { return std::floor(x); }
double f_floor(double x) { return std::floor(x); }
float f_ceilf(float x) { return std::ceil(x); }
double f_ceil(double x) { return std::ceil(x); }
float f_truncf(float x) { return std::trunc(x); }
double f_trunc(double x) { return std::trunc(x); }
float f_roundf(float x) { return std::round(x); }
double f_round(double x) { return std::round(x); }
float f_rintf(float x) { return std::rint(x); }
double f_rint(double x) { return std::rint(x); }
float f_roundevenf(float x) { return std::nearbyint(x); }
double f_roundeven(double x) { return std::nearbyint(x); }
float f_minnumf(float a, float b) { return std::fmin(a, b); }
double f_minnum(double a, double b) { return std::fmin(a, b); }
float f_maxnumf(float a, float b) { return std::fmax(a, b); }
double f_maxnum(double a, double b) { return std::fmax(a, b); }
float f_minimumf(float a, float b) {
  if (a != a || b != b) return NAN;
  if (a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}
double f_minimum(double a, double b) {
  if (a != a || b != b) return NAN;
  if (a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}
float f_maximumf(float a, float b) {
  if (a != a || b != b) return NAN;
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}
double f_maximum(double a, double b) {
  if (a != a || b != b) return NAN;
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}
float f_copysignf(float a, float b) { return std::copysign(a, b); }
double f_copysign(double a, double b) { return std::copysign(a, b); }
float f_powf(float a, float b) { return std::pow(a, b); }
double f_pow(double a, double b) { return std::pow(a, b); }

struct MathFn {
  const char* name;  // libm name of the double version; the float one adds 'f'
  void* f64;
  void* f32;
};

// libm functions that calls (and intrinsics) become direct math ops for, without libffi.
const MathFn kMath1[] = {
    {"sqrt", (void*)f_sqrt, (void*)f_sqrtf},     {"fabs", (void*)f_fabs, (void*)f_fabsf},
    {"floor", (void*)f_floor, (void*)f_floorf},  {"ceil", (void*)f_ceil, (void*)f_ceilf},
    {"trunc", (void*)f_trunc, (void*)f_truncf},  {"round", (void*)f_round, (void*)f_roundf},
    {"rint", (void*)f_rint, (void*)f_rintf},     {"nearbyint", (void*)f_rint, (void*)f_rintf},
    {"exp", (void*)(double (*)(double))::exp, (void*)(float (*)(float))::expf},
    {"exp2", (void*)(double (*)(double))::exp2, (void*)(float (*)(float))::exp2f},
    {"log", (void*)(double (*)(double))::log, (void*)(float (*)(float))::logf},
    {"log2", (void*)(double (*)(double))::log2, (void*)(float (*)(float))::log2f},
    {"log10", (void*)(double (*)(double))::log10, (void*)(float (*)(float))::log10f},
    {"sin", (void*)(double (*)(double))::sin, (void*)(float (*)(float))::sinf},
    {"cos", (void*)(double (*)(double))::cos, (void*)(float (*)(float))::cosf},
    {"tanh", (void*)(double (*)(double))::tanh, (void*)(float (*)(float))::tanhf},
    {"roundeven", (void*)f_roundeven, (void*)f_roundevenf},
};
const MathFn kMath2[] = {
    {"pow", (void*)f_pow, (void*)f_powf},           {"fmin", (void*)f_minnum, (void*)f_minnumf},
    {"fmax", (void*)f_maxnum, (void*)f_maxnumf},    {"copysign", (void*)f_copysign, (void*)f_copysignf},
    {"minnum", (void*)f_minnum, (void*)f_minnumf},  {"maxnum", (void*)f_maxnum, (void*)f_maxnumf},
    {"minimum", (void*)f_minimum, (void*)f_minimumf}, {"maximum", (void*)f_maximum, (void*)f_maximumf},
};

const MathFn* find_math(const MathFn* table, size_t n, StringRef base) {
  for (size_t i = 0; i < n; i++)
    if (base == table[i].name) return &table[i];
  return nullptr;
}

// A GEP as base + index * scale + offset, with at most one variable 64-bit index.
struct Address {
  const Value* base = nullptr;
  const Value* index = nullptr;
  uint64_t scale = 0, offset = 0;
};
// Bytes between consecutive elements a GEP index steps over. DataLayout computes the size of
// nested array types recursively, every time (csmith's arrays are 3 and 4 deep), so sizes are
// kept per type.
class StrideCache {
 public:
  explicit StrideCache(const DataLayout& dl) : dl_(dl) {}
  uint64_t operator()(const gep_type_iterator& it) {
    if (it.isVector()) return it.getSequentialElementStride(dl_);
    auto [pos, inserted] = sizes_.try_emplace(it.getIndexedType(), 0);
    if (inserted) pos->second = dl_.getTypeAllocSize(it.getIndexedType());
    return pos->second;
  }

 private:
  const DataLayout& dl_;
  DenseMap<Type*, uint64_t> sizes_;
};

bool decompose_gep(const GetElementPtrInst& g, const DataLayout& dl, StrideCache& stride, Address& out) {
  if (g.getType()->isVectorTy()) return false;
  out = Address{g.getPointerOperand(), nullptr, 0, 0};
  for (gep_type_iterator it = gep_type_begin(g), end = gep_type_end(g); it != end; ++it) {
    const Value* idx = it.getOperand();
    if (StructType* st = it.getStructTypeOrNull()) {
      out.offset += dl.getStructLayout(st)->getElementOffset(cast<ConstantInt>(idx)->getZExtValue());
      continue;
    }
    if (idx->getType()->getScalarSizeInBits() > 64) return false;
    uint64_t scale = stride(it);
    if (auto* ci = dyn_cast<ConstantInt>(idx)) {
      out.offset += static_cast<uint64_t>(ci->getSExtValue()) * scale;
      continue;
    }
    if (out.index || !idx->getType()->isIntegerTy(64) || scale > UINT32_MAX) return false;
    out.index = idx, out.scale = scale;
  }
  return true;
}

// Loads and stores that take their address as base + index * scale + offset themselves.
bool fusable_access(const Instruction* user, const Value* ptr, const DataLayout& dl) {
  Type* t;
  if (auto* l = dyn_cast<LoadInst>(user)) {
    if (l->isAtomic() || l->getPointerOperand() != ptr) return false;
    t = l->getType();
  } else if (auto* st = dyn_cast<StoreInst>(user)) {
    if (st->isAtomic() || st->getPointerOperand() != ptr || st->getValueOperand() == ptr) return false;
    t = st->getValueOperand()->getType();
  } else {
    return false;
  }
  bool scalar4 = t->isIntegerTy(32) || t->isFloatTy();
  bool scalar8 = t->isIntegerTy(64) || t->isDoubleTy() || t->isPointerTy();
  bool vec32 = t->isVectorTy() && !cast<VectorType>(t)->getElementType()->isIntegerTy(1) &&
               dl.getTypeStoreSize(t) == 32;
  return scalar4 || scalar8 || vec32;
}

// The lane every defined lane of a shuffle reads (a splat), or -1.
int splat_lane(const ShuffleVectorInst& sv) {
  int lane = -1;
  for (int m : sv.getShuffleMask()) {
    if (m < 0) continue;
    if (lane >= 0 && m != lane) return -1;
    lane = m;
  }
  return lane;
}

// The scalar a splat broadcasts when its lane comes from an insertelement at a constant index.
const Value* splat_scalar(const ShuffleVectorInst& sv) {
  int lane = splat_lane(sv);
  auto* st = cast<FixedVectorType>(sv.getOperand(0)->getType());
  if (lane < 0 || uint32_t(lane) >= st->getNumElements()) return nullptr;
  auto* ie = dyn_cast<InsertElementInst>(sv.getOperand(0));
  if (!ie) return nullptr;
  auto* ci = dyn_cast<ConstantInt>(ie->getOperand(2));
  if (!ci || ci->getZExtValue() != uint64_t(lane)) return nullptr;
  return ie->getOperand(1);
}

// A shuffle whose defined lanes are consecutive lanes of one source, starting at lane 0:
// source operand, byte offset in it, lanes up to the last defined one.
bool slice_of(const ShuffleVectorInst& sv, int& src, uint32_t& from, uint32_t& k) {
  auto* st = cast<FixedVectorType>(sv.getOperand(0)->getType());
  auto* vt = cast<FixedVectorType>(sv.getType());
  uint32_t n = vt->getNumElements(), nin = st->getNumElements();
  uint32_t eb = elem_bytes(elem_kind(vt->getElementType()));
  ArrayRef<int> mask = sv.getShuffleMask();
  src = -1, k = 0;
  int64_t start = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (mask[i] < 0) continue;
    int which = uint32_t(mask[i]) >= nin;
    int64_t s0 = int64_t(mask[i]) - which * int64_t(nin) - i;
    if (src < 0) src = which, start = s0;
    if (which != src || s0 != start) return false;
    k = i + 1;
  }
  if (src < 0 || start < 0 || start + k > nin) return false;
  from = uint32_t(start) * eb;
  return true;
}

// The operand of a cast whose result has the operand's slot bytes exactly (integers and
// pointers sit zero-extended in 8-byte slots, floats in the low bytes), or null.
const Value* same_bytes_cast(const Instruction& I) {
  Type* t = I.getType();
  if (t->isVectorTy() || I.getNumOperands() != 1) return nullptr;
  const Value* x = I.getOperand(0);
  Type* st = x->getType();
  auto narrow_int = [](Type* ty) { return ty->isIntegerTy() && ty->getIntegerBitWidth() <= 64; };
  switch (I.getOpcode()) {
    case Instruction::ZExt: return narrow_int(t) && narrow_int(st) ? x : nullptr;
    case Instruction::IntToPtr: return narrow_int(st) ? x : nullptr;
    case Instruction::PtrToInt: return t->isIntegerTy(64) ? x : nullptr;
    case Instruction::AddrSpaceCast: return x;
    case Instruction::BitCast: case Instruction::Freeze:
      return (narrow_int(t) || t->isPointerTy() || t->isFloatTy() || t->isDoubleTy()) && !st->isVectorTy() ? x : nullptr;
    default: return nullptr;
  }
}

// An insertelement whose only use is a splat of the lane it writes is not emitted.
const ShuffleVectorInst* folded_into_splat(const InsertElementInst& ie) {
  if (!ie.hasOneUse()) return nullptr;
  auto* sv = dyn_cast<ShuffleVectorInst>(*ie.user_begin());
  if (!sv || sv->getParent() != ie.getParent() || sv->getOperand(0) != &ie || sv->getOperand(1) == &ie ||
      !splat_scalar(*sv))
    return nullptr;
  return sv;
}

// Whether some parameter of the call site or of its callee may carry attribute `kind` (a
// cheap test before asking parameter by parameter).
bool has_param_attr(const CallBase& call, Attribute::AttrKind kind) {
  if (call.getAttributes().hasAttrSomewhere(kind)) return true;
  const llvm::Function* f = call.getCalledFunction();
  return f && f->getAttributes().hasAttrSomewhere(kind);
}

class Translator {
 public:
  Translator(Machine& m, Function* f) : m_(m), F_(*f->ir), DL_(*m.layout) {}

  Code* run(std::string& error);

 private:
  Machine& m_;
  llvm::Function& F_;
  const DataLayout& DL_;
  std::unique_ptr<Code> code_ = std::make_unique<Code>();
  DenseMap<const Value*, uint32_t> slots_;
  DenseMap<const Constant*, uint32_t> const_slots_;
  std::vector<uint8_t> pool_;  // constants, at frame offset kConstBase (grown by doubling)
  uint32_t pool_end_ = 0;      // bytes of pool_ in use
  uint32_t frame_top_ = 0;
  DenseMap<const BasicBlock*, uint32_t> block_index_, block_start_;
  // A jump to patch once every block has its first instruction: a field of an instruction,
  // or an entry of a switch table.
  struct Fixup {
    enum Kind : uint8_t { kInst, kSwitchCase, kSwitchDefault };
    Kind kind;
    Field field;  // kInst: which field of insts[inst] holds the target
    uint32_t inst;
    const BasicBlock* from;
    const BasicBlock* to;
    uint32_t table, entry;  // switch tables
  };
  std::vector<Fixup> fixups_;
  uint32_t* words_next_ = nullptr;  // free part of code_->call_words
  uint32_t* words_end_ = nullptr;
  uint32_t* take_words(uint32_t n, Words& w) {
    if (n > uint32_t(words_end_ - words_next_)) unsupported("call site (argument words)");  // sized too small: a bug
    w.data = words_next_, w.count = n;
    words_next_ += n;
    return words_next_ - n;
  }
  const Instruction* current_ = nullptr;
  // Dominators by block index (Cooper, Harvey and Kennedy's iterative algorithm over reverse
  // post-order, in flat arrays): the one question asked is whether an edge's target dominates
  // its source, and llvm::DominatorTree cost ~7% of translating a csmith program to answer it.
  static constexpr uint32_t kUnreached = ~0u;
  std::vector<const BasicBlock*> blocks_;  // by index
  std::vector<uint32_t> rpo_;   // position in reverse post-order, kUnreached if unreachable
  std::vector<uint32_t> rpo_order_;  // reachable blocks in reverse post-order
  std::vector<uint32_t> idom_;  // immediate dominator (the entry's is itself)
  void compute_dominators();
  // As DominatorTree::dominates: an unreachable block is dominated by every block and
  // dominates none but itself.
  bool dominates(const BasicBlock* a, const BasicBlock* b) {
    uint32_t x = block_index_.lookup(b), y = block_index_.lookup(a);
    if (x == y || rpo_[x] == kUnreached) return true;
    if (rpo_[y] == kUnreached) return false;
    while (rpo_[x] > rpo_[y]) x = idom_[x];
    return x == y;
  }
  bool fma_target_ = false;

  const void* const* labels_ = op_labels();

  Inst& emit(Op op) {
    Inst in{};
    in.op = reinterpret_cast<const void*>(static_cast<uintptr_t>(op));
    code_->insts.push_back(in);
    return code_->insts.back();
  }
  uint32_t here() const { return static_cast<uint32_t>(code_->insts.size()); }

  [[noreturn]] void unsupported(const std::string& what) { throw Unsupported{what}; }

  // Bytes a value of type t takes in a frame slot (scalars inline: most calls are for them).
  uint32_t slot_bytes(Type* t) {
    switch (t->getTypeID()) {
      case Type::IntegerTyID:
        if (t->getIntegerBitWidth() <= 64) return 8;
        break;
      case Type::PointerTyID: case Type::FloatTyID: case Type::DoubleTyID: return 8;
      case Type::VoidTyID: return 0;
      default: break;
    }
    return slot_bytes_other(t);
  }
  [[gnu::noinline]] uint32_t slot_bytes_other(Type* t) {
    if (t->isIntegerTy()) {
      unsigned w = t->getIntegerBitWidth();
      if (w > 512) unsupported("integer type wider than 512 bits");
      return w > 64 ? (w + 63) / 64 * 8 : 8;
    }
    if (t->isFloatTy() || t->isDoubleTy() || t->isPointerTy()) return 8;
    if (auto* vt = dyn_cast<FixedVectorType>(t)) {
      ElemKind k = elem_kind(vt->getElementType());
      return round_up(vt->getNumElements() * elem_bytes(k), 8);
    }
    if (t->isStructTy() || t->isArrayTy()) return round_up(DL_.getTypeAllocSize(t), 8);
    if (t->isVoidTy()) return 0;
    std::string s;
    raw_string_ostream os(s);
    t->print(os);
    unsupported("type " + s);
  }
  uint32_t new_slot(uint32_t bytes) {
    uint32_t align = bytes >= 32 ? 32 : bytes >= 16 ? 16 : 8;
    frame_top_ = round_up(frame_top_, align);
    uint32_t off = frame_top_;
    frame_top_ += round_up(bytes, 8);
    return off;
  }

  uint32_t val(const Value* v);
  // Slot of a constant in the pool: looked up inline (most uses find it), added out of line.
  uint32_t const_slot(const Constant* c) {
    auto it = const_slots_.find(c);
    return it != const_slots_.end() ? it->second : new_const_slot(c);
  }
  [[gnu::noinline]] uint32_t new_const_slot(const Constant* c);
  void write_frame_constant(const Constant* c, uint8_t* dst);

  void translate_inst(const Instruction& I, uint32_t d);  // d: its slot (0 if void)
  // d: the call's slot (0 if void).
  void translate_call(const CallBase& call, uint32_t d);
  bool translate_intrinsic(const CallBase& call, Intrinsic::ID id, uint32_t d);
  void translate_host_call(const CallBase& call, llvm::Function* callee, uint32_t d);
  void branch_to(Inst& in, Field field, const BasicBlock* from, const BasicBlock* to) {
    uint32_t inst = static_cast<uint32_t>(&in - code_->insts.data());
    fixups_.push_back({Fixup::kInst, field, inst, from, to, 0, 0});
  }
  uint32_t new_edge(const BasicBlock* from, const BasicBlock* to, uint32_t successor) {
    EdgeInfo e{block_index_.lookup(from), block_index_.lookup(to), successor, dominates(to, from)};
    code_->edges.push_back(e);
    return static_cast<uint32_t>(code_->edges.size() - 1);
  }
  uint32_t store_bytes(Type* t);  // DataLayout's store size, scalars without look-ups
  void emit_load(uint32_t dst, uint32_t addr, Type* t);
  void emit_store(uint32_t addr, uint32_t src, Type* t);
  void emit_int_binop(unsigned opcode, uint32_t d, uint32_t a, uint32_t b, unsigned w);
  void emit_move(uint32_t d, uint32_t s, uint32_t bytes);
  void emit_math(const MathFn* fn, bool two, Type* t, uint32_t d, uint32_t a, uint32_t b);
  void emit_vec(ExtFn fn, uint32_t d, uint32_t a, uint32_t b, uint32_t c, uint32_t e, uint32_t f = 0) {
    if (!fn) unsupported("vector operation");
    Inst& in = emit(OP_VEC);
    in.ptr = reinterpret_cast<const void*>(fn);
    in.d = d, in.a = a, in.b = b, in.c = c, in.e = e, in.f = f;
  }
  void emit_ext(ExtFn fn, uint32_t d, uint32_t a, uint32_t b, uint32_t c, uint32_t e = 0,
                uint32_t f = 0) {
    Inst& in = emit(OP_INTRIN);
    in.ptr = reinterpret_cast<const void*>(fn);
    in.d = d, in.a = a, in.b = b, in.c = c, in.e = e, in.f = f;
  }
  struct Move {
    uint32_t d, s, bytes;
  };
  std::vector<Move> phi_moves(const BasicBlock* from, const BasicBlock* to);
  void emit_phi_moves(const std::vector<Move>& moves);
  const Instruction* emitted_at(const Instruction* I);
  void read_points(const Instruction* I, SmallVectorImpl<const Instruction*>& out);
  bool folds(const GetElementPtrInst& g);
  const Instruction* load_fused_into(const LoadInst& l);
  int fused_load_operand(const CallBase& fma);
  bool address_of(const Value* ptr, Address& a);
  // GEPs decomposed once (decompose_gep), and whether they fold into their users (-1: not
  // known yet).
  struct GepInfo {
    Address a;
    bool decomposed = false;
    int8_t folds = -1;
  };
  DenseMap<const GetElementPtrInst*, GepInfo> geps_;
  StrideCache stride_{DL_};
  GepInfo gep_info(const GetElementPtrInst& g);
  DenseSet<const ShuffleVectorInst*> aliases_;  // slices that name their source's bytes
  DenseMap<const Instruction*, const PHINode*> coalesce_loop_values();
};

uint32_t Translator::val(const Value* v) {
  if (auto* c = dyn_cast<Constant>(v)) return const_slot(c);  // constants are never in slots_
  auto it = slots_.find(v);
  if (it != slots_.end()) return it->second;
  if (isa<MetadataAsValue>(v)) return 0;
  unsupported("operand " + text_of(v));
}

void Translator::write_frame_constant(const Constant* c, uint8_t* dst) {
  // The common scalars directly (the pool is zeroed, and slots hold integers zero-extended).
  if (auto* ci = dyn_cast<ConstantInt>(c); ci && ci->getType()->isIntegerTy() && ci->getBitWidth() <= 64) {
    uint64_t v = ci->getZExtValue();
    memcpy(dst, &v, 8);
    return;
  }
  if (auto* gv = dyn_cast<GlobalValue>(c); gv && !isa<GlobalAlias>(gv)) {
    if (void* p = m_.address_of(gv)) {
      memcpy(dst, &p, 8);
      return;
    }
  }
  Type* t = c->getType();
  if (auto* vt = dyn_cast<FixedVectorType>(t)) {
    ElemKind k = elem_kind(vt->getElementType());
    uint32_t eb = elem_bytes(k);
    for (unsigned i = 0; i < vt->getNumElements(); i++) {
      Constant* e = c->getAggregateElement(i);
      if (!e) unsupported("vector constant " + text_of(c));
      uint8_t tmp[8] = {};
      write_frame_constant(e, tmp);
      memcpy(dst + i * eb, tmp, eb);
    }
    return;
  }
  std::string error;
  if (!m_.store_constant(c, dst, error)) unsupported(error);
}

uint32_t Translator::new_const_slot(const Constant* c) {
  uint32_t bytes = slot_bytes(c->getType());
  uint32_t off = new_slot(bytes);
  uint32_t rel = off - kConstBase;
  if (pool_.size() < rel + bytes) pool_.resize(std::max<size_t>(rel + bytes, 2 * pool_.size()), 0);
  pool_end_ = std::max(pool_end_, rel + bytes);
  write_frame_constant(c, pool_.data() + rel);
  const_slots_[c] = off;
  return off;
}

void Translator::emit_move(uint32_t d, uint32_t s, uint32_t bytes) {
  if (d == s) return;
  Inst& in = emit(bytes == 8 ? OP_MOV8 : bytes == 16 ? OP_MOV16 : bytes == 32 ? OP_MOV32 : OP_MOVN);
  in.d = d, in.a = s, in.c = bytes;
}

// Bits and store bytes of a scalar (integer, float, double, pointer), as DataLayout has them
// on x86-64, without its look-ups.
uint32_t scalar_bits(Type* t) {
  return t->isIntegerTy() ? t->getIntegerBitWidth() : t->isFloatTy() ? 32 : 64;
}

uint32_t Translator::store_bytes(Type* t) {
  if (t->isIntegerTy() || t->isFloatTy() || t->isDoubleTy() || t->isPointerTy()) return (scalar_bits(t) + 7) / 8;
  return DL_.getTypeStoreSize(t);
}

void Translator::emit_load(uint32_t dst, uint32_t addr, Type* t) {
  if (t->isIntegerTy() || t->isFloatTy() || t->isDoubleTy() || t->isPointerTy()) {
    uint32_t bits = scalar_bits(t);
    uint32_t store = (bits + 7) / 8;
    if (bits > 64) {
      emit_ext(scalar_ops().wide_load, dst, addr, 0, bits, store);
      return;
    }
    Op op = store == 1 ? OP_LOAD8 : store == 2 ? OP_LOAD16 : store == 4 ? OP_LOAD32
            : store == 8 ? OP_LOAD64 : OP_LOADN_ZX;
    Inst& in = emit(op);
    in.d = dst, in.a = addr, in.c = store;
    if (t->isIntegerTy() && bits % 8 != 0 && bits != 1) {
      Inst& tr = emit(OP_TRUNC_N);
      tr.d = dst, tr.a = dst, tr.c = bits;
    }
    if (t->isIntegerTy(1)) {  // i1 in memory is a byte that may have other bits set
      Inst& tr = emit(OP_TRUNC_N);
      tr.d = dst, tr.a = dst, tr.c = 1;
    }
    return;
  }
  if (auto* vt = dyn_cast<FixedVectorType>(t)) {
    if (vt->getElementType()->isIntegerTy(1)) unsupported("load of an i1 vector");
  }
  uint32_t bytes = DL_.getTypeStoreSize(t);
  Inst& in = emit(bytes == 16 ? OP_LOADV16 : bytes == 32 ? OP_LOADV32 : OP_LOADN);
  in.d = dst, in.a = addr, in.c = bytes;
}

void Translator::emit_store(uint32_t addr, uint32_t src, Type* t) {
  if (auto* vt = dyn_cast<FixedVectorType>(t))
    if (vt->getElementType()->isIntegerTy(1)) unsupported("store of an i1 vector");
  uint32_t store = store_bytes(t);
  bool scalar = t->isIntegerTy() || t->isFloatTy() || t->isDoubleTy() || t->isPointerTy();
  Op op = !scalar ? (store == 16 ? OP_STOREV16 : store == 32 ? OP_STOREV32 : OP_STOREN) : store == 1 ? OP_STORE8 : store == 2 ? OP_STORE16
          : store == 4 ? OP_STORE32 : store == 8 ? OP_STORE64 : OP_STOREN;
  Inst& in = emit(op);
  in.a = addr, in.b = src, in.c = store;
}

void Translator::emit_int_binop(unsigned opcode, uint32_t d, uint32_t a, uint32_t b, unsigned w) {
  Op op;
  auto pick = [&](Op o32, Op o64, Op oN) { return w == 32 ? o32 : w == 64 ? o64 : oN; };
  switch (opcode) {
    case Instruction::Add: op = pick(OP_ADD_32, OP_ADD_64, OP_ADD_N); break;
    case Instruction::Sub: op = pick(OP_SUB_32, OP_SUB_64, OP_SUB_N); break;
    case Instruction::Mul: op = pick(OP_MUL_32, OP_MUL_64, OP_MUL_N); break;
    case Instruction::And: op = OP_AND_64; break;
    case Instruction::Or: op = OP_OR_64; break;
    case Instruction::Xor: op = OP_XOR_64; break;
    case Instruction::Shl: op = pick(OP_SHL_32, OP_SHL_64, OP_SHL_N); break;
    case Instruction::LShr: op = OP_LSHR_64; break;
    case Instruction::AShr: op = pick(OP_ASHR_32, OP_ASHR_64, OP_ASHR_N); break;
    case Instruction::UDiv: op = OP_UDIV_64; break;
    case Instruction::SDiv: op = pick(OP_SDIV_32, OP_SDIV_64, OP_SDIV_N); break;
    case Instruction::URem: op = OP_UREM_64; break;
    case Instruction::SRem: op = pick(OP_SREM_32, OP_SREM_64, OP_SREM_N); break;
    default: unsupported("integer operation");
  }
  Inst& in = emit(op);
  in.d = d, in.a = a, in.b = b, in.c = w;
}

void Translator::emit_math(const MathFn* fn, bool two, Type* t, uint32_t d, uint32_t a, uint32_t b) {
  bool f32 = t->isFloatTy();
  if (!f32 && !t->isDoubleTy()) unsupported("math on this type");
  Inst& in = emit(two ? (f32 ? OP_MATH2_F32 : OP_MATH2_F64) : (f32 ? OP_MATH1_F32 : OP_MATH1_F64));
  in.ptr = f32 ? fn->f32 : fn->f64;
  in.d = d, in.a = a, in.b = b;
}

Op icmp_op(CmpInst::Predicate p, unsigned w, bool branch) {
  auto sw = [&](Op o32, Op o64, Op oN) { return w == 32 ? o32 : w == 64 ? o64 : oN; };
  if (branch) {
    switch (p) {
      case CmpInst::ICMP_EQ: return OP_BR_EQ;
      case CmpInst::ICMP_NE: return OP_BR_NE;
      case CmpInst::ICMP_UGT: return OP_BR_UGT;
      case CmpInst::ICMP_UGE: return OP_BR_UGE;
      case CmpInst::ICMP_ULT: return OP_BR_ULT;
      case CmpInst::ICMP_ULE: return OP_BR_ULE;
      case CmpInst::ICMP_SGT: return w == 32 ? OP_BR_SGT_32 : w == 64 ? OP_BR_SGT_64 : OP_COUNT;
      case CmpInst::ICMP_SGE: return w == 32 ? OP_BR_SGE_32 : w == 64 ? OP_BR_SGE_64 : OP_COUNT;
      case CmpInst::ICMP_SLT: return w == 32 ? OP_BR_SLT_32 : w == 64 ? OP_BR_SLT_64 : OP_COUNT;
      case CmpInst::ICMP_SLE: return w == 32 ? OP_BR_SLE_32 : w == 64 ? OP_BR_SLE_64 : OP_COUNT;
      default: return OP_COUNT;
    }
  }
  switch (p) {
    case CmpInst::ICMP_EQ: return OP_ICMP_EQ;
    case CmpInst::ICMP_NE: return OP_ICMP_NE;
    case CmpInst::ICMP_UGT: return OP_ICMP_UGT;
    case CmpInst::ICMP_UGE: return OP_ICMP_UGE;
    case CmpInst::ICMP_ULT: return OP_ICMP_ULT;
    case CmpInst::ICMP_ULE: return OP_ICMP_ULE;
    case CmpInst::ICMP_SGT: return sw(OP_ICMP_SGT_32, OP_ICMP_SGT_64, OP_ICMP_SGT_N);
    case CmpInst::ICMP_SGE: return sw(OP_ICMP_SGE_32, OP_ICMP_SGE_64, OP_ICMP_SGE_N);
    case CmpInst::ICMP_SLT: return sw(OP_ICMP_SLT_32, OP_ICMP_SLT_64, OP_ICMP_SLT_N);
    case CmpInst::ICMP_SLE: return sw(OP_ICMP_SLE_32, OP_ICMP_SLE_64, OP_ICMP_SLE_N);
    default: return OP_COUNT;
  }
}

unsigned int_width(Type* t) {
  if (t->isPointerTy()) return 64;
  return t->getIntegerBitWidth();
}

// A compare that feeds only the branch right after it is fused into the branch.
bool fusable_compare(const BranchInst& br) {
  auto* cmp = dyn_cast<ICmpInst>(br.getCondition());
  if (!cmp || !cmp->hasOneUse() || cmp->getParent() != br.getParent()) return false;
  Type* t = cmp->getOperand(0)->getType();
  if (!t->isIntegerTy() && !t->isPointerTy()) return false;
  if (t->isIntegerTy() && t->getIntegerBitWidth() > 64) return false;
  return icmp_op(cmp->getPredicate(), int_width(t), true) != OP_COUNT;
}

// The branch an icmp fuses into (its only use, in the same block), or null.
const BranchInst* fused_branch(const ICmpInst& c) {
  if (!c.hasOneUse()) return nullptr;
  auto* br = dyn_cast<BranchInst>(*c.user_begin());
  if (!br || !br->isConditional() || br->getCondition() != &c || !fusable_compare(*br)) return nullptr;
  return br;
}

std::vector<Translator::Move> Translator::phi_moves(const BasicBlock* from, const BasicBlock* to) {
  std::vector<Move> moves;
  for (const PHINode& phi : to->phis()) {
    Move mv{val(&phi), val(phi.getIncomingValueForBlock(from)), slot_bytes(phi.getType())};
    if (mv.d != mv.s) moves.push_back(mv);  // coalesced loop-carried values need no move
  }
  return moves;
}

void Translator::emit_phi_moves(const std::vector<Move>& moves) {
  // Parallel-move semantics: when a destination is also a source, go through temporaries.
  bool overlap = false;
  for (auto& a : moves)
    for (auto& b : moves)
      if (&a != &b && a.d == b.s) overlap = true;
  if (!overlap) {
    for (auto& mv : moves) emit_move(mv.d, mv.s, mv.bytes);
    return;
  }
  std::vector<uint32_t> temps;
  for (auto& mv : moves) {
    uint32_t t = new_slot(mv.bytes);
    temps.push_back(t);
    emit_move(t, mv.s, mv.bytes);
  }
  for (size_t i = 0; i < moves.size(); i++) emit_move(moves[i].d, temps[i], moves[i].bytes);
}

// A GEP is not materialized when every user takes the address itself: loads and stores of
// the fused kinds in the same block, and constant-offset GEPs on top of it that fold too; or
// ignores it (a prefetch).
Translator::GepInfo Translator::gep_info(const GetElementPtrInst& g) {
  auto [it, inserted] = geps_.try_emplace(&g);
  if (inserted) it->second.decomposed = decompose_gep(g, DL_, stride_, it->second.a);
  return it->second;
}

bool Translator::folds(const GetElementPtrInst& g) {
  GepInfo gi = gep_info(g);
  if (gi.folds >= 0) return gi.folds;
  bool ok = gi.decomposed && !g.use_empty();
  for (const User* u : g.users()) {
    if (!ok) break;
    auto* ui = dyn_cast<Instruction>(u);
    if (!ui || ui->getParent() != g.getParent()) {
      ok = false;
    } else if (auto* g2 = dyn_cast<GetElementPtrInst>(ui)) {  // a constant offset on top
      GepInfo g2i = gep_info(*g2);
      ok = g2->getPointerOperand() == &g && g2i.decomposed && !g2i.a.index && folds(*g2);
    } else if (auto* pf = dyn_cast<IntrinsicInst>(ui); pf && pf->getIntrinsicID() == Intrinsic::prefetch) {
      ok = true;  // tier 0 drops prefetches: their addresses need no computing
    } else {
      ok = fusable_access(ui, &g, DL_);
    }
  }
  geps_[&g].folds = ok;  // looked up again: the recursion may have grown the map
  return ok;
}

// The address operand of a load or store as base + index * scale + offset, through GEPs that
// are not materialized; false when the pointer is simply a slot.
bool Translator::address_of(const Value* ptr, Address& a) {
  auto* g = dyn_cast<GetElementPtrInst>(ptr);
  if (!g || !folds(*g)) return false;
  a = gep_info(*g).a;
  // Outer GEPs of a folded chain add constant offsets only (folds() checks), so the chain has
  // at most one variable index, its root's.
  while (auto* inner = dyn_cast<GetElementPtrInst>(a.base)) {
    if (!folds(*inner)) break;
    const Address& b = gep_info(*inner).a;
    a.base = b.base, a.index = b.index, a.scale = b.scale, a.offset += b.offset;
  }
  return true;
}

// Load and arithmetic fused: a <8 x float> fma (the kernels' dot products) takes one
// multiplicand straight from memory. The load must be the operand's only use, in the same
// block, with nothing between the two that may write memory. Returns the operand (0 or 1).
int Translator::fused_load_operand(const CallBase& fma) {
  auto* vt = dyn_cast<FixedVectorType>(fma.getType());
  if (!vt || !vt->getElementType()->isFloatTy() || vt->getNumElements() != 8) return -1;
  auto* callee = fma.getCalledFunction();
  if (!callee || !(callee->getIntrinsicID() == Intrinsic::fma ||
                   (callee->getIntrinsicID() == Intrinsic::fmuladd && fma_target_)))
    return -1;
  for (int op = 0; op < 2; op++) {
    auto* l = dyn_cast<LoadInst>(fma.getArgOperand(op));
    if (!l || !l->isSimple() || !l->hasOneUse() || l->getParent() != fma.getParent() ||
        l->getType() != vt || (op == 1 && fma.getArgOperand(0) == l))
      continue;
    bool writes = false;
    for (const Instruction* i = l->getNextNode(); i != &fma && !writes; i = i->getNextNode())
      writes = i->mayWriteToMemory();
    if (!writes) return op;
  }
  return -1;
}

const Instruction* Translator::load_fused_into(const LoadInst& l) {
  if (!l.hasOneUse()) return nullptr;
  auto* call = dyn_cast<CallBase>(*l.user_begin());
  if (!call || !isa<IntrinsicInst>(call)) return nullptr;
  int op = fused_load_operand(*call);
  return op >= 0 && call->getArgOperand(op) == &l ? call : nullptr;
}

// Where an instruction's operands are read: fused instructions read them at the
// instruction(s) they are fused into.
void Translator::read_points(const Instruction* I, SmallVectorImpl<const Instruction*>& out) {
  if (auto* g = dyn_cast<GetElementPtrInst>(I); g && folds(*g)) {
    for (const User* u : g->users()) read_points(cast<Instruction>(u), out);
    return;
  }
  if (auto* l = dyn_cast<LoadInst>(I))
    if (const Instruction* user = load_fused_into(*l)) return read_points(user, out);
  if (auto* c = dyn_cast<ICmpInst>(I))
    if (const BranchInst* br = fused_branch(*c)) return out.push_back(br);
  if (auto* ie = dyn_cast<InsertElementInst>(I))
    if (const ShuffleVectorInst* sv = folded_into_splat(*ie)) return out.push_back(sv);
  out.push_back(I);
}

const Instruction* Translator::emitted_at(const Instruction* I) {
  SmallVector<const Instruction*, 4> points;
  read_points(I, points);
  return points.size() == 1 ? points[0] : nullptr;
}

// Instructions whose code reads every operand before it writes the result, so that the
// result may share a slot with an operand.
bool reads_before_write(const Instruction& I) {
  Type* t = I.getType();
  if (t->isIntegerTy() && t->getIntegerBitWidth() > 64) return false;
  if (isa<BinaryOperator>(I) || I.getOpcode() == Instruction::FNeg) return true;
  if (auto* call = dyn_cast<IntrinsicInst>(&I))
    return call->getIntrinsicID() == Intrinsic::fma || call->getIntrinsicID() == Intrinsic::fmuladd;
  return false;
}

// Single-block loops: a value carried to the next iteration through a phi shares the phi's
// slot when nothing reads the phi after that value is computed, so the back-edge moves
// nothing. Returns value -> phi.
DenseMap<const Instruction*, const PHINode*> Translator::coalesce_loop_values() {
  DenseMap<const Instruction*, const PHINode*> out;
  for (const BasicBlock& bb : F_) {
    if (!is_contained(successors(&bb), &bb)) continue;
    for (const PHINode& phi : bb.phis()) {
      auto* v = dyn_cast<Instruction>(phi.getIncomingValueForBlock(&bb));
      if (!v || v->getParent() != &bb || isa<PHINode>(v) || out.count(v) || isa<GetElementPtrInst>(v) || emitted_at(v) != v ||
          !reads_before_write(*v) || v->getType() != phi.getType())
        continue;
      bool ok = true;
      for (const User* u : phi.users()) {
        auto* ui = dyn_cast<Instruction>(u);
        if (!ui || isa<PHINode>(ui)) {
          ok = false;
          break;
        }
        SmallVector<const Instruction*, 4> points;
        read_points(ui, points);
        for (const Instruction* at : points)
          if (at->getParent() != &bb || (at != v && !at->comesBefore(v))) ok = false;
        if (!ok) break;
      }
      if (ok) out[v] = &phi;
    }
  }
  return out;
}

void Translator::translate_inst(const Instruction& I, uint32_t d) {
  current_ = &I;
  Type* t = I.getType();
  switch (I.getOpcode()) {
    case Instruction::Add: case Instruction::Sub: case Instruction::Mul: case Instruction::And:
    case Instruction::Or: case Instruction::Xor: case Instruction::Shl: case Instruction::LShr:
    case Instruction::AShr: case Instruction::UDiv: case Instruction::SDiv: case Instruction::URem:
    case Instruction::SRem: case Instruction::FAdd: case Instruction::FSub: case Instruction::FMul:
    case Instruction::FDiv: case Instruction::FRem: {
      const Value* x = I.getOperand(0);
      const Value* y = I.getOperand(1);
      if (auto* vt = dyn_cast<FixedVectorType>(t)) {
        static const std::pair<unsigned, VecBin> map[] = {
            {Instruction::Add, VB_ADD},   {Instruction::Sub, VB_SUB},   {Instruction::Mul, VB_MUL},
            {Instruction::And, VB_AND},   {Instruction::Or, VB_OR},     {Instruction::Xor, VB_XOR},
            {Instruction::Shl, VB_SHL},   {Instruction::LShr, VB_LSHR}, {Instruction::AShr, VB_ASHR},
            {Instruction::UDiv, VB_UDIV}, {Instruction::SDiv, VB_SDIV}, {Instruction::URem, VB_UREM},
            {Instruction::SRem, VB_SREM}, {Instruction::FAdd, VB_FADD}, {Instruction::FSub, VB_FSUB},
            {Instruction::FMul, VB_FMUL}, {Instruction::FDiv, VB_FDIV}, {Instruction::FRem, VB_FREM}};
        VecBin op = VB_COUNT;
        for (auto& [o, v] : map)
          if (o == I.getOpcode()) op = v;
        if (vt->getElementType()->isIntegerTy(1) && op != VB_AND && op != VB_OR && op != VB_XOR)
          unsupported("arithmetic on i1 vectors");
        ElemKind k = elem_kind(vt->getElementType());
        uint32_t bytes = vt->getNumElements() * elem_bytes(k);
        const ExtOps& X = ext_ops();
        // Float vectors of 4 or 8 lanes: +, -, *, / in the dispatch loop itself (SSE halves).
        if (k == EK_F32 && (bytes == 16 || bytes == 32) && op >= VB_FADD && op <= VB_FDIV) {
          static const Op ops16[] = {OP_VFADD_F32X4, OP_VFSUB_F32X4, OP_VFMUL_F32X4, OP_VFDIV_F32X4};
          static const Op ops32[] = {OP_VFADD_F32X8, OP_VFSUB_F32X8, OP_VFMUL_F32X8, OP_VFDIV_F32X8};
          Inst& in = emit((bytes == 16 ? ops16 : ops32)[op - VB_FADD]);
          in.d = d, in.a = val(x), in.b = val(y);
          return;
        }
        ExtFn fn = bytes == 32 ? X.bin32[op][k] : bytes == 16 ? X.bin16[op][k] : X.bin[op][k];
        emit_vec(fn, d, val(x), val(y), 0, vt->getNumElements());
        return;
      }
      if (t->isIntegerTy()) {
        unsigned w = t->getIntegerBitWidth();
        if (w > 64) {
          emit_ext(scalar_ops().wide_bin, d, val(x), val(y), w, 0, I.getOpcode());
          return;
        }
        // x + C and x - C take an immediate.
        if ((I.getOpcode() == Instruction::Add || I.getOpcode() == Instruction::Sub) &&
            isa<ConstantInt>(y) && (w == 32 || w == 64)) {
          int64_t c = cast<ConstantInt>(y)->getSExtValue();
          if (I.getOpcode() == Instruction::Sub) c = static_cast<int64_t>(0 - static_cast<uint64_t>(c));
          Inst& in = emit(w == 32 ? OP_ADDI_32 : OP_ADDI_64);
          in.d = d, in.a = val(x), in.imm = c;
          return;
        }
        emit_int_binop(I.getOpcode(), d, val(x), val(y), w);
        return;
      }
      bool f32 = t->isFloatTy();
      if (!f32 && !t->isDoubleTy()) unsupported("floating-point type");
      Op op;
      switch (I.getOpcode()) {
        case Instruction::FAdd: op = f32 ? OP_FADD_F32 : OP_FADD_F64; break;
        case Instruction::FSub: op = f32 ? OP_FSUB_F32 : OP_FSUB_F64; break;
        case Instruction::FMul: op = f32 ? OP_FMUL_F32 : OP_FMUL_F64; break;
        case Instruction::FDiv: op = f32 ? OP_FDIV_F32 : OP_FDIV_F64; break;
        case Instruction::FRem: op = f32 ? OP_FREM_F32 : OP_FREM_F64; break;
        default: unsupported("operation");
      }
      Inst& in = emit(op);
      in.d = d, in.a = val(x), in.b = val(y);
      return;
    }
    case Instruction::FNeg: {
      if (auto* vt = dyn_cast<FixedVectorType>(t)) {
        emit_vec(ext_ops().un[VU_FNEG][elem_kind(vt->getElementType())], d, val(I.getOperand(0)), 0,
                 0, vt->getNumElements());
        return;
      }
      Inst& in = emit(t->isFloatTy() ? OP_FNEG_F32 : OP_FNEG_F64);
      in.d = d, in.a = val(I.getOperand(0));
      return;
    }
    case Instruction::ICmp: {
      auto& c = cast<ICmpInst>(I);
      Type* ot = c.getOperand(0)->getType();
      if (auto* vt = dyn_cast<FixedVectorType>(ot)) {
        emit_vec(ext_ops().icmp[elem_kind(vt->getElementType())], d, val(c.getOperand(0)),
                 val(c.getOperand(1)), 0, vt->getNumElements(), c.getPredicate());
        return;
      }
      unsigned w = int_width(ot);
      if (w > 64) {
        emit_ext(scalar_ops().wide_icmp, d, val(c.getOperand(0)), val(c.getOperand(1)), w, 0, c.getPredicate());
        return;
      }
      if (fused_branch(c)) return;  // compared by the branch
      Inst& in = emit(icmp_op(c.getPredicate(), w, false));
      in.d = d, in.a = val(c.getOperand(0)), in.b = val(c.getOperand(1)), in.c = w;
      return;
    }
    case Instruction::FCmp: {
      auto& c = cast<FCmpInst>(I);
      Type* ot = c.getOperand(0)->getType();
      if (auto* vt = dyn_cast<FixedVectorType>(ot)) {
        emit_vec(ext_ops().fcmp[elem_kind(vt->getElementType())], d, val(c.getOperand(0)),
                 val(c.getOperand(1)), 0, vt->getNumElements(), c.getPredicate());
        return;
      }
      if (!ot->isFloatTy() && !ot->isDoubleTy()) unsupported("floating-point type");
      Inst& in = emit(ot->isFloatTy() ? OP_FCMP_F32 : OP_FCMP_F64);
      in.d = d, in.a = val(c.getOperand(0)), in.b = val(c.getOperand(1)), in.c = c.getPredicate();
      return;
    }
    case Instruction::Trunc: case Instruction::ZExt: case Instruction::SExt:
    case Instruction::FPTrunc: case Instruction::FPExt: case Instruction::FPToSI:
    case Instruction::FPToUI: case Instruction::SIToFP: case Instruction::UIToFP:
    case Instruction::PtrToInt: case Instruction::IntToPtr: case Instruction::BitCast:
    case Instruction::AddrSpaceCast: {
      const Value* x = I.getOperand(0);
      Type* st = x->getType();
      uint32_t a = val(x);
      if (auto* vt = dyn_cast<FixedVectorType>(t)) {
        auto* vs = dyn_cast<FixedVectorType>(st);
        if (I.getOpcode() == Instruction::BitCast) {
          if (vt->getElementType()->isIntegerTy(1) || (vs && vs->getElementType()->isIntegerTy(1)))
            unsupported("bitcast of an i1 vector");
          emit_move(d, a, slot_bytes(t));  // same bytes; slot sizes agree up to padding
          return;
        }
        if (!vs) unsupported("cast");
        static const std::pair<unsigned, VecCast> map[] = {
            {Instruction::Trunc, VC_TRUNC},     {Instruction::ZExt, VC_ZEXT},
            {Instruction::SExt, VC_SEXT},       {Instruction::FPTrunc, VC_FPTRUNC},
            {Instruction::FPExt, VC_FPEXT},     {Instruction::FPToSI, VC_FPTOSI},
            {Instruction::FPToUI, VC_FPTOUI},   {Instruction::SIToFP, VC_SITOFP},
            {Instruction::UIToFP, VC_UITOFP},   {Instruction::PtrToInt, VC_ZEXT},
            {Instruction::IntToPtr, VC_ZEXT}};
        VecCast op = VC_COUNT;
        for (auto& [o, v] : map)
          if (o == I.getOpcode()) op = v;
        ElemKind from = elem_kind(vs->getElementType()), to = elem_kind(vt->getElementType());
        uint32_t flags = (vs->getElementType()->isIntegerTy(1) ? 1 : 0) |
                         (vt->getElementType()->isIntegerTy(1) ? 2 : 0);
        emit_vec(ext_ops().cast[op][from][to], d, a, 0, flags, vt->getNumElements());
        return;
      }
      if (st->isVectorTy()) {
        auto* vs = cast<FixedVectorType>(st);
        if (vs->getElementType()->isIntegerTy(1)) unsupported("bitcast of an i1 vector");
        Inst& in = emit(OP_MOVZX);
        in.d = d, in.a = a, in.c = DL_.getTypeStoreSize(t);
        return;
      }
      bool wide = (st->isIntegerTy() && st->getIntegerBitWidth() > 64) ||
                  (t->isIntegerTy() && t->getIntegerBitWidth() > 64);
      if (wide) {
        unsigned op = I.getOpcode();
        if (op != Instruction::Trunc && op != Instruction::ZExt && op != Instruction::SExt &&
            op != Instruction::BitCast && op != Instruction::Freeze)
          unsupported("conversion of an integer wider than 64 bits");
        emit_ext(scalar_ops().wide_cast, d, a, 0, t->getIntegerBitWidth(), st->getIntegerBitWidth(), op);
        return;
      }
      switch (I.getOpcode()) {
        case Instruction::Trunc: {
          Inst& in = emit(OP_TRUNC_N);
          in.d = d, in.a = a, in.c = t->getIntegerBitWidth();
          return;
        }
        case Instruction::ZExt: case Instruction::PtrToInt: case Instruction::IntToPtr:
        case Instruction::AddrSpaceCast:
          if (I.getOpcode() == Instruction::PtrToInt && t->getIntegerBitWidth() < 64) {
            Inst& in = emit(OP_TRUNC_N);
            in.d = d, in.a = a, in.c = t->getIntegerBitWidth();
            return;
          }
          emit_move(d, a, 8);
          return;
        case Instruction::BitCast: emit_move(d, a, 8); return;
        case Instruction::SExt: {
          Inst& in = emit(OP_SEXT_N);
          in.d = d, in.a = a, in.b = st->getIntegerBitWidth(), in.c = t->getIntegerBitWidth();
          return;
        }
        case Instruction::FPTrunc:
        case Instruction::FPExt: {
          if (!(st->isFloatTy() || st->isDoubleTy()) || !(t->isFloatTy() || t->isDoubleTy()))
            unsupported("floating-point type");
          Inst& in = emit(I.getOpcode() == Instruction::FPTrunc ? OP_FPTRUNC : OP_FPEXT);
          in.d = d, in.a = a;
          return;
        }
        case Instruction::FPToSI: case Instruction::FPToUI: {
          bool f32 = st->isFloatTy();
          if (!f32 && !st->isDoubleTy()) unsupported("floating-point type");
          bool s = I.getOpcode() == Instruction::FPToSI;
          Inst& in = emit(s ? (f32 ? OP_F32_TO_SI : OP_F64_TO_SI) : (f32 ? OP_F32_TO_UI : OP_F64_TO_UI));
          in.d = d, in.a = a, in.c = t->getIntegerBitWidth();
          return;
        }
        case Instruction::SIToFP: case Instruction::UIToFP: {
          bool f32 = t->isFloatTy();
          if (!f32 && !t->isDoubleTy()) unsupported("floating-point type");
          bool s = I.getOpcode() == Instruction::SIToFP;
          Inst& in = emit(s ? (f32 ? OP_SI_TO_F32 : OP_SI_TO_F64) : (f32 ? OP_UI_TO_F32 : OP_UI_TO_F64));
          in.d = d, in.a = a, in.c = st->getIntegerBitWidth();
          return;
        }
      }
      unsupported("cast");
    }
    case Instruction::Select: {
      auto& s = cast<SelectInst>(I);
      if (s.getCondition()->getType()->isVectorTy()) {
        auto* vt = cast<FixedVectorType>(t);
        Inst& in = emit(OP_VEC);
        in.ptr = reinterpret_cast<const void*>(ext_ops().select[elem_kind(vt->getElementType())]);
        in.d = d, in.a = val(s.getTrueValue()), in.b = val(s.getFalseValue()),
        in.c = val(s.getCondition()), in.e = vt->getNumElements();
        return;
      }
      uint32_t bytes = slot_bytes(t);
      Inst& in = emit(bytes == 8 ? OP_SELECT8 : OP_SELECTN);
      in.d = d, in.a = val(s.getTrueValue()), in.b = val(s.getFalseValue()),
      in.c = val(s.getCondition()), in.e = bytes;
      return;
    }
    case Instruction::Load: {
      auto& l = cast<LoadInst>(I);
      if (l.isAtomic() && !t->isIntegerTy() && !t->isPointerTy() && !t->isFloatingPointTy())
        unsupported("atomic load of this type");
      if (load_fused_into(l)) return;  // the arithmetic that uses it loads the operand
      Address a;
      if (address_of(l.getPointerOperand(), a)) {
        uint32_t bytes = store_bytes(t);
        Op op = bytes == 4 ? (a.index ? OP_LOAD32_IDX : OP_LOAD32_OFF)
                : bytes == 8 ? (a.index ? OP_LOAD64_IDX : OP_LOAD64_OFF)
                             : (a.index ? OP_LOADV32_IDX : OP_LOADV32_OFF);
        Inst& in = emit(op);
        in.d = d, in.a = val(a.base), in.b = a.index ? val(a.index) : 0, in.e = a.scale;
        in.imm = static_cast<int64_t>(a.offset);
        return;
      }
      emit_load(d, val(l.getPointerOperand()), t);
      return;
    }
    case Instruction::Store: {
      auto& s = cast<StoreInst>(I);
      Address a;
      if (address_of(s.getPointerOperand(), a)) {
        uint32_t bytes = store_bytes(s.getValueOperand()->getType());
        Op op = bytes == 4 ? (a.index ? OP_STORE32_IDX : OP_STORE32_OFF)
                : bytes == 8 ? (a.index ? OP_STORE64_IDX : OP_STORE64_OFF)
                             : (a.index ? OP_STOREV32_IDX : OP_STOREV32_OFF);
        Inst& in = emit(op);
        in.a = val(a.base), in.b = val(s.getValueOperand()), in.c = a.index ? val(a.index) : 0;
        in.e = a.scale, in.imm = static_cast<int64_t>(a.offset);
        return;
      }
      emit_store(val(s.getPointerOperand()), val(s.getValueOperand()), s.getValueOperand()->getType());
      if (s.isAtomic() && s.getOrdering() == AtomicOrdering::SequentiallyConsistent) emit(OP_FENCE);
      return;
    }
    case Instruction::GetElementPtr: {
      auto& g = cast<GetElementPtrInst>(I);
      if (folds(g)) return;  // the loads and stores that use it compute the address
      if (t->isVectorTy()) unsupported("vector of pointers");
      if (GepInfo gi = gep_info(g); gi.decomposed) {  // at most one 64-bit index: one instruction
        Inst& in = emit(gi.a.index ? OP_GEP_IDX64 : OP_GEP_CONST);
        in.d = d, in.a = val(gi.a.base), in.imm = static_cast<int64_t>(gi.a.offset);
        if (gi.a.index) in.b = val(gi.a.index), in.e = static_cast<uint32_t>(gi.a.scale);
        return;
      }
      uint32_t cur = val(g.getPointerOperand());
      uint64_t offset = 0;  // wraps like the address arithmetic it stands for
      bool emitted = false;
      for (gep_type_iterator it = gep_type_begin(g), end = gep_type_end(g); it != end; ++it) {
        const Value* idx = it.getOperand();
        if (StructType* st = it.getStructTypeOrNull()) {
          unsigned field = cast<ConstantInt>(idx)->getZExtValue();
          offset += DL_.getStructLayout(st)->getElementOffset(field);
          continue;
        }
        uint64_t scale = stride_(it);
        if (idx->getType()->getScalarSizeInBits() > 64) unsupported("index wider than 64 bits");
        if (auto* ci = dyn_cast<ConstantInt>(idx)) {
          offset += static_cast<uint64_t>(ci->getSExtValue()) * scale;
          continue;
        }
        unsigned w = idx->getType()->getIntegerBitWidth();
        Inst& in = emit(w == 64 ? OP_GEP_IDX64 : w == 32 ? OP_GEP_IDX32 : OP_GEP_IDXN);
        in.d = d, in.a = cur, in.b = val(idx), in.c = w, in.imm = static_cast<int64_t>(offset);
        in.e = static_cast<uint32_t>(scale);
        if (scale > UINT32_MAX) unsupported("index scale");
        cur = d, offset = 0, emitted = true;
      }
      if (offset != 0 || !emitted) {
        Inst& in = emit(OP_GEP_CONST);
        in.d = d, in.a = cur, in.imm = static_cast<int64_t>(offset);
      }
      return;
    }
    case Instruction::Alloca: {
      auto& al = cast<AllocaInst>(I);
      uint64_t elem = DL_.getTypeAllocSize(al.getAllocatedType());
      uint32_t align = std::max<uint32_t>(al.getAlign().value(), 16);
      Inst& in = emit(OP_ALLOCA);
      in.d = d, in.a = val(al.getArraySize()), in.c = align, in.imm = static_cast<int64_t>(elem);
      return;
    }
    case Instruction::PHI: return;  // lowered to moves on the edges
    case Instruction::Br: {
      auto& br = cast<BranchInst>(I);
      const BasicBlock* bb = br.getParent();
      if (br.isUnconditional()) {
        Inst& in = emit(OP_BR);
        in.e = new_edge(bb, br.getSuccessor(0), 0);
        branch_to(in, Field::D, bb, br.getSuccessor(0));
        return;
      }
      uint32_t e0 = new_edge(bb, br.getSuccessor(0), 0);
      new_edge(bb, br.getSuccessor(1), 1);
      if (fusable_compare(br)) {
        auto* cmp = cast<ICmpInst>(br.getCondition());
        unsigned w = int_width(cmp->getOperand(0)->getType());
        Inst& in = emit(icmp_op(cmp->getPredicate(), w, true));
        in.a = val(cmp->getOperand(0)), in.b = val(cmp->getOperand(1)), in.e = e0;
        branch_to(in, Field::D, bb, br.getSuccessor(0));
        branch_to(in, Field::C, bb, br.getSuccessor(1));
        return;
      }
      Inst& in = emit(OP_CONDBR);
      in.a = val(br.getCondition()), in.e = e0;
      branch_to(in, Field::D, bb, br.getSuccessor(0));
      branch_to(in, Field::B, bb, br.getSuccessor(1));
      return;
    }
    case Instruction::Switch: {
      auto& sw = cast<SwitchInst>(I);
      if (sw.getCondition()->getType()->getIntegerBitWidth() > 64) unsupported("switch on a wide integer");
      const BasicBlock* bb = sw.getParent();
      uint32_t table = code_->switches.size();
      code_->switches.emplace_back();
      SwitchTable& st = code_->switches.back();
      st.counter_base = new_edge(bb, sw.getDefaultDest(), 0);
      uint32_t succ = 1;
      for (auto& c : sw.cases()) {
        st.values.push_back(c.getCaseValue()->getZExtValue());
        st.targets.push_back(0);
        new_edge(bb, c.getCaseSuccessor(), succ++);
      }
      // A jump table when the case values (as the slot holds them, zero-extended) are dense:
      // at most 4 slots per case and 4096 in all.
      if (!st.values.empty()) {
        uint64_t lo = *std::min_element(st.values.begin(), st.values.end());
        uint64_t hi = *std::max_element(st.values.begin(), st.values.end());
        if (hi - lo < 4096 && hi - lo < 4 * st.values.size() + 8) {
          st.dense_min = lo;
          st.dense.assign(hi - lo + 1, -1);
          for (size_t i = 0; i < st.values.size(); i++) st.dense[st.values[i] - lo] = static_cast<int32_t>(i);
        }
      }
      Inst& in = emit(OP_SWITCH);
      in.a = val(sw.getCondition()), in.b = table;
      fixups_.push_back({Fixup::kSwitchDefault, Field::D, 0, bb, sw.getDefaultDest(), table, 0});
      unsigned i = 0;
      for (auto& c : sw.cases())
        fixups_.push_back({Fixup::kSwitchCase, Field::D, 0, bb, c.getCaseSuccessor(), table, i++});
      return;
    }
    case Instruction::Ret: {
      auto& r = cast<ReturnInst>(I);
      if (!r.getReturnValue()) {
        emit(OP_RET_VOID);
        return;
      }
      Inst& in = emit(OP_RET);
      in.a = val(r.getReturnValue()), in.c = slot_bytes(r.getReturnValue()->getType());
      return;
    }
    case Instruction::Unreachable: {
      emit(OP_UNREACHABLE);
      return;
    }
    case Instruction::Call: translate_call(cast<CallBase>(I), d); return;
    case Instruction::ExtractValue: {
      auto& ev = cast<ExtractValueInst>(I);
      Type* agg = ev.getAggregateOperand()->getType();
      uint64_t off = 0;
      Type* cur = agg;
      for (unsigned idx : ev.indices()) {
        if (auto* st = dyn_cast<StructType>(cur)) {
          off += DL_.getStructLayout(st)->getElementOffset(idx);
          cur = st->getElementType(idx);
        } else {
          cur = cur->getArrayElementType();
          off += idx * DL_.getTypeAllocSize(cur);
        }
      }
      uint32_t src = val(ev.getAggregateOperand()) + off;
      if (t->isStructTy() || t->isArrayTy() || t->isVectorTy()) {
        emit_move(d, src, slot_bytes(t));
      } else {
        Inst& in = emit(OP_MOVZX);
        in.d = d, in.a = src, in.c = DL_.getTypeStoreSize(t);
      }
      return;
    }
    case Instruction::InsertValue: {
      auto& iv = cast<InsertValueInst>(I);
      uint64_t off = 0;
      Type* cur = t;
      for (unsigned idx : iv.indices()) {
        if (auto* st = dyn_cast<StructType>(cur)) {
          off += DL_.getStructLayout(st)->getElementOffset(idx);
          cur = st->getElementType(idx);
        } else {
          cur = cur->getArrayElementType();
          off += idx * DL_.getTypeAllocSize(cur);
        }
      }
      emit_move(d, val(iv.getAggregateOperand()), slot_bytes(t));
      Inst& in = emit(OP_MOVN);
      in.d = d + off, in.a = val(iv.getInsertedValueOperand()),
      in.c = cur->isStructTy() || cur->isArrayTy() ? DL_.getTypeAllocSize(cur) : DL_.getTypeStoreSize(cur);
      return;
    }
    case Instruction::ExtractElement: {
      auto& ee = cast<ExtractElementInst>(I);
      auto* vt = cast<FixedVectorType>(ee.getVectorOperand()->getType());
      uint32_t eb = elem_bytes(elem_kind(vt->getElementType()));
      if (auto* ci = dyn_cast<ConstantInt>(ee.getIndexOperand())) {
        Inst& in = emit(OP_MOVZX);
        in.d = d, in.a = val(ee.getVectorOperand()) + ci->getZExtValue() % vt->getNumElements() * eb;
        in.c = eb;
        return;
      }
      Inst& in = emit(OP_EXTRACTELT);
      in.d = d, in.a = val(ee.getVectorOperand()), in.b = val(ee.getIndexOperand()), in.c = eb,
      in.e = vt->getNumElements();
      return;
    }
    case Instruction::InsertElement: {
      auto& ie = cast<InsertElementInst>(I);
      auto* vt = cast<FixedVectorType>(t);
      uint32_t eb = elem_bytes(elem_kind(vt->getElementType()));
      if (folded_into_splat(ie)) return;  // the shuffle reads the scalar itself
      emit_move(d, val(ie.getOperand(0)), slot_bytes(t));
      if (auto* ci = dyn_cast<ConstantInt>(ie.getOperand(2))) {  // constant lane: a plain move
        if (ci->getZExtValue() < vt->getNumElements()) {
          Inst& in = emit(OP_MOVN);
          in.d = d + ci->getZExtValue() * eb, in.a = val(ie.getOperand(1)), in.c = eb;
        }
        return;
      }
      Inst& in = emit(OP_INSERTELT);
      in.d = d, in.a = val(ie.getOperand(1)), in.b = val(ie.getOperand(2)), in.c = eb,
      in.e = vt->getNumElements();
      return;
    }
    case Instruction::ShuffleVector: {
      auto& sv = cast<ShuffleVectorInst>(I);
      auto* vt = cast<FixedVectorType>(t);
      auto* st = cast<FixedVectorType>(sv.getOperand(0)->getType());
      uint32_t eb = elem_bytes(elem_kind(vt->getElementType()));
      ArrayRef<int> mask = sv.getShuffleMask();
      uint32_t n = vt->getNumElements(), nin = st->getNumElements();
      if (aliases_.count(&sv)) return;  // a slice naming its source's bytes (see run())
      // Broadcast of one lane (splat): straight from the scalar when an insertelement made it.
      if (const Value* scalar = splat_scalar(sv)) {
        Inst& in = emit(OP_SPLAT);
        in.d = d, in.a = val(scalar), in.c = eb, in.e = n;
        return;
      }
      int lane = splat_lane(sv);
      if (lane >= 0) {
        uint32_t src = uint32_t(lane) < nin ? val(sv.getOperand(0)) + lane * eb
                                            : val(sv.getOperand(1)) + (lane - nin) * eb;
        Inst& in = emit(OP_SPLAT);
        in.d = d, in.a = src, in.c = eb, in.e = n;
        return;
      }
      // Consecutive lanes of one source (a vector half, lanes shifted down over poison): the
      // source's bytes themselves (an alias, nothing to run), or a move.
      {
        int src;
        uint32_t from, k;
        if (slice_of(sv, src, from, k)) {
          uint32_t bytes = round_up(k * eb, 8);  // lanes past k are poison: copy whole words
          if (from + bytes > round_up(nin * eb, 8)) bytes = k * eb;
          emit_move(d, val(sv.getOperand(src)) + from, bytes);
          return;
        }
      }
      uint32_t at = code_->aux.size();
      for (int v : mask) code_->aux.push_back(v);
      Inst& in = emit(OP_SHUFFLE);
      in.d = d, in.a = val(sv.getOperand(0)), in.b = val(sv.getOperand(1)), in.c = eb,
      in.e = vt->getNumElements(), in.f = st->getNumElements();
      in.imm = at;  // patched to a pointer once aux stops growing
      return;
    }
    case Instruction::Freeze: emit_move(d, val(I.getOperand(0)), slot_bytes(t)); return;
    case Instruction::AtomicRMW: {
      auto& rmw = cast<AtomicRMWInst>(I);
      if (!t->isIntegerTy() && !t->isPointerTy()) unsupported("atomicrmw on this type");
      Inst& in = emit(OP_ATOMIC_RMW);
      in.d = d, in.a = val(rmw.getPointerOperand()), in.b = val(rmw.getValOperand()),
      in.c = DL_.getTypeStoreSize(t), in.e = rmw.getOperation();
      if (in.c != 1 && in.c != 2 && in.c != 4 && in.c != 8) unsupported("atomicrmw width");
      return;
    }
    case Instruction::AtomicCmpXchg: {
      auto& cx = cast<AtomicCmpXchgInst>(I);
      Type* vt = cx.getCompareOperand()->getType();
      Inst& in = emit(OP_CMPXCHG);
      in.d = d, in.a = val(cx.getPointerOperand()), in.b = val(cx.getCompareOperand()),
      in.c = val(cx.getNewValOperand()), in.e = DL_.getTypeStoreSize(vt),
      in.f = DL_.getStructLayout(cast<StructType>(t))->getElementOffset(1);
      if (in.e != 1 && in.e != 2 && in.e != 4 && in.e != 8) unsupported("cmpxchg width");
      return;
    }
    case Instruction::Fence: emit(OP_FENCE); return;
    case Instruction::VAArg: unsupported("va_arg instruction");
    default: unsupported("instruction");
  }
}

void Translator::translate_call(const CallBase& call, uint32_t d) {
  if (call.isInlineAsm()) unsupported("inline assembly");
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
  if ((!callee || host) && has_param_attr(call, Attribute::ByVal))
    for (unsigned i = 0, n = call.arg_size(); i < n; i++)
      if (call.paramHasAttr(i, Attribute::ByVal)) unsupported("by-value aggregate argument to a host function");
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
  for (unsigned i = 0; i < nargs; i++) {
    args[i] = val(call.getArgOperand(i));
    sizes[i] = slot_bytes(call.getArgOperand(i)->getType());
  }
  cs.fixed_args = call.getFunctionType()->getNumParams();
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

void Translator::translate_host_call(const CallBase& call, llvm::Function* callee, uint32_t d) {
  StringRef name = callee->getName();
  Type* rt = call.getType();
  // Math from libm becomes a direct call, without libffi.
  if ((rt->isFloatTy() || rt->isDoubleTy()) && (call.arg_size() == 1 || call.arg_size() == 2)) {
    bool f32 = rt->isFloatTy();
    bool args_ok = !f32 || name.ends_with("f");
    for (unsigned i = 0; i < call.arg_size(); i++) args_ok &= call.getArgOperand(i)->getType() == rt;
    StringRef base = f32 ? name.drop_back() : name;
    const MathFn* fn = !args_ok ? nullptr
                       : call.arg_size() == 1 ? find_math(kMath1, std::size(kMath1), base)
                                              : find_math(kMath2, std::size(kMath2), base);
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
    emit_math(find_math(kMath1, std::size(kMath1), name), false, t, d, arg(0), 0);
    return true;
  };
  auto math2 = [&](const char* name, VecBin vop) {
    if (vt) return vec_bin(vop);
    emit_math(find_math(kMath2, std::size(kMath2), name), true, t, d, arg(0), arg(1));
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
      return true;
    case Intrinsic::expect: case Intrinsic::expect_with_probability:
    case Intrinsic::launder_invariant_group: case Intrinsic::strip_invariant_group:
      emit_move(d, arg(0), slot_bytes(t));
      return true;
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
    default: return false;
  }
}

void Translator::compute_dominators() {
  uint32_t n = F_.size();
  std::vector<const BasicBlock*>& blocks = blocks_;
  blocks.reserve(n);
  for (const BasicBlock& bb : F_) blocks.push_back(&bb);
  // Successor lists by index, and a depth-first post-order from the entry.
  std::vector<uint32_t> succ_begin(n + 1), succs;
  for (uint32_t b = 0; b < n; b++) {
    succ_begin[b] = succs.size();
    if (const Instruction* term = blocks[b]->getTerminator())
      for (unsigned i = 0, e = term->getNumSuccessors(); i < e; i++)
        succs.push_back(block_index_.lookup(term->getSuccessor(i)));
  }
  succ_begin[n] = succs.size();
  std::vector<uint32_t> post;
  post.reserve(n);
  rpo_.assign(n, kUnreached);
  std::vector<std::pair<uint32_t, uint32_t>> stack;  // block, next successor position
  rpo_[0] = 0;                                        // visited (numbered below)
  stack.push_back({0, succ_begin[0]});
  while (!stack.empty()) {
    uint32_t b = stack.back().first, i = stack.back().second;
    if (i == succ_begin[b + 1]) {
      post.push_back(b);
      stack.pop_back();
      continue;
    }
    stack.back().second++;
    uint32_t s = succs[i];
    if (rpo_[s] == kUnreached) {
      rpo_[s] = 0;
      stack.push_back({s, succ_begin[s]});
    }
  }
  uint32_t reached = post.size();
  for (uint32_t k = 0; k < reached; k++) rpo_[post[k]] = reached - 1 - k;
  rpo_order_.assign(post.rbegin(), post.rend());
  // Predecessors among reachable blocks.
  std::vector<uint32_t> pred_begin(n + 1, 0), preds(succs.size());
  for (uint32_t b = 0; b < n; b++)
    if (rpo_[b] != kUnreached)
      for (uint32_t i = succ_begin[b]; i < succ_begin[b + 1]; i++) pred_begin[succs[i] + 1]++;
  for (uint32_t b = 0; b < n; b++) pred_begin[b + 1] += pred_begin[b];
  std::vector<uint32_t> fill(pred_begin.begin(), pred_begin.end() - 1);
  for (uint32_t b = 0; b < n; b++)
    if (rpo_[b] != kUnreached)
      for (uint32_t i = succ_begin[b]; i < succ_begin[b + 1]; i++) preds[fill[succs[i]]++] = b;
  idom_.assign(n, kUnreached);
  idom_[0] = 0;
  for (bool changed = true; changed;) {
    changed = false;
    for (uint32_t k = reached - 1; k-- > 0;) {  // reverse post-order, entry excluded
      uint32_t b = post[k], best = kUnreached;
      for (uint32_t i = pred_begin[b]; i < pred_begin[b + 1]; i++) {
        uint32_t p = preds[i];
        if (idom_[p] == kUnreached) continue;  // not processed yet
        if (best == kUnreached) {
          best = p;
          continue;
        }
        uint32_t x = p, y = best;
        while (x != y) {
          while (rpo_[x] > rpo_[y]) x = idom_[x];
          while (rpo_[y] > rpo_[x]) y = idom_[y];
        }
        best = x;
      }
      if (idom_[b] != best) idom_[b] = best, changed = true;
    }
  }
}

Code* Translator::run(std::string& error) {
  try {
    fma_target_ = F_.getFnAttribute("target-features").getValueAsString().contains("+fma");
    Type* rt = F_.getReturnType();
    code_->ret_size = slot_bytes(rt);
    if (code_->ret_size > kResultBytes) unsupported("return value larger than 64 bytes");
    frame_top_ = kConstBase;
    code_->edges.push_back({0, 0, 0, false});  // counter 0: scratch for jumps not counted
    unsigned bi = 0;
    size_t num_insts = 0, num_calls = 0, num_words = 0, num_succs = 0;
    for (const BasicBlock& bb : F_) {
      num_insts += bb.size();
      num_succs += bb.getTerminator() ? bb.getTerminator()->getNumSuccessors() : 0;
    }
    block_index_.reserve(F_.size());
    block_start_.reserve(F_.size());
    slots_.reserve(num_insts + F_.arg_size());
    const_slots_.reserve(num_insts);
    for (const BasicBlock& bb : F_) block_index_[&bb] = bi++;
    code_->num_blocks = bi;
    compute_dominators();
    // Constant pool first so that it is one contiguous block; then values.
    for (const BasicBlock& bb : F_)
      for (const Instruction& I : bb) {
        auto* call = dyn_cast<CallBase>(&I);
        current_ = &I;
        if (call) num_calls++, num_words += 2 * call->arg_size();
        for (const Use& u : I.operands()) {
          auto* c = dyn_cast<Constant>(u.get());
          if (!c || (call && &u == &call->getCalledOperandUse())) continue;
          if (isa<SwitchInst>(I) && u.getOperandNo() > 0) continue;
          const_slot(c);
        }
      }
    // Sized up front: growing these vectors copied ~5% of translation's instructions.
    code_->insts.reserve(num_insts + num_succs + 8);
    code_->calls.reserve(num_calls);
    code_->edges.reserve(num_succs + 1);
    code_->value_slots.reserve(num_insts + F_.arg_size());
    fixups_.reserve(num_succs);
    code_->call_words.reset(new uint32_t[num_words]);
    words_next_ = code_->call_words.get(), words_end_ = words_next_ + num_words;
    uint32_t const_end = round_up(frame_top_, kFrameAlign);
    frame_top_ = const_end;
    pool_end_ = const_end - kConstBase;
    if (pool_.size() < pool_end_) pool_.resize(pool_end_, 0);
    for (const Argument& a : F_.args()) {
      uint32_t bytes = slot_bytes(a.getType());
      uint32_t s = new_slot(bytes);
      slots_[&a] = s;
      code_->param_slots.push_back(s);
      code_->param_sizes.push_back(bytes);
      uint64_t byval = 0;
      if (a.hasByValAttr()) byval = DL_.getTypeAllocSize(a.getParamByValType());
      if (byval > 255) unsupported("by-value argument larger than 255 bytes");
      code_->param_byval.push_back(static_cast<uint8_t>(byval));
      if (bytes != 8 || byval) code_->params_plain = false;
      code_->param_byval_align.push_back(a.getParamAlign().valueOrOne().value());
    }
    DenseMap<const Instruction*, const PHINode*> coalesced = coalesce_loop_values();
    for (const Argument& a : F_.args()) code_->value_slots.push_back(slots_.lookup(&a));
    for (const BasicBlock& bb : F_)
      for (const Instruction& I : bb) {
        current_ = &I;
        if (I.getType()->isVoidTy()) {
          code_->value_slots.push_back(Code::kNoSlot);
          continue;
        }
        auto it = coalesced.find(&I);
        uint32_t slot = it != coalesced.end() ? slots_.lookup(it->second) : new_slot(slot_bytes(I.getType()));
        slots_[&I] = slot;
        code_->value_slots.push_back(slot);
      }
    // Values that are another value's bytes take its slot instead of a move (aliases), when
    // the source's slot holds nothing else while the alias is live: not a phi (edge moves and
    // a coalesced value overwrite its slot), not a fused value (its slot is never written).
    // - slices of a vector: lanes past the slice are poison, so reading past the source's
    //   bytes is harmless;
    // - casts that leave a slot's bytes as they are (zext, inttoptr, ptrtoint to 64 bits,
    //   bitcast of scalars, freeze): integers sit zero-extended in their slots.
    // Blocks go in reverse post-order, so that a source that is itself an alias has its slot.
    SmallVector<std::pair<uint32_t, const Instruction*>, 8> aliased;  // value_slots index
    std::vector<uint32_t> first_value(blocks_.size());  // value_slots index of each block's first
    for (uint32_t b = 0, at = F_.arg_size(); b < blocks_.size(); b++) first_value[b] = at, at += blocks_[b]->size();
    for (uint32_t b : rpo_order_) {
      uint32_t index = first_value[b];
      for (const Instruction& I : *blocks_[b]) {
        uint32_t at = index++;
        const Value* v = nullptr;
        uint32_t from = 0;
        if (auto* sv = dyn_cast<ShuffleVectorInst>(&I)) {
          int src;
          uint32_t k;
          if (!slice_of(*sv, src, from, k)) continue;
          v = sv->getOperand(src);
        } else if (const Value* x = same_bytes_cast(I)) {
          v = x;
        } else {
          continue;
        }
        auto* vi = dyn_cast<Instruction>(v);
        if (isa<PHINode>(v) || (vi && emitted_at(vi) != vi) ||
            (!vi && !isa<Argument>(v) && !isa<Constant>(v)))
          continue;
        current_ = &I;
        slots_[&I] = val(v) + from;
        if (isa<ShuffleVectorInst>(I)) aliases_.insert(cast<ShuffleVectorInst>(&I));
        aliased.push_back({at, &I});
      }
    }
    for (auto [index, inst] : aliased) code_->value_slots[index] = slots_.lookup(inst);
    // Static allocas get no frame space of their own: ALLOCA bumps the stack. (Simple and
    // correct for allocas in loops too.) Each instruction's slot comes from value_slots.
    const uint32_t* slot_of = code_->value_slots.data() + F_.arg_size();
    for (const BasicBlock& bb : F_) {
      block_start_[&bb] = here();
      for (const Instruction& I : bb) {
        uint32_t slot = *slot_of++;
        translate_inst(I, slot == Code::kNoSlot ? 0 : slot);
      }
    }
    // Edge stubs: phi moves for edges into blocks with phis (none when every phi coalesced).
    DenseMap<std::pair<const BasicBlock*, const BasicBlock*>, uint32_t> stubs, stub_jumps;
    auto target_of = [&](const BasicBlock* from, const BasicBlock* to) -> uint32_t {
      if (!isa<PHINode>(to->front())) return block_start_[to];
      auto key = std::make_pair(from, to);
      auto it = stubs.find(key);
      if (it != stubs.end()) return it->second;
      current_ = &to->front();
      std::vector<Move> moves = phi_moves(from, to);
      if (moves.empty()) return block_start_[to];
      uint32_t start = here();
      if (moves.size() == 1 && moves[0].bytes == 8) {  // one move: fused with the jump
        stub_jumps[key] = here();
        Inst& mb = emit(OP_MOVBR8);
        mb.d = block_start_[to], mb.a = moves[0].d, mb.b = moves[0].s;
        stubs[key] = start;
        return start;
      }
      emit_phi_moves(moves);
      stub_jumps[key] = here();
      Inst& br = emit(OP_BR);
      br.d = block_start_[to];
      br.e = 0;
      stubs[key] = start;
      return start;
    };
    // Back-edge jumps into each loop header, after the phi moves (OSR probes, see LoopEntry):
    // the stub's jump when the edge has one, else the branch's own field.
    MapVector<const BasicBlock*, std::vector<JumpSite>> loop_sites;
    for (size_t i = 0; i < fixups_.size(); i++) {
      Fixup fx = fixups_[i];
      uint32_t target = target_of(fx.from, fx.to);
      switch (fx.kind) {
        case Fixup::kSwitchCase: code_->switches[fx.table].targets[fx.entry] = target; continue;
        case Fixup::kSwitchDefault: code_->switches[fx.table].default_target = target; continue;
        case Fixup::kInst: break;
      }
      if (dominates(fx.to, fx.from)) {
        auto stub = stub_jumps.find(std::make_pair(fx.from, fx.to));
        if (stub != stub_jumps.end()) loop_sites[fx.to].push_back({stub->second, Field::D});
        else loop_sites[fx.to].push_back({fx.inst, fx.field});
      }
      code_->insts[fx.inst].field(fx.field) = target;
    }
    code_->num_loops = loop_sites.size();
    code_->loops.reset(new LoopEntry[loop_sites.size()]);
    uint32_t li = 0;
    for (auto& [header, sites] : loop_sites) {
      LoopEntry& l = code_->loops[li];
      l.header_block = block_index_[header];
      l.probe = here();
      l.sites = std::move(sites);
      Inst& probe = emit(OP_OSR_PROBE);
      probe.a = li++;
      probe.d = block_start_[header];
    }
  } catch (const Unsupported& u) {
    error = "function '" + F_.getName().str() + "': unsupported " + u.what;
    if (current_) error += ": " + text_of(current_);
    return nullptr;
  }
  pool_.resize(pool_end_);
  code_->constants = std::move(pool_);
  code_->frame_size = round_up(frame_top_, kFrameAlign);
  for (Inst& in : code_->insts) {
    uintptr_t op = reinterpret_cast<uintptr_t>(in.op);
    if (op == OP_SHUFFLE) in.ptr = code_->aux.data() + in.imm;
    in.op = labels_[op];
  }
  size_t n = code_->edges.size();
  code_->counters.reset(new std::atomic<uint64_t>[n]);
  for (size_t i = 0; i < n; i++) code_->counters[i].store(0, std::memory_order_relaxed);
  if (m_.osr_wait) arm_loop_probes(*code_);
  return code_.release();
}

}  // namespace

HostCif* Machine::call_cif(const CallBase& call, bool signext, std::string& error) {
  unsigned n = call.arg_size();
  std::vector<uintptr_t> key;
  key.reserve(n + 1);
  key.push_back(reinterpret_cast<uintptr_t>(call.getFunctionType()));
  signext = signext && has_param_attr(call, Attribute::SExt);
  for (unsigned i = 0; i < n; i++)
    key.push_back(reinterpret_cast<uintptr_t>(call.getArgOperand(i)->getType()) |
                  (signext && call.paramHasAttr(i, Attribute::SExt)));
  auto it = cif_by_shape.find(key);
  if (it != cif_by_shape.end()) return it->second;
  std::vector<Type*> types(n);
  for (unsigned i = 0; i < n; i++) types[i] = call.getArgOperand(i)->getType();
  HostCif* hc = make_cif(call.getFunctionType(), n, types, error);
  if (!hc) return nullptr;
  // Sign-extended narrow arguments (signext) are passed as signed ffi types.
  for (unsigned i = 0; i < n; i++) {
    if (!(key[i + 1] & 1)) continue;
    ffi_type*& at = hc->arg_types[i];
    if (at == &ffi_type_uint8) at = &ffi_type_sint8;
    if (at == &ffi_type_uint16) at = &ffi_type_sint16;
  }
  cif_by_shape.emplace(std::move(key), hc);
  return hc;
}

Code* Machine::translate(Function* f, std::string& error) {
  Translator t(*this, f);
  return t.run(error);
}

void arm_loop_probes(Code& code) {
  for (uint32_t i = 0; i < code.num_loops; i++) {
    LoopEntry& l = code.loops[i];
    if (l.armed.exchange(true)) continue;
    // The interpreter reads these fields while it runs: each is one aligned 32-bit store.
    for (JumpSite site : l.sites) {
      uint32_t& target = code.insts[site.inst].field(site.field);
      std::atomic_ref<uint32_t>(target).store(l.probe, std::memory_order_release);
    }
  }
}

Code* Machine::code_for(Function* f) {
  std::lock_guard<std::mutex> lock(translate_mutex);
  if (Code* c = f->code.load(std::memory_order_acquire)) return c;
  std::string error;
  Code* c = translate(f, error);
  if (!c) fatal(error);
  f->code.store(c, std::memory_order_release);
  return c;
}

}  // namespace bf::vm
