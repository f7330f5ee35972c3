// bareflow chat: a conversation in the terminal (src/llm/chat/chat.h).
#include "llm/chat/chat.h"

int bf_cmd_chat(int argc, char** argv) { return bf::llm::chat::chat_main(argc, argv); }
