// libFuzzer target for the tier-0 loader (parse, verify, lay out globals, resolve imports) and
// the translator of every function; nothing is executed. Mutations happen at the IR level
// (LLVM's FuzzMutate), so every input is well-formed bitcode that reaches the translator:
// byte-level garbage stops in LLVM's own reader, which is not robust enough to fuzz (it can
// crash or allocate without bound on malformed input; the loader bounds both with crash
// recovery and a memory cap, modules::read_bounded, but libFuzzer's malloc limit would report
// the cap's first large request as a failure). Unit tests cover garbage and truncated files,
// and tests/vm/regressions keeps malformed bitcode that crashed or exhausted the reader.
#include <llvm/FuzzMutate/IRMutator.h>
#include <llvm/FuzzMutate/Operations.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "vm/vm.h"

namespace {

std::unique_ptr<llvm::IRMutator> make_mutator() {
  using namespace llvm;
  std::vector<TypeGetter> types{
      Type::getInt1Ty, Type::getInt8Ty, Type::getInt16Ty, Type::getInt32Ty, Type::getInt64Ty,
      Type::getFloatTy, Type::getDoubleTy};
  std::vector<std::unique_ptr<IRMutationStrategy>> strategies;
  strategies.push_back(std::make_unique<InjectorIRStrategy>(InjectorIRStrategy::getDefaultOps()));
  strategies.push_back(std::make_unique<InstDeleterIRStrategy>());
  strategies.push_back(std::make_unique<InstModificationIRStrategy>());
  strategies.push_back(std::make_unique<InsertCFGStrategy>());
  strategies.push_back(std::make_unique<InsertPHIStrategy>());
  strategies.push_back(std::make_unique<SinkInstructionStrategy>());
  strategies.push_back(std::make_unique<ShuffleBlockStrategy>());
  return std::make_unique<IRMutator>(std::move(types), std::move(strategies));
}

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned seed) {
  static std::unique_ptr<llvm::IRMutator> mutator = make_mutator();
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> m = llvm::parseModule(data, size, context);
  if (!m || llvm::verifyModule(*m, nullptr)) return 0;
  mutator->mutateModule(*m, static_cast<int>(seed), max_size);
  if (llvm::verifyModule(*m, nullptr)) return 0;
  return llvm::writeModule(*m, data, max_size);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string error;
  auto program = bf::vm::Program::load_buffer(data, size, "fuzz.bc", error);
  if (!program) return 0;
  program->translate_all(error);
  return 0;
}
