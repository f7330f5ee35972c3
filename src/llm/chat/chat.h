// bareflow chat (and generate -cnv): a conversation in the terminal with the model's chat
// template (docs/chat.md). Kept out of the engine's bitcode build: it uses libstdc++.
#pragma once

namespace bf::llm::chat {

// chat -m MODEL [-sys SYSTEM] [--chat-template NAME] [OPTIONS]; the process exit status.
int chat_main(int argc, char** argv);

}  // namespace bf::llm::chat
