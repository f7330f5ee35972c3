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

namespace llvm {
class Function;
}
typedef struct _ffi_type ffi_type;

namespace bf::vm {

// Opcodes. Suffixes: _32/_64 width-specialised integer ops, _N any width <= 64 (c = width),
// _F32/_F64 floating point. Integer values sit zero-extended in 8-byte slots.
#define BF_VM_OPS(X)                                                                             \
  X(NOP) X(MOV8) X(MOVN) X(MOVZX) X(MOV16) X(MOV32)                                              \
  X(ADD_32) X(ADD_64) X(ADD_N) X(SUB_32) X(SUB_64) X(SUB_N) X(MUL_32) X(MUL_64) X(MUL_N)         \
  X(AND_64) X(OR_64) X(XOR_64) X(SHL_32) X(SHL_64) X(SHL_N) X(LSHR_64) X(ASHR_32) X(ASHR_64)     \
  X(ASHR_N) X(UDIV_64) X(SDIV_32) X(SDIV_64) X(SDIV_N) X(UREM_64) X(SREM_32) X(SREM_64)          \
  X(SREM_N) X(ADDI_32) X(ADDI_64)                                                                \
  X(ICMP_EQ) X(ICMP_NE) X(ICMP_UGT) X(ICMP_UGE) X(ICMP_ULT) X(ICMP_ULE)                          \
  X(ICMP_SGT_32) X(ICMP_SGE_32) X(ICMP_SLT_32) X(ICMP_SLE_32)                                    \
  X(ICMP_SGT_64) X(ICMP_SGE_64) X(ICMP_SLT_64) X(ICMP_SLE_64)                                    \
  X(ICMP_SGT_N) X(ICMP_SGE_N) X(ICMP_SLT_N) X(ICMP_SLE_N)                                        \
  X(BR_EQ) X(BR_NE) X(BR_UGT) X(BR_UGE) X(BR_ULT) X(BR_ULE)                                      \
  X(BR_SGT_32) X(BR_SGE_32) X(BR_SLT_32) X(BR_SLE_32)                                            \
  X(BR_SGT_64) X(BR_SGE_64) X(BR_SLT_64) X(BR_SLE_64)                                            \
  X(FADD_F32) X(FSUB_F32) X(FMUL_F32) X(FDIV_F32) X(FREM_F32) X(FNEG_F32)                        \
  X(FADD_F64) X(FSUB_F64) X(FMUL_F64) X(FDIV_F64) X(FREM_F64) X(FNEG_F64)                        \
  X(FCMP_F32) X(FCMP_F64) X(FMA_F32) X(FMA_F64) X(MATH1_F32) X(MATH1_F64) X(MATH2_F32)           \
  X(MATH2_F64)                                                                                   \
  X(TRUNC_N) X(SEXT_N) X(FPTRUNC) X(FPEXT) X(F32_TO_SI) X(F64_TO_SI) X(F32_TO_UI) X(F64_TO_UI)   \
  X(SI_TO_F32) X(SI_TO_F64) X(UI_TO_F32) X(UI_TO_F64)                                            \
  X(SELECT8) X(SELECTN)                                                                          \
  X(LOAD8) X(LOAD16) X(LOAD32) X(LOAD64) X(LOADN) X(LOADN_ZX) X(LOADV16) X(LOADV32)                  \
  X(LOAD32_OFF) X(LOAD64_OFF) X(LOADV32_OFF) X(LOAD32_IDX) X(LOAD64_IDX) X(LOADV32_IDX)                                           \
  X(STORE8) X(STORE16) X(STORE32) X(STORE64) X(STOREN) X(STOREV16) X(STOREV32)               \
  X(STORE32_OFF) X(STORE64_OFF) X(STOREV32_OFF) X(STORE32_IDX) X(STORE64_IDX) X(STOREV32_IDX)    \
  X(GEP_CONST) X(GEP_IDX64) X(GEP_IDX32) X(GEP_IDXN)                                             \
  X(BR) X(MOVBR8) X(CONDBR) X(SWITCH) X(RET) X(RET_VOID) X(UNREACHABLE)                                    \
  X(CALL) X(CALL_HOST) X(CALL_INDIRECT)                                                          \
  X(ALLOCA) X(STACKSAVE) X(STACKRESTORE) X(VA_START) X(VA_COPY)                                  \
  X(MEMCPY) X(MEMMOVE) X(MEMSET)                                                                 \
  X(VFADD_F32X4) X(VFSUB_F32X4) X(VFMUL_F32X4) X(VFDIV_F32X4)                                   \
  X(VFADD_F32X8) X(VFSUB_F32X8) X(VFMUL_F32X8) X(VFDIV_F32X8)                                   \
  X(VFMA32_LOAD) X(INTRIN) X(VEC) X(SHUFFLE) X(SPLAT) X(EXTRACTELT) X(INSERTELT)                                 \
  X(ATOMIC_RMW) X(CMPXCHG) X(FENCE) X(TRAP) X(OSR_PROBE)

enum Op : uint16_t {
#define BF_VM_OP_ENUM(name) OP_##name,
  BF_VM_OPS(BF_VM_OP_ENUM)
#undef BF_VM_OP_ENUM
  OP_COUNT
};

// One instruction: 40 bytes. d is usually the destination slot, a/b/c operands, e/f counts,
// counter indices or element sizes; imm/ptr a 64-bit immediate, a function or a side table.
struct Inst {
  const void* op;
  union {
    int64_t imm;
    const void* ptr;
  };
  uint32_t d, a, b, c, e, f;
};
static_assert(sizeof(Inst) == 40);

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

// Calls into interpreted code: argument slots in the caller, destination of the result.
struct CallSite {
  Function* callee = nullptr;      // direct calls; null for indirect ones
  Words args;                      // caller slots
  Words arg_sizes;                 // bytes each argument occupies (not for host calls)
  uint32_t ret = 0, ret_size = 0;  // caller destination, bytes (0 = void)
  uint32_t fixed_args = 0;         // for varargs callees: arguments before the '...'
  // Host calls (direct imports, or indirect calls that land on host code).
  void* host_fn = nullptr;
  struct HostCif* cif = nullptr;
};

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
  std::vector<std::pair<uint32_t, uint8_t>> sites;  // jumps to patch: instruction, field (0 d, 1 b, 2 c)
  std::atomic<bool> armed{false};
  std::atomic<uint64_t> stale{0};
  std::atomic<void*> osr_entry{nullptr};
  std::atomic<bool> osr_failed{false};  // the JIT will not compile one
};

