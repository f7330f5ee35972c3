// Pre-decoded code of tier 0: what a function becomes on its first call. Every SSA value lives
// in a frame slot (a byte offset from the frame pointer); constants are copied into the frame
// at entry so that every operand is a slot; instructions are fixed-width and dispatched by
// direct threading (each holds its handler's address).
#pragma once

#include <atomic>
#include <memory>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "vm/frame.h"
#include "vm/function_table.h"

namespace llvm {
class Function;
}
typedef struct _ffi_type ffi_type;

namespace bf::vm {

// Operand formats: what the fields of an Inst mean for an opcode. Each format lists the fields
// it uses, in the order the dump (Program::dump_code) prints them, and what each holds:
//   SLOT(x)      a frame slot (byte offset from the frame pointer), printed %sN
//   JUMP(x, n)   a jump target: an instruction index in the same function, printed @N
//   EDGE(x)      an edge counter (Code::counters); a two-way jump counts x or x + 1
//   NUM(x, n)    a width in bits, a size in bytes, a predicate, a count
//   IMM(n)       the 64-bit immediate (an offset, an element size)
//   CALL(x)      an index into Code::calls
//   TABLE(x)     an index into Code::switches
//   LOOP(x)      an index into Code::loops
//   FN(n)        ptr: a function (libm's, or an out-of-line kernel of vecops.h)
//   MASK(n)      ptr: the shuffle mask, e lanes (in Code::aux)
#define BF_VM_FORMATS(X)                                                                         \
  X(NONE)                                                                                        \
  X(D, SLOT(d))                                                                                  \
  X(A, SLOT(a))                                                                                  \
  X(A_B, SLOT(a), SLOT(b))                                                                       \
  X(A_B_C, SLOT(a), SLOT(b), SLOT(c))                                                            \
  X(A_B_BYTES, SLOT(a), SLOT(b), NUM(c, bytes))                                                  \
  X(A_B_IMM, SLOT(a), SLOT(b), IMM(off))                                                         \
  X(A_B_C_SCALE_IMM, SLOT(a), SLOT(b), SLOT(c), NUM(e, scale), IMM(off))                         \
  X(A_BYTES, SLOT(a), NUM(c, bytes))                                                             \
  X(D_A, SLOT(d), SLOT(a))                                                                       \
  X(D_A_BYTES, SLOT(d), SLOT(a), NUM(c, bytes))                                                  \
  X(D_A_WIDTH, SLOT(d), SLOT(a), NUM(c, width))                                                  \
  X(D_A_FROM_WIDTH, SLOT(d), SLOT(a), NUM(b, from), NUM(c, width))                               \
  X(D_A_IMM, SLOT(d), SLOT(a), IMM(imm))                                                         \
  X(D_A_FN, SLOT(d), SLOT(a), FN(fn))                                                            \
  X(D_A_B, SLOT(d), SLOT(a), SLOT(b))                                                            \
  X(D_A_B_WIDTH, SLOT(d), SLOT(a), SLOT(b), NUM(c, width))                                       \
  X(D_A_B_PRED, SLOT(d), SLOT(a), SLOT(b), NUM(c, pred))                                         \
  X(D_A_B_FN, SLOT(d), SLOT(a), SLOT(b), FN(fn))                                                 \
  X(D_A_B_C, SLOT(d), SLOT(a), SLOT(b), SLOT(c))                                                 \
  X(D_A_B_C_BYTES, SLOT(d), SLOT(a), SLOT(b), SLOT(c), NUM(e, bytes))                            \
  X(D_A_B_SCALE_IMM, SLOT(d), SLOT(a), SLOT(b), NUM(e, scale), IMM(off))                         \
  X(D_A_B_WIDTH_SCALE_IMM, SLOT(d), SLOT(a), SLOT(b), NUM(c, width), NUM(e, scale), IMM(off))    \
  X(D_A_ALIGN_SIZE, SLOT(d), SLOT(a), NUM(c, align), IMM(size))                                  \
  X(D_A_ELEM_LANES, SLOT(d), SLOT(a), NUM(c, elem), NUM(e, lanes))                               \
  X(D_A_B_ELEM_LANES, SLOT(d), SLOT(a), SLOT(b), NUM(c, elem), NUM(e, lanes))                    \
  X(D_A_B_BYTES_OP, SLOT(d), SLOT(a), SLOT(b), NUM(c, bytes), NUM(e, op))                        \
  X(D_A_B_C_BYTES_FLAG, SLOT(d), SLOT(a), SLOT(b), SLOT(c), NUM(e, bytes), NUM(f, flag))         \
  X(FMA_LOAD, SLOT(d), SLOT(a), SLOT(b), NUM(e, scale), IMM(off), SLOT(c), SLOT(f))              \
  X(SHUFFLE, SLOT(d), SLOT(a), SLOT(b), NUM(c, elem), NUM(e, lanes), NUM(f, in), MASK(mask))     \
  X(KERNEL, FN(fn), SLOT(d), SLOT(a), SLOT(b), NUM(c, c), NUM(e, e), NUM(f, f))                  \
  X(JUMP, JUMP(d, to), EDGE(e))                                                                  \
  X(JUMP_A_B, JUMP(d, to), SLOT(a), SLOT(b))                                                     \
  X(A_THEN_ELSE, SLOT(a), JUMP(d, then), JUMP(b, else), EDGE(e))                                 \
  X(A_B_THEN_ELSE, SLOT(a), SLOT(b), JUMP(d, then), JUMP(c, else), EDGE(e))                      \
  X(A_TABLE, SLOT(a), TABLE(b))                                                                  \
  X(CALL, CALL(a))                                                                               \
  X(INVOKE, CALL(a), SLOT(b), JUMP(d, normal), JUMP(c, unwind), EDGE(e))                         \
  X(CALL_B, CALL(a), SLOT(b))                                                                    \
  X(PROBE, LOOP(a), JUMP(d, to))

// Opcodes and their formats. Suffixes: _32/_64 width-specialised integer ops, _N any width
// <= 64 (c = width), _F32/_F64 floating point. Integer values sit zero-extended in 8-byte
// slots. SELECT8/SELECTN: d = c ? a : b; MOVBR8: a = b, then jump; a two-way jump goes to
// `then` or `else`; INTRIN and VEC call their kernel (vecops.h), which reads c, e and f as
// its own (widths, counts, predicates; a select's or fma's third slot).
#define BF_VM_OPS(X)                                                                             \
  X(NOP, NONE) X(MOV8, D_A) X(MOVN, D_A_BYTES) X(MOVZX, D_A_BYTES) X(MOV16, D_A) X(MOV32, D_A)   \
  X(ADD_32, D_A_B) X(ADD_64, D_A_B) X(ADD_N, D_A_B_WIDTH)                                        \
  X(SUB_32, D_A_B) X(SUB_64, D_A_B) X(SUB_N, D_A_B_WIDTH)                                        \
  X(MUL_32, D_A_B) X(MUL_64, D_A_B) X(MUL_N, D_A_B_WIDTH)                                        \
  X(AND_64, D_A_B) X(OR_64, D_A_B) X(XOR_64, D_A_B)                                              \
  X(SHL_32, D_A_B) X(SHL_64, D_A_B) X(SHL_N, D_A_B_WIDTH) X(LSHR_64, D_A_B)                      \
  X(ASHR_32, D_A_B) X(ASHR_64, D_A_B) X(ASHR_N, D_A_B_WIDTH)                                     \
  X(UDIV_64, D_A_B) X(SDIV_32, D_A_B) X(SDIV_64, D_A_B) X(SDIV_N, D_A_B_WIDTH)                   \
  X(UREM_64, D_A_B) X(SREM_32, D_A_B) X(SREM_64, D_A_B) X(SREM_N, D_A_B_WIDTH)                   \
  X(ADDI_32, D_A_IMM) X(ADDI_64, D_A_IMM)                                                        \
  X(ICMP_EQ, D_A_B) X(ICMP_NE, D_A_B) X(ICMP_UGT, D_A_B) X(ICMP_UGE, D_A_B)                      \
  X(ICMP_ULT, D_A_B) X(ICMP_ULE, D_A_B)                                                          \
  X(ICMP_SGT_32, D_A_B) X(ICMP_SGE_32, D_A_B) X(ICMP_SLT_32, D_A_B) X(ICMP_SLE_32, D_A_B)        \
  X(ICMP_SGT_64, D_A_B) X(ICMP_SGE_64, D_A_B) X(ICMP_SLT_64, D_A_B) X(ICMP_SLE_64, D_A_B)        \
  X(ICMP_SGT_N, D_A_B_WIDTH) X(ICMP_SGE_N, D_A_B_WIDTH) X(ICMP_SLT_N, D_A_B_WIDTH)               \
  X(ICMP_SLE_N, D_A_B_WIDTH)                                                                     \
  X(BR_EQ, A_B_THEN_ELSE) X(BR_NE, A_B_THEN_ELSE) X(BR_UGT, A_B_THEN_ELSE)                       \
  X(BR_UGE, A_B_THEN_ELSE) X(BR_ULT, A_B_THEN_ELSE) X(BR_ULE, A_B_THEN_ELSE)                     \
  X(BR_SGT_32, A_B_THEN_ELSE) X(BR_SGE_32, A_B_THEN_ELSE) X(BR_SLT_32, A_B_THEN_ELSE)            \
  X(BR_SLE_32, A_B_THEN_ELSE) X(BR_SGT_64, A_B_THEN_ELSE) X(BR_SGE_64, A_B_THEN_ELSE)            \
  X(BR_SLT_64, A_B_THEN_ELSE) X(BR_SLE_64, A_B_THEN_ELSE)                                        \
  X(FADD_F32, D_A_B) X(FSUB_F32, D_A_B) X(FMUL_F32, D_A_B) X(FDIV_F32, D_A_B) X(FREM_F32, D_A_B) \
  X(FNEG_F32, D_A)                                                                               \
  X(FADD_F64, D_A_B) X(FSUB_F64, D_A_B) X(FMUL_F64, D_A_B) X(FDIV_F64, D_A_B) X(FREM_F64, D_A_B) \
  X(FNEG_F64, D_A)                                                                               \
  X(FCMP_F32, D_A_B_PRED) X(FCMP_F64, D_A_B_PRED) X(FMA_F32, D_A_B_C) X(FMA_F64, D_A_B_C)        \
  X(MATH1_F32, D_A_FN) X(MATH1_F64, D_A_FN) X(MATH2_F32, D_A_B_FN) X(MATH2_F64, D_A_B_FN)        \
  X(TRUNC_N, D_A_WIDTH) X(SEXT_N, D_A_FROM_WIDTH) X(FPTRUNC, D_A) X(FPEXT, D_A)                  \
  X(F32_TO_SI, D_A_WIDTH) X(F64_TO_SI, D_A_WIDTH) X(F32_TO_UI, D_A_WIDTH)                        \
  X(F64_TO_UI, D_A_WIDTH) X(SI_TO_F32, D_A_WIDTH) X(SI_TO_F64, D_A_WIDTH) X(UI_TO_F32, D_A)      \
  X(UI_TO_F64, D_A)                                                                              \
  X(SELECT8, D_A_B_C) X(SELECTN, D_A_B_C_BYTES)                                                  \
  X(LOAD8, D_A) X(LOAD16, D_A) X(LOAD32, D_A) X(LOAD64, D_A) X(LOADN, D_A_BYTES)                 \
  X(LOADN_ZX, D_A_BYTES) X(LOADV16, D_A) X(LOADV32, D_A)                                         \
  X(LOAD32_OFF, D_A_IMM) X(LOAD64_OFF, D_A_IMM) X(LOADV32_OFF, D_A_IMM)                          \
  X(LOAD32_IDX, D_A_B_SCALE_IMM) X(LOAD64_IDX, D_A_B_SCALE_IMM) X(LOADV32_IDX, D_A_B_SCALE_IMM)  \
  X(STORE8, A_B) X(STORE16, A_B) X(STORE32, A_B) X(STORE64, A_B) X(STOREN, A_B_BYTES)            \
  X(STOREV16, A_B) X(STOREV32, A_B)                                                              \
  X(STORE32_OFF, A_B_IMM) X(STORE64_OFF, A_B_IMM) X(STOREV32_OFF, A_B_IMM)                       \
  X(STORE32_IDX, A_B_C_SCALE_IMM) X(STORE64_IDX, A_B_C_SCALE_IMM)                                \
  X(STOREV32_IDX, A_B_C_SCALE_IMM)                                                               \
  X(GEP_CONST, D_A_IMM) X(GEP_IDX64, D_A_B_SCALE_IMM) X(GEP_IDX32, D_A_B_SCALE_IMM)              \
  X(GEP_IDXN, D_A_B_WIDTH_SCALE_IMM)                                                             \
  X(BR, JUMP) X(MOVBR8, JUMP_A_B) X(CONDBR, A_THEN_ELSE) X(SWITCH, A_TABLE) X(RET, A_BYTES)      \
  X(RET_VOID, NONE) X(UNREACHABLE, NONE)                                                         \
  X(CALL, CALL) X(CALL_HOST, CALL) X(CALL_INDIRECT, CALL_B) X(INVOKE, INVOKE) X(RESUME, A)        \
  X(ALLOCA, D_A_ALIGN_SIZE) X(STACKSAVE, D) X(STACKRESTORE, A) X(VA_START, A) X(VA_COPY, A_B)    \
  X(MEMCPY, A_B_C) X(MEMMOVE, A_B_C) X(MEMSET, A_B_C)                                            \
  X(VFADD_F32X4, D_A_B) X(VFSUB_F32X4, D_A_B) X(VFMUL_F32X4, D_A_B) X(VFDIV_F32X4, D_A_B)        \
  X(VFADD_F32X8, D_A_B) X(VFSUB_F32X8, D_A_B) X(VFMUL_F32X8, D_A_B) X(VFDIV_F32X8, D_A_B)        \
  X(VFMA32_LOAD, FMA_LOAD) X(INTRIN, KERNEL) X(VEC, KERNEL) X(SHUFFLE, SHUFFLE)                  \
  X(SPLAT, D_A_ELEM_LANES) X(EXTRACTELT, D_A_B_ELEM_LANES) X(INSERTELT, D_A_B_ELEM_LANES)        \
  X(ATOMIC_RMW, D_A_B_BYTES_OP) X(CMPXCHG, D_A_B_C_BYTES_FLAG) X(FENCE, NONE) X(TRAP, NONE) X(SETJMP, D_A_B)      \
  X(OSR_PROBE, PROBE)

enum Op : uint16_t {
#define BF_VM_OP_ENUM(name, format) OP_##name,
  BF_VM_OPS(BF_VM_OP_ENUM)
#undef BF_VM_OP_ENUM
  OP_COUNT
};

enum Format : uint8_t {
#define BF_VM_FORMAT_ENUM(name, ...) FMT_##name,
  BF_VM_FORMATS(BF_VM_FORMAT_ENUM)
#undef BF_VM_FORMAT_ENUM
  FMT_COUNT
};

// The fields of an Inst by name.
enum class Field : uint8_t { D, A, B, C, E, F, Imm, Ptr };

// One instruction: 40 bytes. d is usually the destination slot, a/b/c operands, e/f counts,
// counter indices or element sizes; imm/ptr a 64-bit immediate, a function or a side table.
// What they mean for an opcode is its format's (BF_VM_OPS).
struct Inst {
  const void* op;
  union {
    int64_t imm;
    const void* ptr;
  };
  uint32_t d, a, b, c, e, f;

