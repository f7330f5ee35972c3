// bareflow synth: the engine's front end (src/llm/commands.h).
#include "llm/commands.h"

int bf_cmd_synth(int argc, char** argv) { return bf::llm::synth_main(argc, argv); }
