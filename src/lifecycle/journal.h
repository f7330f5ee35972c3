// DIR/lifecycle.jsonl: one JSON line per invocation of `bareflow lifecycle` (docs/lifecycle.md),
// and what `--show` makes of it: a table and an SVG plot.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bf::lifecycle {

// One invocation ("boot").
struct Record {
  uint64_t boot = 0;                      // 1, 2, ...
  std::string phase;                      // grow, converged (grew, then exported), appliance
  int status = 0;                         // the program's exit status (128+N: killed by signal N)
  std::string module;                     // BLAKE3 of the bitcode (hex)
  uint64_t code_bytes = 0;                // bareflow + bitcode, or the appliance
  std::map<std::string, uint64_t> tiers;  // functions per tier in the cache's manifest (grow)
  uint64_t compiles = 0;                  // code-cache object lookups that missed: new compiles
  uint64_t cache_hits = 0;                // object lookups that hit
  std::optional<double> first_output_s;   // invocation start to the program's first byte on stdout
  double end_s = 0;                       // invocation start to the program's end
  std::optional<double> tok_s;            // "N tok/s" when the program printed it
  std::optional<double> export_s;         // the export's time (converged)
};

std::string to_json_line(const Record& r);  // without the newline
// The journal's records, or false with `error` naming the file and line.
bool read_journal(const std::string& path, std::vector<Record>& records, std::string& error);
// Appends one line and flushes it to the disk.
bool append_record(const std::string& path, const Record& r, std::string& error);

std::string table_text(const std::vector<Record>& records);
// Boot number against time to first output and against bytes of code, phases marked.
std::string plot_svg(const std::vector<Record>& records);

}  // namespace bf::lifecycle
