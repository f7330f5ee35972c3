// Program::dump_code, and the operand formats it prints by (code.h): a hand-written input shows
// its fused instructions; errors name the file and the problem; every field of every
// instruction of real programs is what its format says (slots inside the frame, jumps inside
// the code, indices inside their tables).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "vm/machine.h"
#include "vm/vm.h"

namespace {

std::string input(const std::string& name) { return std::string(BF_VM_TEST_INPUTS) + "/" + name; }

// The line of `text` that contains `what`, or "".
std::string line_with(const std::string& text, const std::string& what) {
  size_t at = text.find(what);
  if (at == std::string::npos) return "";
  size_t begin = text.rfind('\n', at) + 1, end = text.find('\n', at);
  return text.substr(begin, end - begin);
}

std::unique_ptr<bf::vm::Program> load(const std::string& path) {
  std::string error;
  auto p = bf::vm::Program::load(path, error);
  EXPECT_NE(p, nullptr) << error;
  return p;
}

TEST(DumpCode, ShowsOpcodesOperandsAndFusedInstructions) {
  auto p = load(input("dump.bc"));
  ASSERT_NE(p, nullptr);
  std::string out, error;
  ASSERT_TRUE(p->dump_code("sum_array", out, error)) << error;
  EXPECT_NE(out.find("function 'sum_array'"), std::string::npos) << out;
  // The GEP folds into the load, the compare into the branch; x + 1 takes an immediate.
  EXPECT_NE(out.find("LOAD32_IDX"), std::string::npos) << out;
  EXPECT_NE(out.find("scale=4"), std::string::npos) << out;
  EXPECT_NE(out.find("BR_SLT_64"), std::string::npos) << out;
  EXPECT_NE(out.find("ADDI_64"), std::string::npos) << out;
  EXPECT_NE(out.find("imm=1"), std::string::npos) << out;
  EXPECT_EQ(out.find("GEP_"), std::string::npos) << out;
  EXPECT_EQ(out.find("ICMP_"), std::string::npos) << out;
  EXPECT_NE(out.find("then=@"), std::string::npos) << out;
  EXPECT_NE(out.find("%s"), std::string::npos) << out;
  // The loop: a back-edge, its OSR probe, and the parameters' slots by name.
  EXPECT_NE(out.find("OSR_PROBE"), std::string::npos) << out;
  EXPECT_NE(out.find("loops: 1"), std::string::npos) << out;
  EXPECT_NE(out.find("back"), std::string::npos) << out;
  EXPECT_NE(out.find("%n (argument)"), std::string::npos) << out;
  // Values fused into their users have a slot that no instruction names.
  EXPECT_EQ(line_with(out, "%p (getelementptr)").find("  *%s"), 0u) << out;
  EXPECT_EQ(line_with(out, "%c (icmp)").find("  *%s"), 0u) << out;
  EXPECT_EQ(line_with(out, "%x (load)").find("   %s"), 0u) << out;

  ASSERT_TRUE(p->dump_code("main", out, error)) << error;
  EXPECT_NE(out.find("CALL "), std::string::npos) << out;
  EXPECT_NE(out.find("sum_array(%s"), std::string::npos) << out;
  EXPECT_NE(out.find("@data"), std::string::npos) << out;  // a constant: the global's address
  // Dumping translates nothing twice, and the program still runs.
  EXPECT_EQ(p->run_main({"dump.bc"}, {}), 10);
}

TEST(DumpCode, UnknownFunctionIsAClearError) {
  auto p = load(input("dump.bc"));
  ASSERT_NE(p, nullptr);
  std::string out, error;
  EXPECT_FALSE(p->dump_code("no_such_function", out, error));
  EXPECT_NE(error.find("dump.bc: no function 'no_such_function'"), std::string::npos) << error;
  EXPECT_FALSE(p->dump_code("puts", out, error));
  EXPECT_NE(error.find("dump.bc: function 'puts' is a host import"), std::string::npos) << error;
}

TEST(DumpCode, UntranslatableFunctionGivesTheTranslatorsError) {
  auto p = load(input("unsupported.bc"));
  ASSERT_NE(p, nullptr);
  std::string out, error;
  EXPECT_FALSE(p->dump_code("uses_asm", out, error));
  EXPECT_NE(error.find("unsupported.bc: function 'uses_asm': unsupported inline assembly"), std::string::npos)
      << error;
}

TEST(OperandFormats, EveryOpcodeHasItsOwnHandler) {
  const void* const* labels = bf::vm::op_labels();
  std::set<const void*> seen(labels, labels + bf::vm::OP_COUNT);
  EXPECT_EQ(seen.size(), size_t(bf::vm::OP_COUNT));  // the dump names opcodes by handler
}

// Every field an instruction's format names holds what the format says it does.
void check_formats(const std::string& path) {
  auto p = load(path);
  ASSERT_NE(p, nullptr);
  std::string error;
  ASSERT_TRUE(p->translate_all(error)) << error;
  bf::vm::Machine& m = p->machine();
  const void* const* labels = bf::vm::op_labels();
  size_t checked = 0;
  for (auto& f : m.functions) {
    const bf::vm::Code* code = f->code.load();
    ASSERT_NE(code, nullptr) << f->name;
    for (size_t i = 0; i < code->insts.size(); i++) {
      const bf::vm::Inst& in = code->insts[i];
      int op = 0;
      while (op < bf::vm::OP_COUNT && labels[op] != in.op) op++;
      ASSERT_LT(op, bf::vm::OP_COUNT) << f->name << " @" << i;
      using K = bf::vm::OperandKind;
      const bf::vm::OperandFormat& format = bf::vm::kFormats[bf::vm::kOpFormats[op]];
      uint32_t jumps = 0;  // a two-way jump counts edge e or e + 1
      for (const bf::vm::Operand& o : format.operands) jumps += o.kind == K::Jump;
      for (const bf::vm::Operand& o : format.operands) {
        if (o.kind == K::End) break;
        uint32_t v = o.field == bf::vm::Field::Imm || o.field == bf::vm::Field::Ptr ? 0 : in.field(o.field);
        std::string where = path + ": " + f->name + " @" + std::to_string(i) + " " +
                            bf::vm::kOpNames[op] + " " + o.name;
        switch (o.kind) {
          case K::Slot: EXPECT_LT(v, code->frame_size) << where; break;
          case K::Jump: EXPECT_LT(v, code->insts.size()) << where; break;
          case K::Edge: EXPECT_LT(v + jumps - 1, code->edges.size()) << where; break;
          case K::Call: EXPECT_LT(v, code->calls.size()) << where; break;
          case K::Table: EXPECT_LT(v, code->switches.size()) << where; break;
          case K::Loop: EXPECT_LT(v, code->num_loops) << where; break;
          case K::Fn: case K::Mask: EXPECT_NE(in.ptr, nullptr) << where; break;
          default: break;
        }
        checked++;
      }
    }
  }
  EXPECT_GT(checked, 100u) << path;
}

TEST(OperandFormats, HoldForTheCorpus) {
  for (const char* name : {"control.O2.bc", "control.O0.bc", "vectors.O2.bc", "aggregates.O2.bc",
                           "intrinsics.O2.bc", "int_widths.O2.bc", "funcptrs.O0.bc", "varargs.O2.bc",
                           "loop_carried.O2.bc", "floats.O2.bc", "threads.O2.bc"})
    check_formats(std::string(BF_VM_TEST_CORPUS) + "/" + name);
}

}  // namespace
