// bareflow generate: the engine's front end (src/llm/commands.h).
#include "llm/commands.h"

int bf_cmd_generate(int argc, char** argv) { return bf::llm::generate_main(argc, argv); }
