// `bareflow chat`: a conversation in the terminal. Each turn appends the new message (in the
// model's chat template) to the KV cache that holds the conversation so far, so a turn costs its
// own tokens, not the whole history again. Ctrl-C stops a reply; Ctrl-D, /exit or Ctrl-C at the
// prompt leaves.
#include "llm/chat/chat.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>
#include <unistd.h>

#include "llm/chat/template.h"
#include "llm/clock.h"
#include "llm/interrupt.h"
#include "llm/options.h"
#include "llm/session.h"
#include "llm/stop_text.h"

namespace bf::llm::chat {

namespace {

enum ChatOptionId { kOptSystem = 1, kOptPredict, kOptTemplate, kOptConversation };

constexpr Option kChat[] = {
    {"-sys, --system-prompt, -p, --prompt", "TEXT", "the system message that opens the conversation", kOptSystem},
    {"-n, --n-predict", "N", "tokens per reply at most; -1 = until the end of the turn or a full context (default -1)", kOptPredict},
    {"--chat-template", "NAME", "llama2, zephyr, chatml or llama3 (default: recognised from the model's; chatml if it has none)", kOptTemplate},
    {"-cnv, --conversation", nullptr, "accepted (generate -cnv passes it); chat is always a conversation", kOptConversation},
};
constexpr std::span<const Option> kChatGroups[] = {kChat, kModelOptions, kSamplingOptions};

struct Options {
  EngineOptions engine;
  std::string system;
  int n_predict = -1;
  const char* template_name = nullptr;
};

bool apply(void* ctx, int id, const char* v) {
  Options& o = *static_cast<Options*>(ctx);
  switch (id) {
    case kOptSystem: o.system = v; return true;
    case kOptPredict: return parse_int(v, -1, 1 << 30, o.n_predict);
    case kOptTemplate: o.template_name = v; return family_from_name(v).has_value();
    case kOptConversation: return true;
    default: return apply_engine_option(o.engine, "chat", id, v);
  }
}

// One line of input (a trailing backslash continues it). false at end of input or on Ctrl-C.
bool read_message(bool tty, std::string& out) {
  out.clear();
  char* line = nullptr;
  size_t cap = 0;
  bool ok = false;
  for (;;) {
    if (tty) {
      fputs(out.empty() ? "\n> " : "", stdout);
      fflush(stdout);
    }
    const ssize_t n = getline(&line, &cap, stdin);
    if (n < 0) {
      clearerr(stdin);
      break;
    }
    out.append(line, size_t(n));
    if (!out.empty() && out.back() == '\n') out.pop_back();
    if (!out.empty() && out.back() == '\\') {
      out.back() = '\n';
      continue;
    }
    ok = true;
    break;
  }
  free(line);
  return ok;
}

class Conversation {
 public:
  Conversation(const Options& o, const Engine& e, Session& s, Family f)
      : o_(o), e_(e), s_(s), family_(f), stops_(stop_strings(f)), end_tokens_(end_tokens(f, e.tokenizer)) {
    for (const std::string& st : stops_) stop_ptrs_.push_back(st.c_str());
    for (int i = 0; i < o.engine.n_stops; i++) stop_ptrs_.push_back(o.engine.stops[i]);
  }

  // Appends the user's message and streams the reply. false: the message was refused.
  bool turn(const std::string& message);
  void clear() {
    s_.rewind(0);
    first_ = true;
    reply_open_ = false;
    full_ = false;
  }
  void print_stats() const;

 private:
  bool is_end(int token) const {
    for (int t : end_tokens_)
      if (t == token) return true;
    return false;
  }
  void reply(float* logits);

