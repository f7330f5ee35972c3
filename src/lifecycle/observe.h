// Runs a program in a child process with its stdout and stderr passed through, watching when
// its first output comes and the "N tok/s" it may print.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

namespace bf::lifecycle {

struct Observed {
  int status = 0;                       // exit status, 128+N when killed by signal N
  std::optional<double> first_output_s; // since `start`
  double end_s = 0;                     // since `start`
  std::optional<double> tok_s;          // the last "N tok/s" on stdout or stderr
};

// `child` runs in the forked child with stdout and stderr on pipes; it must not return (it
// execs or exits). False with `error` when the pipes or the fork fail.
bool observe(const std::function<void()>& child, std::chrono::steady_clock::time_point start, Observed& out,
             std::string& error);

}  // namespace bf::lifecycle
