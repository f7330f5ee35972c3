// Program::dump_code: a function's pre-decoded code as text, one instruction a line with its
// operands named by the opcode's format (code.h), then the values' slots, the constant pool,
// the counted edges and the loops with their OSR probes. For reading what the translator
// made of a function (what fused, where values live), not for parsing.
#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/DenseSet.h>
#include <llvm/IR/ModuleSlotTracker.h>
#include <llvm/Support/Format.h>
#include <llvm/Support/raw_ostream.h>

#include <mutex>

#include "vm/machine.h"
#include "vm/vecops.h"
#include "vm/x86ops.h"

namespace bf::vm {

namespace {

using llvm::raw_string_ostream;

// Names of the out-of-line kernels an OP_VEC or OP_INTRIN points at ("bin32.fadd.f32").
class KernelNames {
 public:
  KernelNames() {
    static const char* const kinds[] = {"i8", "i16", "i32", "i64", "f32", "f64"};
    static const char* const bins[] = {
        "add", "sub", "mul", "udiv", "sdiv", "urem", "srem", "and", "or", "xor", "shl",
        "lshr", "ashr", "fadd", "fsub", "fmul", "fdiv", "frem", "smin", "smax", "umin",
        "umax", "fminnum", "fmaxnum", "fminimum", "fmaximum", "pow", "copysign", "sadd_sat",
        "uadd_sat", "ssub_sat", "usub_sat"};
    static const char* const uns[] = {
        "fneg", "sqrt", "fabs", "floor", "ceil", "trunc", "round", "rint", "exp", "exp2", "log",
        "log2", "log10", "sin", "cos", "abs", "ctpop", "ctlz", "cttz", "bswap", "roundeven", "tanh"};
    static const char* const reds[] = {"add", "mul", "and", "or", "xor", "smin", "smax", "umin",
                                       "umax", "fadd", "fmul", "fmin", "fmax", "fadd_ordered",
                                       "fmul_ordered"};
    static const char* const casts[] = {"trunc", "zext", "sext", "fptrunc", "fpext", "fptosi",
                                        "fptoui", "sitofp", "uitofp"};
    static_assert(std::size(kinds) == EK_COUNT && std::size(bins) == VB_COUNT &&
                  std::size(uns) == VU_COUNT && std::size(reds) == VR_COUNT && std::size(casts) == VC_COUNT);
    const ExtOps& x = ext_ops();
    for (int k = 0; k < EK_COUNT; k++) {
      std::string kind = kinds[k];
      for (int op = 0; op < VB_COUNT; op++) {
        add(x.bin32[op][k], "bin32." + std::string(bins[op]) + "." + kind);
        add(x.bin16[op][k], "bin16." + std::string(bins[op]) + "." + kind);
        add(x.bin[op][k], "bin." + std::string(bins[op]) + "." + kind);
      }
      for (int op = 0; op < VU_COUNT; op++) add(x.un[op][k], "un." + std::string(uns[op]) + "." + kind);
      for (int op = 0; op < VR_COUNT; op++) add(x.red[op][k], "reduce." + std::string(reds[op]) + "." + kind);
      for (int op = 0; op < VC_COUNT; op++)
        for (int to = 0; to < EK_COUNT; to++)
          add(x.cast[op][k][to], "cast." + std::string(casts[op]) + "." + kind + "." + kinds[to]);
      add(x.icmp[k], "icmp." + kind);
      add(x.fcmp[k], "fcmp." + kind);
      add(x.select[k], "select." + kind);
      add(x.fma32[k], "fma32." + kind);
      add(x.fma16[k], "fma16." + kind);
      add(x.fma[k], "fma." + kind);
      add(x.splat[k], "splat." + kind);
    }
    add(x.fma32_load, "fma32_load");
    add(x.pmaddwd, "pmaddwd");
    add(x.pmaddubsw, "pmaddubsw");
    add(x.psignb, "psignb");
    add(x.vpdpbusd, "vpdpbusd");
    add(x.cvtne2ps2bf16, "cvtne2ps2bf16");
    add(x.dpbf16ps, "dpbf16ps");
    add(x.bits_to_lanes, "bits_to_lanes");
    add(x.lanes_to_bits, "lanes_to_bits");
    for (unsigned i = 0; i < kX86SseKernelCount; i++) add_x86(kX86SseKernels[i]);
    for (unsigned i = 0; i < kX86AvxKernelCount; i++) add_x86(kX86AvxKernels[i]);
    const ScalarOps& s = scalar_ops();
    const std::pair<ExtFn, const char*> scalars[] = {
        {s.smin, "smin"}, {s.smax, "smax"}, {s.umin, "umin"}, {s.umax, "umax"}, {s.abs, "abs"},
        {s.ctpop, "ctpop"}, {s.ctlz, "ctlz"}, {s.cttz, "cttz"}, {s.bswap, "bswap"},
        {s.bitreverse, "bitreverse"}, {s.fshl, "fshl"}, {s.fshr, "fshr"},
        {s.sadd_ov, "sadd_ov"}, {s.uadd_ov, "uadd_ov"}, {s.ssub_ov, "ssub_ov"},
        {s.usub_ov, "usub_ov"}, {s.smul_ov, "smul_ov"}, {s.umul_ov, "umul_ov"},
        {s.sadd_sat, "sadd_sat"}, {s.uadd_sat, "uadd_sat"}, {s.ssub_sat, "ssub_sat"},
        {s.usub_sat, "usub_sat"}, {s.load_relative, "load_relative"},
        {s.is_fpclass, "is_fpclass"}, {s.wide_bin, "wide_bin"}, {s.wide_icmp, "wide_icmp"},
        {s.wide_cast, "wide_cast"}, {s.wide_load, "wide_load"}};
    for (auto [fn, name] : scalars) add(fn, name);
    const MemOps& m = mem_ops();
    const std::pair<ExtFn, const char*> memory[] = {
        {m.masked_load, "masked_load"}, {m.masked_store, "masked_store"}, {m.gather, "gather"},
        {m.scatter, "scatter"}, {m.x86_maskload, "x86_maskload"}, {m.x86_maskstore, "x86_maskstore"},
        {m.vector_gep, "vector_gep"}, {m.cycle_counter, "cycle_counter"},
        {m.frame_address, "frame_address"}, {m.return_address, "return_address"}};
    for (auto [fn, name] : memory) add(fn, name);
  }
  std::string operator()(const void* fn) const {
    auto it = names_.find(fn);
    if (it != names_.end()) return it->second;
    std::string math = math_name(fn);
    return math.empty() ? "?" : math;
  }