  const Options& o_;
  const Engine& e_;
  Session& s_;
  Family family_;
  std::vector<std::string> stops_;
  std::vector<const char*> stop_ptrs_;
  std::vector<int> end_tokens_;
  bool first_ = true;       // no message yet: the next one opens with BOS (and the system message)
  bool reply_open_ = false; // the last reply's end marker is not in the cache yet
  bool full_ = false;
  int turns_ = 0;
  long prompt_tokens_ = 0, reply_tokens_ = 0;
  double prompt_ms_ = 0, reply_ms_ = 0;
};

bool Conversation::turn(const std::string& message) {
  std::string text = reply_open_ ? reply_end(family_) : "";
  if (first_ && !o_.system.empty()) text += system_block(family_, o_.system);
  text += user_turn(family_, message, first_, first_ ? o_.system : "");
  std::vector<int> tokens(size_t(Tokenizer::max_tokens(text.c_str())));
  const int n = e_.tokenizer.encode(text.c_str(), first_, false, tokens.data(), true);
  if (n < 0) {
    fputs("bareflow chat: out of memory\n", stderr);
    return false;
  }
  // The message and at least one token of reply must fit.
  if (s_.n_past() + n >= s_.n_ctx()) {
    fprintf(stderr, "bareflow chat: the context is full: %d of its %d tokens are used and this message "
            "needs %d; /clear starts over\n", s_.n_past(), s_.n_ctx(), n);
    full_ = true;
    return false;
  }
  const int before = s_.n_past();
  const double t = now_ms();
  float* logits = nullptr;
  for (int i = 0; i < n; i++) {
    if (interrupted()) {  // the message is dropped as if never sent
      s_.rewind(before);
      clear_interrupt();
      fputs("\n[stopped]\n", stdout);
      return false;
    }
    logits = s_.eval(tokens[size_t(i)]);
  }
  prompt_ms_ += now_ms() - t;
  prompt_tokens_ += n;
  first_ = false;
  reply_open_ = true;
  turns_++;
  reply(logits);
  return true;
}

// Samples until the end of the turn, -n tokens, a stop string, a full context or Ctrl-C. Every
// token of the reply ends up in the cache, for the next turn to follow.
void Conversation::reply(float* logits) {
  const Tokenizer& tok = e_.tokenizer;
  StopText out;
  out.reset(stop_ptrs_.data(), int(stop_ptrs_.size()), false);
  int prev = s_.tokens().back();
  const double t = now_ms();
  for (int n = 0;; n++) {
    if (interrupted()) {
      clear_interrupt();
      fputs(" [stopped]", stdout);
      break;
    }
    if (o_.n_predict >= 0 && n == o_.n_predict) break;
    const int next = s_.sample(logits);
    if (is_end(next)) break;
    const char* piece = tok.decode(prev, next);
    if (is_printable_piece(piece)) {
      std::string_view shown = out.push(piece);
      fwrite(shown.data(), 1, shown.size(), stdout);
      fflush(stdout);
    }
    // Kept in the cache even past a stop string: the next turn follows what the model wrote.
    if (s_.n_past() + 1 >= s_.n_ctx()) {  // the last free position
      s_.eval(next);
      reply_tokens_++;
      full_ = true;
      fprintf(stdout, "\n[the context is full (%d tokens): /clear starts over]", s_.n_ctx());
      break;
    }
    logits = s_.eval(next);
    reply_tokens_++;
    prev = next;
    if (out.stopped()) break;
  }
  std::string_view rest = out.flush();
  fwrite(rest.data(), 1, rest.size(), stdout);
  fputc('\n', stdout);
  fflush(stdout);
  reply_ms_ += now_ms() - t;
}

void Conversation::print_stats() const {
  fprintf(stderr, "bareflow chat: %d turns; context %d of %d tokens; prompts %ld tokens at %.1f tok/s; "
          "replies %ld tokens at %.1f tok/s\n", turns_, s_.n_past(), s_.n_ctx(), prompt_tokens_,
          prompt_ms_ > 0 ? prompt_tokens_ * 1000.0 / prompt_ms_ : 0.0, reply_tokens_,
          reply_ms_ > 0 ? reply_tokens_ * 1000.0 / reply_ms_ : 0.0);
}

}  // namespace

int chat_main(int argc, char** argv) {
  Options o;
  const CommandLine cl{"chat", "chat -m MODEL [-sys SYSTEM] [--chat-template NAME] [OPTIONS]", kChatGroups, apply, &o};
  if (int rc = parse_command_line(cl, argc, argv)) return rc < 0 ? 0 : rc;
  if (!o.engine.model) {
    fputs("bareflow chat: no model given (-m MODEL; see --help)\n", stderr);
    return 1;
  }
  const uint64_t seed = resolve_seed(o.engine);
  Engine e;
  if (!open_engine(o.engine, "chat", e)) return 1;
  Family family;
  const char* source;
  if (!choose_family(o.template_name, e.model.vocab.chat_template, o.engine.model, family, source)) return 1;
  ThreadPool pool(o.engine.threads ? o.engine.threads : cpu_count());
  Session s;
  if (!open_session(o.engine, e, pool, s)) return 1;
  install_interrupt_handler(false);
  const bool tty = isatty(0);
  fprintf(stderr, "bareflow chat: %s, template %s (%s), context %d tokens, seed %llu\n"
          "  Ctrl-C stops a reply; /clear starts over; Ctrl-D or /exit leaves; end a line with \\ to go on\n",
          o.engine.model, family_name(family), source, s.n_ctx(), static_cast<unsigned long long>(seed));
  Conversation c(o, e, s, family);
  std::string message;
  while (read_message(tty, message)) {
    if (message == "/exit" || message == "/quit") break;
    if (message == "/clear") {
      c.clear();
      fputs("[cleared]\n", stdout);
      continue;
    }
    if (message.empty()) continue;
    c.turn(message);
  }
  if (tty) fputc('\n', stdout);
  c.print_stats();
  return 0;
}

}  // namespace bf::llm::chat
