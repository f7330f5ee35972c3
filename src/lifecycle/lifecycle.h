// `bareflow lifecycle`: a program that optimizes itself over its runs and ends as its own
// appliance (docs/lifecycle.md). Each invocation is one "boot": grow (run the bitcode with the
// JIT, the code cache in DIR), converge (after K runs in a row compiled nothing new, export the
// program with the profile all runs gathered), then run the appliance.
#pragma once

#include <string>
#include <vector>

namespace bf::lifecycle {

struct Request {
  std::string dir;                // the state: cache/, lifecycle.jsonl, appliance
  int converge_after = 2;         // K
  std::string app;                // the program's (first) module
  std::vector<std::string> modules;  // every module, app first (bitcode or IR text, linked)
  std::vector<std::string> args;  // its arguments (without argv[0])
  bool in_image = false;          // a boot of an image: in this process, switching DIR/boot.cfg
};

// Paths inside DIR.
std::string cache_dir(const std::string& dir);
std::string journal_path(const std::string& dir);
// The appliance of the program whose bitcode hashes to module_hex.
std::string appliance_path(const std::string& dir, const std::string& module_hex);

// APP.bc's bytes when it is readable LLVM bitcode, else false with `error` naming it.
bool read_bitcode(const std::string& path, std::string& bytes, std::string& error);

// One boot; returns the program's exit status, or 1 with one line on stderr when it cannot run.
int boot(const Request& request);

}  // namespace bf::lifecycle