 private:
  void add(ExtFn fn, std::string name) {
    if (fn) names_.try_emplace(reinterpret_cast<const void*>(fn), std::move(name));
  }
  void add_x86(const X86Kernel& k) {
    std::string name = std::string("x86.") + k.name;
    add(k.fn, name);
    for (unsigned i = 0; i < k.imm_count; i++) add(k.by_imm[i], name + "." + std::to_string(i));
  }
  llvm::DenseMap<const void*, std::string> names_;
};

std::string slot(uint32_t s) { return "%s" + std::to_string(s); }

class Dumper {
 public:
  Dumper(Machine& m, const Function& f, const Code& code, llvm::raw_ostream& os)
      : m_(m), f_(f), code_(code), os_(os) {
    const void* const* labels = op_labels();
    for (int op = 0; op < OP_COUNT; op++) ops_.try_emplace(labels[op], static_cast<Op>(op));
    // Jump targets, marked in the listing.
    targets_.assign(code.insts.size() + 1, false);
    for (const Inst& in : code.insts)
      for (const Operand& o : kFormats[kOpFormats[op_of(in)]].operands)
        if (o.kind == OperandKind::Jump && in.field(o.field) < targets_.size())
          targets_[in.field(o.field)] = true;
    for (const SwitchTable& st : code.switches) {
      for (uint32_t t : st.targets) targets_[t] = true;
      targets_[st.default_target] = true;
    }
  }

