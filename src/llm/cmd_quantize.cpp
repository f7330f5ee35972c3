// bareflow quantize: the engine's front end (src/llm/commands.h).
#include "llm/commands.h"

int bf_cmd_quantize(int argc, char** argv) { return bf::llm::quantize_main(argc, argv); }
