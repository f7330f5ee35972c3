// The tier-0 translator: an LLVM function into pre-decoded code (code.h), once, on its first
// call (Machine::translate). One Translator per function; its parts live in files by family:
//   translate.cpp             the driver: sizes, frame layout (frame.h), constants, parameters,
//                             value slots, blocks in order; Machine::translate and code_for
//   translate_arith.cpp       integer and float arithmetic, compares, select
//   translate_cast.cpp        casts
//   translate_memory.cpp      loads, stores, GEPs (over vectors too), allocas, atomics,
//                             masked loads and stores, gathers, scatters
//   translate_control.cpp     branches, switches, computed gotos, returns; phi moves, edge
//                             stubs, jump fixups and the loops' OSR probes
//   translate_aggregate.cpp   extractvalue, insertvalue
//   translate_vector.cpp      vector arithmetic and casts, lanes, shuffles
//   translate_call.cpp        calls (interpreted, host, indirect) and intrinsics
//   translate_fusion.cpp      what fuses into what and where fused instructions read their
//                             operands; loop-carried slot sharing; aliases
//   translate_dominators.cpp  dominators over block indices
// The helpers every family calls for each operand (val, slot_bytes, emit) are inline here:
// translation runs inside the timed region of short programs, and a call across files costs.
#pragma once

#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/DenseSet.h>
#include <llvm/ADT/SmallVector.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/DataLayout.h>
#include <llvm/IR/GetElementPtrTypeIterator.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/Intrinsics.h>

#include <memory>
#include <string>
#include <vector>

#include "vm/machine.h"
#include "vm/vecops.h"