  void run() {
    os_ << "function '" << f_.name << "': " << code_.num_blocks << " blocks, " << code_.insts.size()
        << " instructions, frame " << code_.frame_size << " bytes\n";
    values();
    os_ << "code:\n";
    for (uint32_t i = 0; i < code_.insts.size(); i++) inst(i);
    constants();
    edges();
    loops();
  }

 private:
  Machine& m_;
  const Function& f_;
  const Code& code_;
  llvm::raw_ostream& os_;
  llvm::DenseMap<const void*, Op> ops_;
  std::vector<bool> targets_;
  KernelNames kernels_;

  Op op_of(const Inst& in) const {
    auto it = ops_.find(in.op);
    return it != ops_.end() ? it->second : OP_COUNT;
  }

  // Where each argument and instruction lives (an alias inside another value's slot); a star
  // marks slots no instruction names: values fused into their users, or unused.
  void values() {
    llvm::DenseSet<uint32_t> named;
    for (const Inst& in : code_.insts)
      for (const Operand& o : kFormats[kOpFormats[op_of(in)]].operands)
        if (o.kind == OperandKind::Slot) named.insert(in.field(o.field));
    for (const CallSite& cs : code_.calls) {
      for (size_t k = 0; k < cs.args.size(); k++) named.insert(cs.args[k]);
      if (cs.ret_size) named.insert(cs.ret);
    }
    for (uint32_t s : code_.param_slots) named.insert(s);
    os_ << "values (* not named by any instruction: fused into its users, or unused):\n";
    llvm::ModuleSlotTracker mst(m_.module.get());
    mst.incorporateFunction(*f_.ir);
    size_t i = 0;
    auto one = [&](const llvm::Value& v, const char* what) {
      uint32_t s = i < code_.value_slots.size() ? code_.value_slots[i] : Code::kNoSlot;
      i++;
      if (s == Code::kNoSlot) return;
      std::string name;
      raw_string_ostream ns(name);
      v.printAsOperand(ns, false, mst);
      os_ << "  " << (named.count(s) ? " " : "*") << llvm::left_justify(slot(s), 8) << name << " (" << what
          << ")\n";
    };
    for (const llvm::Argument& a : f_.ir->args()) one(a, "argument");
    for (const llvm::BasicBlock& bb : *f_.ir)
      for (const llvm::Instruction& I : bb) one(I, I.getOpcodeName());
  }

  void inst(uint32_t i) {
    const Inst& in = code_.insts[i];
    Op op = op_of(in);
    os_ << (targets_[i] ? "  > " : "    ") << llvm::right_justify("@" + std::to_string(i), 6) << "  ";
    if (op == OP_COUNT) {
      os_ << "?\n";
      return;
    }
    os_ << llvm::left_justify(kOpNames[op], 14);
    for (const Operand& o : kFormats[kOpFormats[op]].operands) {
      if (o.kind == OperandKind::End) break;
      os_ << " " << o.name << "=";
      operand(in, o);
    }
    os_ << "\n";
  }

  void operand(const Inst& in, const Operand& o) {
    uint32_t v = o.field == Field::Imm || o.field == Field::Ptr ? 0 : in.field(o.field);
    switch (o.kind) {
      case OperandKind::Slot: os_ << slot(v); return;
      case OperandKind::Jump: os_ << "@" << v; return;
      case OperandKind::Edge: case OperandKind::Num: case OperandKind::Loop: os_ << v; return;
      case OperandKind::Imm: os_ << in.imm; return;
      case OperandKind::Fn: os_ << kernels_(in.ptr); return;
      case OperandKind::Mask: {
        const auto* mask = static_cast<const int32_t*>(in.ptr);
        os_ << "<";
        for (uint32_t k = 0; k < in.e; k++) os_ << (k ? "," : "") << mask[k];
        os_ << ">";
        return;
      }
      case OperandKind::Table: {
        os_ << v;
        if (v >= code_.switches.size()) return;
        const SwitchTable& st = code_.switches[v];
        os_ << " [";
        for (size_t k = 0; k < st.values.size(); k++) os_ << st.values[k] << ": @" << st.targets[k] << ", ";
        os_ << "default: @" << st.default_target << "]";
        return;
      }
      case OperandKind::Call: {
        os_ << v;
        if (v < code_.calls.size()) call(code_.calls[v]);
        return;
      }
      case OperandKind::End: return;
    }
  }

