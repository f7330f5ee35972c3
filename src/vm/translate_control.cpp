// Translation of control flow: branches (a compare fuses into the branch after it), switches,
// returns; then, once every block has its first instruction, the jumps: phis become moves on
// the edges into their block (edge stubs), jump fields get their targets, and every loop
// header entered by back-edges gets its OSR probe (LoopEntry).
#include <llvm/ADT/MapVector.h>
#include <llvm/ADT/SmallPtrSet.h>

#include <algorithm>

#include "vm/translator.h"

namespace bf::vm {

using namespace llvm;

void Translator::translate_br(const BranchInst& br) {
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
}

namespace {

// Gives `st` a jump table when its values span fewer than max_span numbers.
void index_densely(SwitchTable& st, uint64_t max_span) {
  if (st.values.empty()) return;
  uint64_t lo = *std::min_element(st.values.begin(), st.values.end());
  uint64_t hi = *std::max_element(st.values.begin(), st.values.end());
  if (hi - lo >= max_span) return;
  st.dense_min = lo;
  st.dense.assign(hi - lo + 1, -1);
  for (size_t i = 0; i < st.values.size(); i++) st.dense[st.values[i] - lo] = static_cast<int32_t>(i);
}

}  // namespace

void Translator::translate_switch(const SwitchInst& sw) {
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
  index_densely(st, std::min<uint64_t>(4096, 4 * st.values.size() + 8));
  Inst& in = emit(OP_SWITCH);
  in.a = val(sw.getCondition()), in.b = table;
  fixups_.push_back({Fixup::kSwitchDefault, Field::D, 0, bb, sw.getDefaultDest(), table, 0});
  unsigned i = 0;
  for (auto& c : sw.cases())
    fixups_.push_back({Fixup::kSwitchCase, Field::D, 0, bb, c.getCaseSuccessor(), table, i++});
}

// A computed goto: a switch over the destinations' block addresses (Machine::block_tokens),
// which lie within one allocation per function, so the table is dense. An address that is
// none of them (undefined behaviour) reaches an `unreachable` that names the function. The
// default's counter is a second record of the first destination's edge that nothing counts
// but that error, so that every edge of the profile is one of the module's.
void Translator::translate_indirectbr(const IndirectBrInst& ib) {
  const BasicBlock* bb = ib.getParent();
  if (ib.getNumDestinations() == 0) {
    emit(OP_UNREACHABLE);
    return;
  }
  uint8_t* tokens = m_.block_tokens(m_.by_ir.lookup(&F_)->index, code_->num_blocks);
  uint32_t table = code_->switches.size();
  code_->switches.emplace_back();
  SwitchTable& st = code_->switches.back();
  st.counter_base = new_edge(bb, ib.getDestination(0), 0);
  SmallPtrSet<const BasicBlock*, 16> seen;
  for (unsigned i = 0; i < ib.getNumDestinations(); i++) {
    const BasicBlock* to = ib.getDestination(i);
    if (!seen.insert(to).second) continue;
    st.values.push_back(reinterpret_cast<uint64_t>(tokens + block_index_.lookup(to)));
    st.targets.push_back(0);
    new_edge(bb, to, i);
    fixups_.push_back({Fixup::kSwitchCase, Field::D, 0, bb, to, table, uint32_t(st.values.size() - 1)});
  }
  index_densely(st, uint64_t(code_->num_blocks) + 1);
  Inst& in = emit(OP_SWITCH);
  in.a = val(ib.getAddress()), in.b = table;
  st.default_target = here();
  emit(OP_UNREACHABLE);
}

void Translator::translate_ret(const ReturnInst& r) {
  if (!r.getReturnValue()) {
    emit(OP_RET_VOID);
    return;
  }
  Inst& in = emit(OP_RET);
  in.a = val(r.getReturnValue()), in.c = slot_bytes(r.getReturnValue()->getType());
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

void Translator::resolve_jumps() {
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
}

}  // namespace bf::vm
