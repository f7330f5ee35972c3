// Chat templates: how a conversation becomes the text a chat model was trained on. A GGUF file
// carries its template as Jinja (tokenizer.chat_template); rather than run Jinja, BareFlow
// recognises the four families most SentencePiece chat models use and writes them itself:
//   llama2  <s>[INST] <<SYS>>\nsys\n<</SYS>>\n\nuser [/INST] reply </s><s>[INST] ...
//   zephyr  <|system|>\nsys</s>\n<|user|>\nuser</s>\n<|assistant|>\nreply</s>\n  (TinyLlama chat)
//   chatml  <|im_start|>user\nuser<|im_end|>\n<|im_start|>assistant\nreply<|im_end|>\n
//   llama3  <|start_header_id|>user<|end_header_id|>\n\nuser<|eot_id|>...
// The text goes through the tokenizer with parse_special, so that <|im_start|> and the like are
// single tokens where the vocabulary has them. BOS comes from the tokenizer, not the text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bf::llm {
class Tokenizer;
}

namespace bf::llm::chat {

enum class Family { kLlama2, kZephyr, kChatML, kLlama3 };

struct Message {
  std::string role;  // system, user or assistant
  std::string content;
};

const char* family_name(Family f);
std::optional<Family> family_from_name(std::string_view name);  // "llama2", "zephyr", ...
// The family a Jinja template writes, from the markers it contains; nullopt if none.
std::optional<Family> detect_family(std::string_view jinja);

// Pieces of the text, in the order a conversation goes; a whole conversation is render().
// A system message: its own block, or (llama2) folded into the next user turn.
std::string system_block(Family f, const std::string& content);
// A user message and the cue for the assistant's reply. `first`: the conversation's first user
// turn (llama2 opens later turns with <s>); `system`: llama2's pending system message.
std::string user_turn(Family f, const std::string& content, bool first, const std::string& system = "");
// What ends the assistant's reply (after the text the model wrote).
const char* reply_end(Family f);
// Text that, if the model writes it, ends its reply: the end of a turn, the start of another.
std::vector<std::string> stop_strings(Family f);

// The family to use: `name` (--chat-template), else the one `jinja` (the model's template)
// writes, else ChatML; `source` says which. When `jinja` is none of the four, prints one line
// naming `model` and --chat-template and returns false.
bool choose_family(const char* name, std::string_view jinja, const char* model, Family& f, const char*& source);

// The tokens that end a reply: EOS, BOS (llama2.c's end of a text), and the template's end of a
// turn where the vocabulary has it as one token (<|im_end|>, <|eot_id|>).
std::vector<int> end_tokens(Family f, const Tokenizer& tok);

// The conversation as text, ending with the cue for the assistant's reply when the last message
// is a user's (a last assistant message is continued). Roles other than system, user and
// assistant are refused: returns false with the reason in `error`.
bool render(Family f, const std::vector<Message>& messages, std::string& out, std::string& error);

}  // namespace bf::llm::chat