  // callee(argument slots) -> result slot
  void call(const CallSite& cs) {
    os_ << " ";
    if (cs.callee)
      os_ << cs.callee->name;
    else if (cs.host_fn)
      os_ << host_name(cs.host_fn);
    else
      os_ << "(indirect)";
    os_ << "(";
    for (size_t k = 0; k < cs.args.size(); k++) os_ << (k ? ", " : "") << slot(cs.args[k]);
    os_ << ")";
    if (cs.ret_size) os_ << " -> " << slot(cs.ret);
  }

  std::string host_name(const void* fn) const {
    for (const llvm::Function& g : *m_.module)
      if (g.isDeclaration())
        if (const Import* imp = find_import(g.getName()); imp && imp->address == fn) return g.getName().str();
    return "?";
  }

  // The pool as 8-byte words at their slots; addresses of globals and functions by name.
  void constants() {
    llvm::DenseMap<uint64_t, const llvm::GlobalValue*> globals;
    for (auto [gv, address] : m_.addresses) globals.try_emplace(reinterpret_cast<uint64_t>(address), gv);
    const std::vector<uint8_t>& pool = code_.constants;
    os_ << "constants: " << pool.size() << " bytes at " << slot(kConstBase) << "\n";
    for (size_t off = 0; off < pool.size(); off += 8) {
      uint64_t w = 0;
      memcpy(&w, pool.data() + off, std::min<size_t>(8, pool.size() - off));
      os_ << "  " << llvm::left_justify(slot(kConstBase + off), 8) << llvm::format_hex(w, 18);
      if (auto it = globals.find(w); w && it != globals.end()) os_ << "  @" << it->second->getName();
      os_ << "\n";
    }
  }

  void edges() {
    os_ << "edges (counter: block -> block):" << (code_.edges.size() > 1 ? "" : " none");
    for (size_t k = 1; k < code_.edges.size(); k++) {
      const EdgeInfo& e = code_.edges[k];
      os_ << (k % 6 == 1 ? "\n  " : "  ") << k << ": " << e.from_block << " -> " << e.to_block
          << (e.back_edge ? " back" : "");
    }
    os_ << "\n";
  }

  void loops() {
    os_ << "loops: " << code_.num_loops << "\n";
    for (uint32_t k = 0; k < code_.num_loops; k++) {
      const LoopEntry& l = code_.loops[k];
      os_ << "  loop " << k << ": header block " << l.header_block << ", probe @" << l.probe
          << (l.armed.load() ? " (armed)" : "") << ", back-edge jumps";
      for (JumpSite s : l.sites) {
        const Inst& in = code_.insts[s.inst];
        const char* name = "?";
        for (const Operand& o : kFormats[kOpFormats[op_of(in)]].operands)
          if (o.kind == OperandKind::Jump && o.field == s.field) name = o.name;
        os_ << " @" << s.inst << "." << name;
      }
      os_ << "\n";
    }
  }
};

}  // namespace

bool Program::dump_code(const std::string& function, std::string& out, std::string& error) {
  Machine& m = *machine_;
  llvm::Function* ir = m.module->getFunction(function);
  if (!ir) {
    error = m.path + ": no function '" + function + "'";
    return false;
  }
  if (ir->isDeclaration()) {
    error = m.path + ": function '" + function + "' is a host import: it has no tier-0 code";
    return false;
  }
  Function* f = m.by_ir.lookup(ir);
  Code* code;
  {
    std::lock_guard<std::mutex> lock(m.translate_mutex);
    code = f->code.load(std::memory_order_acquire);
    if (!code) {
      std::string e;
      code = m.translate(f, e);
      if (!code) {
        error = m.path + ": " + e;
        return false;
      }
      f->code.store(code, std::memory_order_release);
    }
  }
  out.clear();
  raw_string_ostream os(out);
  Dumper(m, *f, *code, os).run();
  return true;
}

}  // namespace bf::vm
