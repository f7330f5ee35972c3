// Entry points of the bareflow subcommands, one per component that provides them.
#pragma once

#define BF_COMMAND(name, summary) int bf_cmd_##name(int argc, char** argv);
#include "cli/command_list.h"
#undef BF_COMMAND
int bf_cmd_version(int argc, char** argv);
