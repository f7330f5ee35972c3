// Runs a program with its stdout and stderr passed through, watching when its first output comes
// and the "N tok/s" it may print: in a child process (Linux), or in this process, which the
// program ends (the unikernel has no fork).
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

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

// The same for a program run in this process: begin() puts pipes on descriptors 1 and 2 and a
// thread on each that copies what comes to the descriptors they replaced; end(), from an exit
// handler, flushes stdio, puts the descriptors back and waits for the threads. Blocking reads
// only (the unikernel has no poll).
class InProcessObserver {
 public:
  bool begin(std::chrono::steady_clock::time_point start, std::string& error);
  void end(int status, Observed& out);

 private:
  void pump(int from, int to, bool is_stdout);
  std::chrono::steady_clock::time_point start_;
  int saved_[2] = {-1, -1};
  std::thread threads_[2];
  std::mutex mutex_;
  std::optional<double> first_output_s_;
  std::string tail_;
};

}  // namespace bf::lifecycle
