// The program's modules as its commands take them (run, export, lifecycle): LLVM bitcode or IR
// text, told apart by content, one file or several linked into one module at load; and the
// memory cap under which LLVM's readers run (docs/interpreter.md, "Input modules").
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace llvm {
class Module;
}

namespace bf::modules {

// The program as one module's bitcode. A single bitcode file is its own bytes, untouched (so its
// identity, the hash of those bytes, is what it always was); IR text and linked sets are the
// bitcode LLVM writes for the module they make, whose hash changes with any input's content.
struct Program {
  std::string name;     // how messages name it: the file, or "a.bc+b.ll" for a linked set
  std::string bitcode;
};

// Reads `paths` (at least one) into `out`, or returns false with `error` set to one line: the
// file and the problem; for IR text "FILE:LINE:COLUMN: problem"; for two strong definitions of
// one symbol "symbol 'S' is defined in both A and B".
bool read_program(const std::vector<std::string>& paths, Program& out, std::string& error);

// Whether `bytes` start like LLVM bitcode (raw or in its wrapper).
bool is_bitcode(const std::string& bytes);

// Empty when `m` verifies, else "the module does not verify: " and the verifier's first line.
std::string verify_problem(const llvm::Module& m);

// How a read under the cap ended.
enum class Read {
  done,
  crashed,       // the reader faulted (LLVM's reader is not robust against malformed input)
  out_of_memory  // it asked for more than memory_budget(input_bytes)
};

// What reading `input_bytes` of bitcode or IR text may take: generous for real modules (a
// module in memory is some tens of times its bitcode), bounded for malformed ones whose record
// sizes are garbage.
uint64_t memory_budget(uint64_t input_bytes);

// Runs `read` (a parse of `input_bytes` of input) with the address space capped at what the
// process maps now plus memory_budget(input_bytes), allocation failure turned into a return,
// and LLVM's crash recovery around it. The cap is process-wide while `read` runs (reading
// happens before a run starts other threads), so reads take turns. After anything but `done`, what `read` built is
// in an unknown state and must be leaked, not destroyed.
Read read_bounded(uint64_t input_bytes, const std::function<void()>& read);

// The one-line problem for a read that did not end with `done`.
std::string read_problem(Read how, uint64_t input_bytes);

}  // namespace bf::modules
