// bareflow generate: the engine's front end (src/llm/commands.h); -cnv is chat.
#include "llm/chat/chat.h"
#include "llm/commands.h"

int bf_cmd_generate(int argc, char** argv) { return bf::llm::generate_main(argc, argv, bf::llm::chat::chat_main); }
