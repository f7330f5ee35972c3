// `bareflow export`: a program's bitcode and what its profiled runs learned, compiled into one
// small static executable with no LLVM, interpreter or libffi inside (docs/export.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bf::exporter {

enum class Libc { musl, glibc };

struct ExportRequest {
  std::string app;                    // the program's (first) module
  std::vector<std::string> modules;   // every module, app first (bitcode or IR text, linked); none: app
  std::string output;                 // the executable to write (atomically)
  std::vector<std::string> profiles;  // --profile-from (cache directories, files), summed; none: the default cache
  std::string cpu = "host";           // host, x86-64, x86-64-v2 or x86-64-v3
  Libc libc = Libc::musl;
  bool drop_unexecuted = false;       // unexecuted functions become a stub that says so
  std::string report;                 // --report: where the report goes as JSON (optional)
};

struct FunctionTime {
  std::string name;
  uint64_t calls = 0;
  double ms = 0;       // exclusive time in the profiled runs (0 when they were not timed)
  double percent = 0;  // of the profiled runs' exclusive time (of calls when untimed)
};

// What an export did (--report writes it as JSON; a summary goes to stderr).
struct ExportReport {
  std::string app, output, cpu, libc;
  uint32_t functions = 0, executed = 0, cold = 0, dropped = 0;
  uint64_t hot_code_bytes = 0, cold_code_bytes = 0;  // machine code of the program, by section
  uint64_t output_bytes = 0;
  uint64_t bareflow_bytes = 0, bitcode_bytes = 0;    // what running it under bareflow takes
  uint64_t profile_runs = 0;
  bool profile_timed = false;
  std::vector<FunctionTime> top;                     // by time (by calls when untimed)
  double seconds = 0;                                // the whole export
};

// Writes request.output (and request.report), or returns false with `error` set to one line
// (naming the file, function or option and the problem) and nothing written at either path.
bool export_program(const ExportRequest& request, ExportReport& report, std::string& error);

std::string report_json(const ExportReport& report);
std::string report_text(const ExportReport& report);  // a few lines for stderr

}  // namespace bf::exporter