struct Code {
  std::vector<Inst> insts;
  std::vector<uint8_t> constants;      // copied to frame[const_base ...] at entry
  uint32_t const_base = 0;
  uint32_t frame_size = 0;             // bytes, multiple of 32
  uint32_t ret_size = 0;
  std::vector<uint32_t> param_slots, param_sizes;
  std::vector<uint8_t> param_byval;     // byval parameters: bytes to copy (0 = not byval)
  std::vector<uint32_t> param_byval_align;
  bool params_plain = true;            // every parameter an 8-byte slot, none by value
  std::vector<CallSite> calls;
  // Argument slots and sizes of every call site, one allocation for the whole function (sized
  // before translation, so the sites' pointers into it stay valid).
  std::unique_ptr<uint32_t[]> call_words;
  std::vector<SwitchTable> switches;
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
};

// Points the back-edges of every loop of `code` at their probes (idempotent, thread-safe; the
// interpreter may be running the code).
void arm_loop_probes(Code& code);

// The function table: one slot per defined function. `entry` is the stable native address the
// program sees for the function (a libffi closure that enters the interpreter); the JIT tiers
// will swap `compiled` to move calls onto native code without changing that address.
struct Function {
  llvm::Function* ir = nullptr;
  std::string name;
  uint32_t index = 0;
  std::atomic<Code*> code{nullptr};     // tier-0 code, translated on first call
  // A JIT tier's adapter, void(void** args, void* ret), once the function is compiled: the
  // interpreter and the entry closure call it instead of interpreting (see src/jit).
  std::atomic<void*> compiled{nullptr};
  void* entry = nullptr;                // native address of the function (closure)
  void* closure = nullptr;
  struct HostCif* entry_cif = nullptr;
  bool is_vararg = false;
  // Profile, kept beside the code.
  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> inclusive_tsc{0}, exclusive_tsc{0};
};

}  // namespace bf::vm
