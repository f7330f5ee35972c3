// Chat templates: each family's text for a conversation, recognition from Jinja, bad messages.
#include <gtest/gtest.h>

#include "llm/chat/template.h"

namespace bf::llm::chat {
namespace {

const std::vector<Message> kConversation = {
    {"system", "Be brief."}, {"user", "Hi"}, {"assistant", "Hello."}, {"user", "Who are you?"}};

std::string rendered(Family f, const std::vector<Message>& m = kConversation) {
  std::string out, error;
  EXPECT_TRUE(render(f, m, out, error)) << error;
  return out;
}

TEST(ChatTemplate, Llama2) {
  EXPECT_EQ(rendered(Family::kLlama2),
            "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello. </s><s>[INST] Who are you? [/INST]");
}

TEST(ChatTemplate, Zephyr) {
  EXPECT_EQ(rendered(Family::kZephyr),
            "<|system|>\nBe brief.</s>\n<|user|>\nHi</s>\n<|assistant|>\nHello.</s>\n"
            "<|user|>\nWho are you?</s>\n<|assistant|>\n");
}

TEST(ChatTemplate, ChatML) {
  EXPECT_EQ(rendered(Family::kChatML),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
            "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nWho are you?<|im_end|>\n"
            "<|im_start|>assistant\n");
}

TEST(ChatTemplate, Llama3) {
  EXPECT_EQ(rendered(Family::kLlama3),
            "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nWho are you?<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

// The chat command appends turn by turn; the pieces add up to the whole conversation.
TEST(ChatTemplate, TurnsAddUpToTheConversation) {
  for (Family f : {Family::kLlama2, Family::kZephyr, Family::kChatML, Family::kLlama3}) {
    std::string turns = system_block(f, "Be brief.") + user_turn(f, "Hi", true, "Be brief.");
    turns += (f == Family::kLlama2 ? " Hello. " : "Hello.") + std::string(reply_end(f));
    turns += user_turn(f, "Who are you?", false);
    EXPECT_EQ(turns, rendered(f)) << family_name(f);
    EXPECT_EQ(stop_strings(f).front(), std::string(reply_end(f)).substr(0, stop_strings(f).front().size()));
  }
}

TEST(ChatTemplate, RecognisedFromJinja) {
  EXPECT_EQ(detect_family("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + "
                          "message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"),
            Family::kChatML);
  EXPECT_EQ(detect_family("{% if message['role'] == 'user' %}{{ '<|user|>\n' + message['content'] + eos_token }}"),
            Family::kZephyr);
  EXPECT_EQ(detect_family("{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"), Family::kLlama2);
  EXPECT_EQ(detect_family("{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' }}"),
            Family::kLlama3);
  EXPECT_EQ(detect_family("{{ messages | tojson }}"), std::nullopt);
  EXPECT_EQ(family_from_name("chatml"), Family::kChatML);
  EXPECT_EQ(family_from_name("vicuna"), std::nullopt);
}

TEST(ChatTemplate, RefusesWhatItCannotWrite) {
  std::string out, error;
  EXPECT_FALSE(render(Family::kChatML, {{"tool", "x"}, {"user", "Hi"}}, out, error));
  EXPECT_NE(error.find("unknown role 'tool'"), std::string::npos) << error;
  EXPECT_FALSE(render(Family::kChatML, {{"system", "x"}}, out, error));
  EXPECT_FALSE(render(Family::kChatML, {{"assistant", "x"}, {"user", "Hi"}}, out, error));
  EXPECT_FALSE(render(Family::kChatML, {}, out, error));
  // A last assistant message is continued: no end marker after it.
  EXPECT_EQ(rendered(Family::kChatML, {{"user", "Hi"}, {"assistant", "Hel"}}),
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHel");
}

}  // namespace
}  // namespace bf::llm::chat
