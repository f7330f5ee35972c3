// bareflow: one command over every component. Each subcommand lives in its component's
// library as `int bf_cmd_NAME(int argc, char** argv)` (argv[0] is the subcommand name).
#include <cstdio>
#include <cstring>

#include "cli/commands.h"

int bf_cmd_version(int, char**) {
  std::printf("bareflow %s\n", BAREFLOW_VERSION);
  return 0;
}

namespace {

struct Command {
  const char* name;
  int (*run)(int argc, char** argv);
  const char* summary;
};

// The table grows as components land; CMake defines BAREFLOW_CMD_<name> for each one linked.
constexpr Command kCommands[] = {
#define BF_COMMAND(name, summary) {#name, bf_cmd_##name, summary},
#include "cli/command_list.h"
#undef BF_COMMAND
    {"version", bf_cmd_version, "print the version"},
};

int usage(FILE* out) {
  std::fprintf(out, "usage: bareflow COMMAND [ARGS...]\n\ncommands:\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %-10s %s\n", c.name, c.summary);
  return out == stderr ? 2 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(stderr);
  const char* name = argv[1];
  if (!std::strcmp(name, "-h") || !std::strcmp(name, "--help") || !std::strcmp(name, "help"))
    return usage(stdout);
  if (!std::strcmp(name, "--version")) return bf_cmd_version(argc - 1, argv + 1);
  for (const Command& c : kCommands)
    if (!std::strcmp(name, c.name)) return c.run(argc - 1, argv + 1);
  std::fprintf(stderr, "bareflow: unknown command '%s' (see bareflow --help)\n", name);
  return 2;
}
