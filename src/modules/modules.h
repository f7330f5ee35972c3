// Reading the program's modules: the memory cap under which LLVM's readers run
// (docs/interpreter.md, "Input modules").
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace bf::modules {

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
// and LLVM's crash recovery around it. The cap is process-wide while `read` runs: reading
// happens before a run starts other threads. After anything but `done`, what `read` built is
// in an unknown state and must be leaked, not destroyed.
Read read_bounded(uint64_t input_bytes, const std::function<void()>& read);

// The one-line problem for a read that did not end with `done`.
std::string read_problem(Read how, uint64_t input_bytes);

}  // namespace bf::modules
