#include "llm/chat/template.h"

#include <cstdio>

#include "llm/tokenizer.h"

namespace bf::llm::chat {

namespace {

std::string trimmed(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\n\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\n\r") - b + 1);
}

}  // namespace

const char* family_name(Family f) {
  switch (f) {
    case Family::kLlama2: return "llama2";
    case Family::kZephyr: return "zephyr";
    case Family::kChatML: return "chatml";
    case Family::kLlama3: return "llama3";
  }
  return "";
}

std::optional<Family> family_from_name(std::string_view name) {
  for (Family f : {Family::kLlama2, Family::kZephyr, Family::kChatML, Family::kLlama3})
    if (name == family_name(f)) return f;
  return std::nullopt;
}

std::optional<Family> detect_family(std::string_view jinja) {
  // Most specific markers first: a Llama-3 template may also mention [INST] in a comment, etc.
  if (jinja.find("<|start_header_id|>") != std::string_view::npos) return Family::kLlama3;
  if (jinja.find("<|im_start|>") != std::string_view::npos) return Family::kChatML;
  if (jinja.find("<|user|>") != std::string_view::npos) return Family::kZephyr;
  if (jinja.find("[INST]") != std::string_view::npos) return Family::kLlama2;  // Mistral's too
  return std::nullopt;
}

bool choose_family(const char* name, std::string_view jinja, const char* model, Family& f, const char*& source) {
  if (name) {
    std::optional<Family> named = family_from_name(name);
    if (!named) {
      fprintf(stderr, "bareflow: --chat-template %s: unknown (llama2, zephyr, chatml or llama3)\n", name);
      return false;
    }
    f = *named;
    source = "--chat-template";
  } else if (jinja.empty()) {
    f = Family::kChatML;
    source = "the model carries none: the default";
  } else if (std::optional<Family> d = detect_family(jinja)) {
    f = *d;
    source = "the model's tokenizer.chat_template";
  } else {
    fprintf(stderr, "bareflow: %s: tokenizer.chat_template is none of the templates known here (llama2, "
            "zephyr, chatml, llama3): choose one with --chat-template NAME\n", model);
    return false;
  }
  return true;
}

std::vector<int> end_tokens(Family f, const Tokenizer& tok) {
  std::vector<int> ids = {tok.eos_id(), tok.bos_id()};
  const char* marker = f == Family::kChatML ? "<|im_end|>" : f == Family::kLlama3 ? "<|eot_id|>" : nullptr;
  if (marker) {
    const int id = tok.lookup(marker);
    if (id >= 0) ids.push_back(id);
  }
  return ids;
}

std::string system_block(Family f, const std::string& content) {
  switch (f) {
    case Family::kLlama2: return "";  // folded into the next user turn
    case Family::kZephyr: return "<|system|>\n" + content + "</s>\n";
    case Family::kChatML: return "<|im_start|>system\n" + content + "<|im_end|>\n";
    case Family::kLlama3: return "<|start_header_id|>system<|end_header_id|>\n\n" + trimmed(content) + "<|eot_id|>";
  }
  return "";
}

std::string user_turn(Family f, const std::string& content, bool first, const std::string& system) {
  switch (f) {
    case Family::kLlama2: {
      std::string out = first ? "[INST] " : "<s>[INST] ";
      if (!system.empty()) out += "<<SYS>>\n" + system + "\n<</SYS>>\n\n";
      return out + trimmed(content) + " [/INST]";
    }
    case Family::kZephyr: return "<|user|>\n" + content + "</s>\n<|assistant|>\n";
    case Family::kChatML:
      return "<|im_start|>user\n" + content + "<|im_end|>\n<|im_start|>assistant\n";
    case Family::kLlama3:
      return "<|start_header_id|>user<|end_header_id|>\n\n" + trimmed(content) +
             "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
  }
  return "";
}

const char* reply_end(Family f) {
  switch (f) {
    case Family::kLlama2: return "</s>";
    case Family::kZephyr: return "</s>\n";
    case Family::kChatML: return "<|im_end|>\n";
    case Family::kLlama3: return "<|eot_id|>";
  }
  return "";
}

std::vector<std::string> stop_strings(Family f) {
  switch (f) {
    case Family::kLlama2: return {"</s>", "[INST]"};
    case Family::kZephyr: return {"</s>", "<|user|>", "<|system|>"};
    case Family::kChatML: return {"<|im_end|>", "<|im_start|>"};
    case Family::kLlama3: return {"<|eot_id|>", "<|start_header_id|>"};
  }
  return {};
}

bool render(Family f, const std::vector<Message>& messages, std::string& out, std::string& error) {
  out.clear();
  std::string pending_system;  // llama2 only
  bool first_user = true;
  for (size_t i = 0; i < messages.size(); i++) {
    const Message& m = messages[i];
    if (m.role == "system") {
      if (f == Family::kLlama2) pending_system += (pending_system.empty() ? "" : "\n\n") + m.content;
      else out += system_block(f, m.content);
    } else if (m.role == "user") {
      out += user_turn(f, m.content, first_user, pending_system);
      pending_system.clear();
      first_user = false;
    } else if (m.role == "assistant") {
      if (first_user) {
        error = "an assistant message before any user message";
        return false;
      }
      const bool last = i + 1 == messages.size();
      if (f == Family::kLlama2) out += " " + trimmed(m.content) + (last ? "" : " ");
      else out += m.content;
      if (!last) out += reply_end(f);
    } else {
      error = "unknown role '" + m.role + "' (system, user or assistant)";
      return false;
    }
  }
  if (first_user) {
    error = "no user message: nothing to answer";
    return false;
  }
  return true;
}

}  // namespace bf::llm::chat