namespace bf::vm {

// What the translator throws for anything tier 0 cannot run; Translator::run turns it into
// one line naming the function and the instruction.
struct Unsupported {
  std::string what;
};

// A value as text, leading spaces dropped (error messages, the dump).
std::string text_of(const llvm::Value* v);

inline uint32_t round_up(uint32_t v, uint32_t a) { return (v + a - 1) / a * a; }

// Element kinds of vectors as the frame holds them (i1 elements one byte each).
inline ElemKind elem_kind(llvm::Type* t) {
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
inline uint32_t elem_bytes(ElemKind k) {
  static constexpr uint32_t sizes[] = {1, 2, 4, 8, 4, 8};
  return sizes[k];
}

// Bits of a scalar (integer, float, double, pointer), as DataLayout has them on x86-64,
// without its look-ups.
inline uint32_t scalar_bits(llvm::Type* t) {
  return t->isIntegerTy() ? t->getIntegerBitWidth() : t->isFloatTy() ? 32 : 64;
}
inline unsigned int_width(llvm::Type* t) { return t->isPointerTy() ? 64 : t->getIntegerBitWidth(); }
// Floating-point types the dispatch loop leaves to out-of-line kernels (FloatOps).
inline bool other_float(llvm::Type* t) { return t->isHalfTy() || t->isX86_FP80Ty() || t->isFP128Ty(); }
// A scalar's type code for FloatOps (vecops.h): an integer's width, or kFloatCode | bits.
inline uint32_t num_code(llvm::Type* t) {
  if (t->isIntegerTy()) return t->getIntegerBitWidth();
  if (t->isPointerTy()) return 64;
  return kFloatCode | t->getPrimitiveSizeInBits().getFixedValue();
}

// A GEP as base + index * scale + offset, with at most one variable 64-bit index.
struct Address {
  const llvm::Value* base = nullptr;
  const llvm::Value* index = nullptr;
  uint64_t scale = 0, offset = 0;
};
// Bytes between consecutive elements a GEP index steps over. DataLayout computes the size of
// nested array types recursively, every time (csmith's arrays are 3 and 4 deep), so sizes are
// kept per type.
class StrideCache {
 public:
  explicit StrideCache(const llvm::DataLayout& dl) : dl_(dl) {}
  uint64_t operator()(const llvm::gep_type_iterator& it) {
    if (it.isVector()) return it.getSequentialElementStride(dl_);
    auto [pos, inserted] = sizes_.try_emplace(it.getIndexedType(), 0);
    if (inserted) pos->second = dl_.getTypeAllocSize(it.getIndexedType());
    return pos->second;
  }

 private:
  const llvm::DataLayout& dl_;
  llvm::DenseMap<llvm::Type*, uint64_t> sizes_;
};

// The opcode of an integer compare of width w, or of the compare-and-branch it fuses into
// (OP_COUNT: none).
inline Op icmp_op(llvm::CmpInst::Predicate p, unsigned w, bool branch) {
  auto sw = [&](Op o32, Op o64, Op oN) { return w == 32 ? o32 : w == 64 ? o64 : oN; };
  if (branch) {
    switch (p) {
      case llvm::CmpInst::ICMP_EQ: return OP_BR_EQ;
      case llvm::CmpInst::ICMP_NE: return OP_BR_NE;
      case llvm::CmpInst::ICMP_UGT: return OP_BR_UGT;
      case llvm::CmpInst::ICMP_UGE: return OP_BR_UGE;
      case llvm::CmpInst::ICMP_ULT: return OP_BR_ULT;
      case llvm::CmpInst::ICMP_ULE: return OP_BR_ULE;
      case llvm::CmpInst::ICMP_SGT: return w == 32 ? OP_BR_SGT_32 : w == 64 ? OP_BR_SGT_64 : OP_COUNT;
      case llvm::CmpInst::ICMP_SGE: return w == 32 ? OP_BR_SGE_32 : w == 64 ? OP_BR_SGE_64 : OP_COUNT;
      case llvm::CmpInst::ICMP_SLT: return w == 32 ? OP_BR_SLT_32 : w == 64 ? OP_BR_SLT_64 : OP_COUNT;
      case llvm::CmpInst::ICMP_SLE: return w == 32 ? OP_BR_SLE_32 : w == 64 ? OP_BR_SLE_64 : OP_COUNT;
      default: return OP_COUNT;
    }
  }
  switch (p) {
    case llvm::CmpInst::ICMP_EQ: return OP_ICMP_EQ;
    case llvm::CmpInst::ICMP_NE: return OP_ICMP_NE;
    case llvm::CmpInst::ICMP_UGT: return OP_ICMP_UGT;
    case llvm::CmpInst::ICMP_UGE: return OP_ICMP_UGE;
    case llvm::CmpInst::ICMP_ULT: return OP_ICMP_ULT;
    case llvm::CmpInst::ICMP_ULE: return OP_ICMP_ULE;
    case llvm::CmpInst::ICMP_SGT: return sw(OP_ICMP_SGT_32, OP_ICMP_SGT_64, OP_ICMP_SGT_N);
    case llvm::CmpInst::ICMP_SGE: return sw(OP_ICMP_SGE_32, OP_ICMP_SGE_64, OP_ICMP_SGE_N);
    case llvm::CmpInst::ICMP_SLT: return sw(OP_ICMP_SLT_32, OP_ICMP_SLT_64, OP_ICMP_SLT_N);
    case llvm::CmpInst::ICMP_SLE: return sw(OP_ICMP_SLE_32, OP_ICMP_SLE_64, OP_ICMP_SLE_N);
    default: return OP_COUNT;
  }
}

// Fusion rules without translator state (translate_fusion.cpp).
bool fusable_compare(const llvm::BranchInst& br);
const llvm::BranchInst* fused_branch(const llvm::ICmpInst& c);
int splat_lane(const llvm::ShuffleVectorInst& sv);
const llvm::Value* splat_scalar(const llvm::ShuffleVectorInst& sv);
bool slice_of(const llvm::ShuffleVectorInst& sv, int& src, uint32_t& from, uint32_t& k);
const llvm::ShuffleVectorInst* folded_into_splat(const llvm::InsertElementInst& ie);

class Translator {
 public:
  Translator(Machine& m, Function* f) : m_(m), F_(*f->ir), DL_(*m.layout) {}

  Code* run(std::string& error);

 private:
  Machine& m_;
  llvm::Function& F_;
  const llvm::DataLayout& DL_;
  std::unique_ptr<Code> code_ = std::make_unique<Code>();
  llvm::DenseMap<const llvm::Value*, uint32_t> slots_;
  llvm::DenseMap<const llvm::Constant*, uint32_t> const_slots_;
  std::vector<uint8_t> pool_;  // constants, at frame offset kConstBase (grown by doubling)
  uint32_t pool_end_ = 0;      // bytes of pool_ in use
  uint32_t frame_top_ = 0;
  llvm::DenseMap<const llvm::BasicBlock*, uint32_t> block_index_, block_start_;
  // A jump to patch once every block has its first instruction: a field of an instruction,
  // or an entry of a switch table.
  struct Fixup {
    enum Kind : uint8_t { kInst, kSwitchCase, kSwitchDefault };
    Kind kind;
    Field field;  // kInst: which field of insts[inst] holds the target
    uint32_t inst;
    const llvm::BasicBlock* from;
    const llvm::BasicBlock* to;
    uint32_t table, entry;  // switch tables
  };
  std::vector<Fixup> fixups_;
  uint32_t* words_next_ = nullptr;  // free part of code_->call_words
  uint32_t* words_end_ = nullptr;
  const llvm::Instruction* current_ = nullptr;  // for error messages
  bool fma_target_ = false;                     // the function's target features include +fma
  const void* const* labels_ = op_labels();

  // Dominators by block index (translate_dominators.cpp): the one question asked is whether
  // an edge's target dominates its source.
  static constexpr uint32_t kUnreached = ~0u;
  std::vector<const llvm::BasicBlock*> blocks_;  // by index
  std::vector<uint32_t> rpo_;        // position in reverse post-order, kUnreached if unreachable
  std::vector<uint32_t> rpo_order_;  // reachable blocks in reverse post-order
  std::vector<uint32_t> idom_;       // immediate dominator (the entry's is itself)
  void compute_dominators();
  // As DominatorTree::dominates: an unreachable block is dominated by every block and
  // dominates none but itself.
  bool dominates(const llvm::BasicBlock* a, const llvm::BasicBlock* b) {
    uint32_t x = block_index_.lookup(b), y = block_index_.lookup(a);
    if (x == y || rpo_[x] == kUnreached) return true;
    if (rpo_[y] == kUnreached) return false;
    while (rpo_[x] > rpo_[y]) x = idom_[x];
    return x == y;
  }

  // The driver's phases (translate.cpp).
  void size_and_pool_constants();
  void lay_out_parameters();
  void assign_value_slots();
  void translate_blocks();
  Code* finish();

  [[noreturn]] void unsupported(const std::string& what) { throw Unsupported{what}; }

  Inst& emit(Op op) {
    Inst in{};
    in.op = reinterpret_cast<const void*>(static_cast<uintptr_t>(op));
    code_->insts.push_back(in);
    return code_->insts.back();
  }
  uint32_t here() const { return static_cast<uint32_t>(code_->insts.size()); }
  // A scalar of `bytes` from slot a into slot d: MOVZX zero-extends up to 8 bytes; wider ones
  // (i128, x86_fp80, fp128) are copied whole.
  void emit_scalar_copy(uint32_t d, uint32_t a, uint32_t bytes) {
    Inst& in = emit(bytes > 8 ? OP_MOVN : OP_MOVZX);
    in.d = d, in.a = a, in.c = bytes;
  }

  // Bytes a value of type t takes in a frame slot (scalars inline: most calls are for them).
  uint32_t slot_bytes(llvm::Type* t) {
    switch (t->getTypeID()) {
      case llvm::Type::IntegerTyID:
        if (t->getIntegerBitWidth() <= 64) return 8;
        break;
      case llvm::Type::PointerTyID: case llvm::Type::FloatTyID: case llvm::Type::DoubleTyID: return 8;
      case llvm::Type::VoidTyID: return 0;
      default: break;
    }
    return slot_bytes_other(t);
  }
  [[gnu::noinline]] uint32_t slot_bytes_other(llvm::Type* t);
  uint32_t new_slot(uint32_t bytes) {
    uint32_t align = bytes >= 32 ? 32 : bytes >= 16 ? 16 : 8;
    frame_top_ = round_up(frame_top_, align);
    uint32_t off = frame_top_;
    frame_top_ += round_up(bytes, 8);
    return off;
  }

  // The slot of an operand: constants from the pool, everything else from slots_.
  uint32_t val(const llvm::Value* v) {
    if (auto* c = llvm::dyn_cast<llvm::Constant>(v)) return const_slot(c);  // never in slots_
    auto it = slots_.find(v);
    if (it != slots_.end()) return it->second;
    return val_other(v);
  }
  [[gnu::noinline]] uint32_t val_other(const llvm::Value* v);
  // Slot of a constant in the pool: looked up inline (most uses find it), added out of line.
  uint32_t const_slot(const llvm::Constant* c) {
    auto it = const_slots_.find(c);
    return it != const_slots_.end() ? it->second : new_const_slot(c);
  }
  [[gnu::noinline]] uint32_t new_const_slot(const llvm::Constant* c);
  void add_thread_local_constant(const llvm::Constant* c, uint32_t slot);
  void write_frame_constant(const llvm::Constant* c, uint8_t* dst);
  // Argument words of a call site, from the array sized before translation.
  uint32_t* take_words(uint32_t n, Words& w) {
    if (n > uint32_t(words_end_ - words_next_))  // sized too small: a bug
      unsupported("call site (argument words)");
    w.data = words_next_, w.count = n;
    words_next_ += n;
    return words_next_ - n;
  }

  // Instructions by family; d is the instruction's slot (0 if void).
  [[gnu::always_inline]] void translate_inst(const llvm::Instruction& I, uint32_t d);
  void translate_binop(const llvm::Instruction& I, uint32_t d);        // translate_arith.cpp
  void translate_fneg(const llvm::Instruction& I, uint32_t d);
  void translate_icmp(const llvm::ICmpInst& c, uint32_t d);
  void translate_fcmp(const llvm::FCmpInst& c, uint32_t d);
  void translate_select(const llvm::SelectInst& s, uint32_t d);
  void translate_cast(const llvm::Instruction& I, uint32_t d);         // translate_cast.cpp
  void translate_load(const llvm::LoadInst& l, uint32_t d);            // translate_memory.cpp
  void translate_store(const llvm::StoreInst& s);
  void translate_gep(const llvm::GetElementPtrInst& g, uint32_t d);
  void translate_vector_gep(const llvm::GetElementPtrInst& g, uint32_t d);
  bool translate_lane_memory(const llvm::CallBase& call, llvm::Intrinsic::ID id, uint32_t d);
  void translate_alloca(const llvm::AllocaInst& al, uint32_t d);
  void translate_atomic_rmw(const llvm::AtomicRMWInst& rmw, uint32_t d);
  void translate_cmpxchg(const llvm::AtomicCmpXchgInst& cx, uint32_t d);
  void translate_br(const llvm::BranchInst& br);                       // translate_control.cpp
  void translate_switch(const llvm::SwitchInst& sw);
  void translate_indirectbr(const llvm::IndirectBrInst& ib);
  void translate_ret(const llvm::ReturnInst& r);
  void translate_extract_value(const llvm::ExtractValueInst& ev, uint32_t d);  // translate_aggregate.cpp
  void translate_insert_value(const llvm::InsertValueInst& iv, uint32_t d);
  void translate_vector_binop(const llvm::Instruction& I, llvm::FixedVectorType* vt,  // translate_vector.cpp
                              uint32_t d);
  void translate_vector_cast(const llvm::Instruction& I, llvm::FixedVectorType* vt, uint32_t d);
  // A bitcast of <lanes x i1> (a byte a lane) to the bits of type t (an integer, a vector).
  void emit_lanes_to_bits(uint32_t d, uint32_t a, uint32_t lanes, llvm::Type* t);
  void translate_extract_element(const llvm::ExtractElementInst& ee, uint32_t d);
  void translate_insert_element(const llvm::InsertElementInst& ie, uint32_t d);
  void translate_shuffle(const llvm::ShuffleVectorInst& sv, uint32_t d);
  void translate_call(const llvm::CallBase& call, uint32_t d);         // translate_call.cpp
  void translate_invoke(const llvm::InvokeInst& inv, uint32_t d);
  const LandingPad* landing_pad(const llvm::LandingPadInst& lp);
  bool translate_intrinsic(const llvm::CallBase& call, llvm::Intrinsic::ID id, uint32_t d);
  bool translate_x86(const llvm::CallBase& call, uint32_t d);  // llvm.x86.* (translate_x86.cpp)
  void translate_host_call(const llvm::CallBase& call, llvm::Function* callee, uint32_t d);
  void translate_setjmp(const llvm::CallBase& call, llvm::StringRef name, uint32_t d);
  void translate_empty_asm(const llvm::CallBase& call, const std::vector<unsigned>& tied, uint32_t d);
  void place_varargs(const llvm::CallBase& call, CallSite& cs, uint32_t* sizes);

  // Emitters shared by the families.
  void emit_move(uint32_t d, uint32_t s, uint32_t bytes) {
    if (d == s) return;
    Inst& in = emit(bytes == 8 ? OP_MOV8 : bytes == 16 ? OP_MOV16 : bytes == 32 ? OP_MOV32 : OP_MOVN);
    in.d = d, in.a = s, in.c = bytes;
  }
  uint32_t store_bytes(llvm::Type* t);  // DataLayout's store size, scalars without look-ups
  void emit_load(uint32_t dst, uint32_t addr, llvm::Type* t);
  void emit_store(uint32_t addr, uint32_t src, llvm::Type* t);
  void emit_int_binop(unsigned opcode, uint32_t d, uint32_t a, uint32_t b, unsigned w);
  void emit_math(const MathFn* fn, bool two, llvm::Type* t, uint32_t d, uint32_t a, uint32_t b);
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

  // Control flow (translate_control.cpp).
  void branch_to(Inst& in, Field field, const llvm::BasicBlock* from, const llvm::BasicBlock* to) {
    uint32_t inst = static_cast<uint32_t>(&in - code_->insts.data());
    fixups_.push_back({Fixup::kInst, field, inst, from, to, 0, 0});
  }
  uint32_t new_edge(const llvm::BasicBlock* from, const llvm::BasicBlock* to, uint32_t successor) {
    EdgeInfo e{block_index_.lookup(from), block_index_.lookup(to), successor, dominates(to, from)};
    code_->edges.push_back(e);
    return static_cast<uint32_t>(code_->edges.size() - 1);
  }
  struct Move {
    uint32_t d, s, bytes;
  };
  std::vector<Move> phi_moves(const llvm::BasicBlock* from, const llvm::BasicBlock* to);
  void emit_phi_moves(const std::vector<Move>& moves);
  void resolve_jumps();  // edge stubs, fixups, loop probes

  // Fusion and slot sharing (translate_fusion.cpp).
  const llvm::Instruction* emitted_at(const llvm::Instruction* I);
  void read_points(const llvm::Instruction* I, llvm::SmallVectorImpl<const llvm::Instruction*>& out);
  bool folds(const llvm::GetElementPtrInst& g);
  const llvm::Instruction* load_fused_into(const llvm::LoadInst& l);
  int fused_load_operand(const llvm::CallBase& fma);
  bool address_of(const llvm::Value* ptr, Address& a);
  // GEPs decomposed once (decompose_gep), and whether they fold into their users (-1: not
  // known yet).
  struct GepInfo {
    Address a;
    bool decomposed = false;
    int8_t folds = -1;
  };
  llvm::DenseMap<const llvm::GetElementPtrInst*, GepInfo> geps_;
  StrideCache stride_{DL_};
  GepInfo& gep_info(const llvm::GetElementPtrInst& g);  // valid until the next insertion
  llvm::DenseSet<const llvm::ShuffleVectorInst*> aliases_;  // slices that name their source's bytes
  llvm::DenseMap<const llvm::Instruction*, const llvm::PHINode*> coalesce_loop_values();
  void assign_aliases();
};

}  // namespace bf::vm