  // A 32-bit field by name (jump fixups, loop probe sites, the dump).
  uint32_t& field(Field which) {
    switch (which) {
      case Field::D: return d;
      case Field::A: return a;
      case Field::B: return b;
      case Field::C: return c;
      case Field::E: return e;
      default: return f;
    }
  }
  uint32_t field(Field which) const { return const_cast<Inst*>(this)->field(which); }
};
static_assert(sizeof(Inst) == 40);

// The formats as data, for the dump and the tests.
enum class OperandKind : uint8_t { End, Slot, Jump, Edge, Num, Imm, Call, Table, Loop, Fn, Mask };
struct Operand {
  Field field = Field::D;
  OperandKind kind = OperandKind::End;
  const char* name = nullptr;
};
struct OperandFormat {
  const char* name;
  Operand operands[8];  // up to OperandKind::End
};
namespace format_detail {
constexpr Field d = Field::D, a = Field::A, b = Field::B, c = Field::C, e = Field::E, f = Field::F;
#define SLOT(x) Operand{format_detail::x, OperandKind::Slot, #x}
#define JUMP(x, n) Operand{format_detail::x, OperandKind::Jump, #n}
#define EDGE(x) Operand{format_detail::x, OperandKind::Edge, "edge"}
#define NUM(x, n) Operand{format_detail::x, OperandKind::Num, #n}
#define IMM(n) Operand{Field::Imm, OperandKind::Imm, #n}
#define CALL(x) Operand{format_detail::x, OperandKind::Call, "call"}
#define TABLE(x) Operand{format_detail::x, OperandKind::Table, "table"}
#define LOOP(x) Operand{format_detail::x, OperandKind::Loop, "loop"}
#define FN(n) Operand{Field::Ptr, OperandKind::Fn, #n}
#define MASK(n) Operand{Field::Ptr, OperandKind::Mask, #n}
#define BF_VM_FORMAT_ROW(name, ...) OperandFormat{#name, {__VA_ARGS__}},
inline constexpr OperandFormat kFormats[FMT_COUNT] = {BF_VM_FORMATS(BF_VM_FORMAT_ROW)};
#undef BF_VM_FORMAT_ROW
#undef SLOT
#undef JUMP
#undef EDGE
#undef NUM
#undef IMM
#undef CALL
#undef TABLE
#undef LOOP
#undef FN
#undef MASK
}  // namespace format_detail
using format_detail::kFormats;

#define BF_VM_OP_NAME(name, format) #name,
inline constexpr const char* kOpNames[OP_COUNT] = {BF_VM_OPS(BF_VM_OP_NAME)};
#undef BF_VM_OP_NAME
#define BF_VM_OP_FORMAT(name, format) FMT_##format,
inline constexpr Format kOpFormats[OP_COUNT] = {BF_VM_OPS(BF_VM_OP_FORMAT)};
#undef BF_VM_OP_FORMAT

// A jump field of an instruction: where a loop's back-edge jumps, for its OSR probe.
struct JumpSite {
  uint32_t inst;
  Field field;
};

struct Function;
struct Code;

// A vector or rare scalar operation implemented out of line: fn(frame, inst).
using ExtFn = void (*)(uint8_t* fp, const Inst* in);

// A run of 32-bit words in Code::call_words (argument slots or sizes of one call site).
struct Words {
  const uint32_t* data = nullptr;
  uint32_t count = 0;
  size_t size() const { return count; }
  uint32_t operator[](size_t i) const { return data[i]; }
};

// The clauses of a landing pad, which the interpreter's personality routine (exceptions.cpp)
// matches a C++ exception against: catch clauses (one type_info each; null catches anything)
// and filters (a list of type_infos: a match if the exception is of none of them).
struct LandingPad {
  struct Clause {
    bool filter = false;
    std::vector<const void*> types;
    int64_t selector = 0;  // what the landing pad's selector is when this clause matches
  };
  std::vector<Clause> clauses;
  bool cleanup = false;
};

// Calls into interpreted code: argument slots in the caller, destination of the result.
struct CallSite {
  Function* callee = nullptr;      // direct calls; null for indirect ones
  Words args;                      // caller slots
  Words arg_sizes;                 // bytes each argument occupies (not for host calls); a
                                   // variadic by-value aggregate's carries kVarargByval
  uint32_t ret = 0, ret_size = 0;  // caller destination, bytes (0 = void)
  uint32_t fixed_args = 0;         // for varargs callees: arguments before the '...'
  // Calls of a variadic function type: where each argument after the fixed ones goes in the
  // callee's variadic area (frame.h), the area's size, and va_start's initial offsets.
  std::vector<uint32_t> vararg_dest;
  uint32_t vararg_bytes = kVaOverflow, vararg_gp = 48, vararg_fp = 176;  // none: all exhausted
  // Invokes: how the call is made (OP_CALL, OP_CALL_HOST or OP_CALL_INDIRECT), the landing
  // pad's clauses and its slot ({ptr exception, i32 selector}).
  uint16_t kind = 0;
  const LandingPad* landing = nullptr;
  uint32_t landing_slot = 0;
  // Host calls (direct imports, or indirect calls that land on host code).
  void* host_fn = nullptr;
  struct HostCif* cif = nullptr;
};

// Flag in CallSite::arg_sizes of a variadic argument: the slot holds a pointer to the bytes
// (a by-value aggregate).
constexpr uint32_t kVarargByval = 1u << 31;
constexpr uint32_t kVarargSizeMask = kVarargByval - 1;

struct SwitchTable {
  std::vector<uint64_t> values;
  std::vector<uint32_t> targets;   // instruction indices, parallel to values
  uint32_t default_target = 0;
  uint32_t counter_base = 0;       // counters: default, then one per case
  // Dense case values: case index of value dense_min + k at dense[k] (-1: default), so the
  // dispatch indexes instead of searching. Empty when the values are too spread out.
  uint64_t dense_min = 0;
  std::vector<int32_t> dense;
};

// A branch edge whose execution count the profile keeps.
struct EdgeInfo {
  uint32_t from_block, to_block;
  uint32_t successor;  // index among the terminator's successors
  bool back_edge;
};

// A loop header entered by back-edges, for on-stack replacement. Its probe instruction is
// reached only once the JIT arms it (after the function's tier-up) by pointing the back-edge
// jumps (sites) at it: until then loops pay nothing. Armed, the probe counts the iterations
// that interpreted activations still run (`stale`), and once the JIT has compiled a
// continuation of the function from this header (`osr_entry`, void(uint8_t* frame): it reads
// the live values from the frame's slots and leaves the result at frame[0]), it moves the
// activation onto it.
struct LoopEntry {
  uint32_t header_block = 0;
  uint32_t probe = 0;                               // index of its OP_OSR_PROBE
  std::vector<JumpSite> sites;                      // back-edge jumps to point at the probe
  std::atomic<bool> armed{false};
  std::atomic<uint64_t> stale{0};
  std::atomic<void*> osr_entry{nullptr};
  std::atomic<bool> osr_failed{false};  // the JIT will not compile one
};

struct Code {
  std::vector<Inst> insts;
  std::vector<uint8_t> constants;      // copied to frame[kConstBase ...] at entry (frame.h)
  uint32_t frame_size = 0;             // bytes, multiple of 32
  uint32_t ret_size = 0;
  std::vector<uint32_t> param_slots, param_sizes;
  std::vector<uint32_t> param_byval;    // byval parameters: bytes to copy (0 = not byval)
  std::vector<uint32_t> param_byval_align;
  bool params_plain = true;            // every parameter an 8-byte slot, none by value
  std::vector<CallSite> calls;
  // Argument slots and sizes of every call site, one allocation for the whole function (sized
  // before translation, so the sites' pointers into it stay valid).
  std::unique_ptr<uint32_t[]> call_words;
  std::vector<SwitchTable> switches;
  std::vector<std::unique_ptr<LandingPad>> landing_pads;
  std::vector<int32_t> aux;            // shuffle masks and other side data
  std::vector<EdgeInfo> edges;
  std::unique_ptr<std::atomic<uint64_t>[]> counters; // one per edge
  uint32_t num_blocks = 0;
  std::unique_ptr<LoopEntry[]> loops;
  uint32_t num_loops = 0;
  // Frame slot of every argument, then of every instruction in function order (kNoSlot for
  // void ones): where a compiled continuation finds the values live at a loop header. A value
  // used outside its own block is always in its slot (fusion folds only values whose uses are
  // all in their own block).
  std::vector<uint32_t> value_slots;
  static constexpr uint32_t kNoSlot = ~0u;
  // Constants that name a thread-local global (plus a constant offset): written at every entry
  // after the pool, with the running thread's copy (thread_local_address of the control block).
  struct ThreadLocalConstant {
    uint32_t slot;
    void* control;
    uint64_t offset;
  };
  std::vector<ThreadLocalConstant> thread_locals;
};

// Writes the running thread's addresses of code's thread-local constants into frame fp.
void write_thread_locals(const Code& code, uint8_t* fp);

// Points the back-edges of every loop of `code` at their probes (idempotent, thread-safe; the
// interpreter may be running the code).
void arm_loop_probes(Code& code);

// A defined function of the running module: its IR, its tier-0 code, its slot in the
// function table (vm/function_table.h) and its profile counters.
struct Function {
  llvm::Function* ir = nullptr;
  std::string name;
  uint32_t index = 0;
  std::atomic<Code*> code{nullptr};     // tier-0 code, translated on first call
  Slot slot;                            // where callers find it now
  void* closure = nullptr;              // libffi closure behind the entry (null: none)
  struct HostCif* entry_cif = nullptr;
  bool is_vararg = false;
  // Profile, kept beside the code.
  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> closure_entries{0};  // host calls that came in through the closure (libffi)
  std::atomic<uint64_t> inclusive_tsc{0}, exclusive_tsc{0};
};

}  // namespace bf::vm
