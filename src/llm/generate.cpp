// `generate`: load a model and a tokenizer, encode the prompt, run it through the model, then
// sample up to -n tokens and stream the text (llama.cpp's llama-cli options; llama2.c's output).
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

#include "llm/commands.h"
#include "llm/clock.h"
#include "llm/interrupt.h"
#include "llm/options.h"
#include "llm/session.h"
#include "llm/stop_text.h"

namespace bf::llm {

namespace {

enum GenerateOptionId {
  kOptPrompt = 1, kOptFile, kOptPredict, kOptKeepTail, kOptNoDisplayPrompt, kOptJson,
  kOptConversation, kOptInteractive,
};

constexpr Option kGenerate[] = {
    {"-p, --prompt", "TEXT", "text to start from; - reads it from stdin (default: stdin when piped, else empty)", kOptPrompt},
    {"-f, --file", "FILE", "read the prompt from FILE (one final newline dropped)", kOptFile},
    {"-n, --n-predict", "N", "tokens to generate; -1 = until end of text or a full context (default -1)", kOptPredict},
    {"--keep-tail", nullptr, "a prompt longer than the context keeps its end (with a warning) instead of failing", kOptKeepTail},
    {"--no-display-prompt", nullptr, "print only the generated text, not the prompt before it", kOptNoDisplayPrompt},
    {"--json", nullptr, "print one JSON object (tokens, text, seed, timings) instead of the text", kOptJson},
    {"-cnv, --conversation", nullptr, "a conversation in the terminal instead: bareflow chat with these options", kOptConversation},
    {"-i, --interactive", nullptr, "not here: llama2.c's prompt is -p, llama.cpp's interactive mode is -cnv", kOptInteractive},
};

constexpr std::span<const Option> kGenerateGroups[] = {kGenerate, kModelOptions, kSamplingOptions};

struct Options {
  EngineOptions engine;
  const char* prompt = nullptr;  // "-" = stdin
  const char* file = nullptr;
  int n_predict = -1;
  bool keep_tail = false;
  bool display_prompt = true;
  bool json = false;
  bool conversation = false;
};

bool apply(void* ctx, int id, const char* v) {
  Options& o = *static_cast<Options*>(ctx);
  switch (id) {
    case kOptPrompt: o.prompt = v; return true;
    case kOptFile: o.file = v; return true;
    case kOptPredict: return parse_int(v, -1, 1 << 30, o.n_predict);
    case kOptKeepTail: o.keep_tail = true; return true;
    case kOptNoDisplayPrompt: o.display_prompt = false; return true;
    case kOptJson: o.json = true; return true;
    case kOptConversation: o.conversation = true; return true;
    case kOptInteractive: return false;
    default: return apply_engine_option(o.engine, "generate", id, v);
  }
}

// Text that grows as pieces arrive.
class Text {
 public:
  bool append(const char* s, size_t n) {
    if (!buf_.reserve(len_ + n + 1)) return false;
    memcpy(buf_.data() + len_, s, n);
    len_ += n;
    buf_[len_] = '\0';
    return true;
  }
  const char* c_str() const { return len_ ? buf_.data() : ""; }
  size_t size() const { return len_; }
  void drop_last_newline() {
    if (len_ && buf_[len_ - 1] == '\n') buf_[--len_] = '\0';
  }

 private:
  Buffer<char> buf_;
  size_t len_ = 0;
};

// The whole of `f` into `out`. A NUL byte inside cannot be part of a C-string prompt: refused.
bool read_all(FILE* f, const char* name, Text& out) {
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (memchr(chunk, '\0', n)) {
      fprintf(stderr, "bareflow: %s: the prompt contains a NUL byte\n", name);
      return false;
    }
    if (!out.append(chunk, n)) {
      fprintf(stderr, "bareflow: %s: out of memory\n", name);
      return false;
    }
  }
  if (ferror(f)) {
    fprintf(stderr, "bareflow: %s: read error: %s\n", name, strerror(errno));
    return false;
  }
  out.drop_last_newline();
  return true;
}

bool stdin_is_piped() {
  struct stat s;
  return !isatty(0) && fstat(0, &s) == 0 && (S_ISFIFO(s.st_mode) || S_ISREG(s.st_mode));
}

// The prompt from -p, -f, -p - or a piped stdin.
bool load_prompt(const Options& o, Text& prompt) {
  if (o.prompt && o.file) {
    fprintf(stderr, "bareflow generate: -p and -f both give the prompt: choose one\n");
    return false;
  }
  if (o.file) {
    FILE* f = fopen(o.file, "rb");
    if (!f) {
      fprintf(stderr, "bareflow: %s: cannot open: %s\n", o.file, strerror(errno));
      return false;
    }
    bool ok = read_all(f, o.file, prompt);
    fclose(f);
    return ok;
  }
  if (o.prompt && strcmp(o.prompt, "-") != 0) return prompt.append(o.prompt, strlen(o.prompt));
  if (o.prompt || stdin_is_piped()) return read_all(stdin, "stdin", prompt);
  return true;
}

void print_json_string(FILE* f, const char* s) {
  fputc('"', f);
  for (; *s; s++) {
    uint8_t c = uint8_t(*s);
    switch (c) {
      case '"': fputs("\\\"", f); break;
      case '\\': fputs("\\\\", f); break;
      case '\n': fputs("\\n", f); break;
      case '\r': fputs("\\r", f); break;
      case '\t': fputs("\\t", f); break;
      default:
        if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
  }
  fputc('"', f);
}

void print_json_ints(FILE* f, const char* name, const int* v, int n) {
  fprintf(f, "\"%s\":[", name);
  for (int i = 0; i < n; i++) fprintf(f, i ? ",%d" : "%d", v[i]);
  fputs("]", f);
}

enum class Stop { kLength, kEndOfText, kStopString, kContextFull, kInterrupted };
const char* stop_name(Stop s) {
  switch (s) {
    case Stop::kLength: return "length";
    case Stop::kEndOfText: return "eos";
    case Stop::kStopString: return "stop";
    case Stop::kContextFull: return "context";
    case Stop::kInterrupted: return "interrupted";
  }
  return "";
}

// What a run produced, for the output and the summary.
struct Run {
  Buffer<int> prompt;
  int n_prompt = 0;
  Buffer<int> generated;
  int n_generated = 0;
  Buffer<double> token_ms;
  Text text;
  Stop stop = Stop::kLength;
  bool stopped_on_bos = false;
  double load_ms = 0, prompt_ms = 0;
};

// Encodes the prompt; one that does not fit the context fails, or keeps BOS and its tail.
bool encode_prompt(const Options& o, const Engine& e, const char* text, Run& r) {
  if (!r.prompt.allocate(size_t(Tokenizer::max_tokens(text))) ||
      (r.n_prompt = e.tokenizer.encode(text, true, false, r.prompt.data())) < 0) {
    fputs("bareflow generate: out of memory encoding the prompt\n", stderr);
    return false;
  }
  if (r.n_prompt <= e.n_ctx) return true;
  if (!o.keep_tail) {
    fprintf(stderr, "bareflow generate: the prompt is %d tokens but the context holds %d (-c %d, the "
            "model allows %d): shorten it, or keep its end with --keep-tail\n",
            r.n_prompt, e.n_ctx, e.n_ctx, e.model.config.seq_len);
    return false;
  }
  // Leave room for -n tokens, at most half the context.
  const int room = o.n_predict > 0 && o.n_predict < e.n_ctx / 2 ? o.n_predict : e.n_ctx / 2;
  const int keep = e.n_ctx - room;  // BOS and keep - 1 tokens of the tail
  fprintf(stderr, "bareflow generate: the prompt is %d tokens but the context holds %d: keeping "
          "its last %d (--keep-tail)\n", r.n_prompt, e.n_ctx, keep - 1);
  memmove(r.prompt.data() + 1, r.prompt.data() + r.n_prompt - (keep - 1), sizeof(int) * size_t(keep - 1));
  r.n_prompt = keep;
  return true;
}

// Prints (or, for --json, keeps) shown text.
bool show(const Options& o, Run& r, std::string_view s) {
  if (s.empty()) return true;
  if (!r.text.append(s.data(), s.size())) return false;
  if (!o.json) {
    fwrite(s.data(), 1, s.size(), stdout);
    fflush(stdout);
  }
  return true;
}

// The prompt, then tokens until -n, the end of text, a stop string or a full context. Timings
// as before the llama.cpp options: prompt_ms covers the forced positions (all but the last
// prompt token); each token's time covers the forward pass that yields it and its sampling.
bool generate(const Options& o, const Engine& e, Session& s, Run& r) {
  const Tokenizer& tok = e.tokenizer;
  const int n_max = o.n_predict < 0 ? e.n_ctx : o.n_predict;
  if (!r.generated.allocate(size_t(n_max) + 1) || !r.token_ms.allocate(size_t(n_max) + 1)) return false;
  StopText out;
  out.reset(o.engine.stops, o.engine.n_stops, false);
  if (o.display_prompt)
    for (int i = 1; i < r.n_prompt; i++) {
      const char* piece = tok.decode(r.prompt[i - 1], r.prompt[i]);
      if (is_printable_piece(piece) && !show(o, r, piece)) return false;
    }
  double t = now_ms();
  for (int i = 0; i + 1 < r.n_prompt && !interrupted(); i++) s.eval(r.prompt[i]);
  r.prompt_ms = now_ms() - t;
  int token = r.prompt[r.n_prompt - 1];
  for (;;) {
    if (interrupted()) {
      r.stop = Stop::kInterrupted;
      break;
    }
    if (r.n_generated == n_max) {
      r.stop = o.n_predict < 0 ? Stop::kContextFull : Stop::kLength;
      break;
    }
    if (s.full()) {
      r.stop = Stop::kContextFull;
      break;
    }
    const int next = s.sample(s.eval(token));
    const double t_next = now_ms();
    if (next == tok.bos_id() || next == tok.eos_id()) {  // llama2.c ends on BOS, GGUF models on EOS
      r.stop = Stop::kEndOfText;
      r.stopped_on_bos = next == tok.bos_id();
      break;
    }
    r.token_ms[r.n_generated] = t_next - t;
    r.generated[r.n_generated++] = next;
    const char* piece = tok.decode(token, next);
    if (is_printable_piece(piece) && !show(o, r, out.push(piece))) return false;
    if (!out.ok()) return false;
    if (out.stopped()) {
      r.stop = Stop::kStopString;
      break;
    }
    token = next;
    t = t_next;
  }
  return show(o, r, out.flush()) && out.ok();
}

void print_json(const Run& r, uint64_t seed, int n_ctx, double tok_per_s) {
  FILE* f = stdout;
  fputc('{', f);
  print_json_ints(f, "prompt_tokens", r.prompt.data(), r.n_prompt);
  fputc(',', f);
  print_json_ints(f, "generated_tokens", r.generated.data(), r.n_generated);
  fputs(",\"text\":", f);
  print_json_string(f, r.text.c_str());
  fprintf(f, ",\"stopped_on_bos\":%s,\"stop\":\"%s\",\"seed\":%llu,\"n_ctx\":%d,\"load_ms\":%.3f,"
          "\"prompt_ms\":%.3f,\"tok_per_s\":%.3f,\"token_ms\":[",
          r.stopped_on_bos ? "true" : "false", stop_name(r.stop), static_cast<unsigned long long>(seed),
          n_ctx, r.load_ms, r.prompt_ms, tok_per_s);
  for (int i = 0; i < r.n_generated; i++) fprintf(f, i ? ",%.4f" : "%.4f", r.token_ms[i]);
  fputs("]}\n", f);
}

}  // namespace

int generate_main(int argc, char** argv, int (*conversation)(int, char**)) {
  Options o;
  const CommandLine cl{"generate", "generate -m MODEL [-p PROMPT | -f FILE] [-n N] [OPTIONS]",
                       kGenerateGroups, apply, &o};
  if (int rc = parse_command_line(cl, argc, argv)) return rc < 0 ? 0 : rc;
  if (o.conversation) {
    if (conversation) return conversation(argc, argv);
    fputs("bareflow generate: -cnv: this build (the llama app) has no conversation mode; use bareflow chat\n", stderr);
    return 1;
  }
  if (!o.engine.model) {
    fputs("bareflow generate: no model given (-m MODEL; see --help)\n", stderr);
    return 1;
  }
  install_interrupt_handler(true);  // Ctrl-C: stop, print the timings; twice: kill
  const uint64_t seed = resolve_seed(o.engine);

  Run r;
  const double t_load = now_ms();
  Engine e;
  Text prompt;
  if (!open_engine(o.engine, "generate", e) || !load_prompt(o, prompt)) return 1;
  ThreadPool pool(o.engine.threads ? o.engine.threads : cpu_count());
  Session s;
  if (!open_session(o.engine, e, pool, s)) return 1;
  if (!encode_prompt(o, e, prompt.c_str(), r)) return 1;
  r.load_ms = now_ms() - t_load;

  if (!generate(o, e, s, r)) {
    fputs("bareflow generate: out of memory\n", stderr);
    return 1;
  }
  double gen_ms = 0;
  for (int i = 0; i < r.n_generated; i++) gen_ms += r.token_ms[i];
  const double tok_per_s = gen_ms > 0 ? r.n_generated * 1000.0 / gen_ms : 0.0;
  if (o.json) print_json(r, seed, e.n_ctx, tok_per_s);
  else fputc('\n', stdout);
  fflush(stdout);
  if (r.stop == Stop::kContextFull && o.n_predict > 0)
    fprintf(stderr, "bareflow generate: the context (%d tokens, -c) is full: %d of the %d tokens "
            "asked for (-n)\n", e.n_ctx, r.n_generated, o.n_predict);
  fprintf(stderr, "load %.1f ms (%s, %s kernels, %d threads); prompt %d tokens in %.1f ms; "
          "%d tokens at %.2f tok/s; seed %llu; stop: %s\n",
          r.load_ms, format_name(e.model.format), kernels().name, pool.size(), r.n_prompt, r.prompt_ms,
          r.n_generated, tok_per_s, static_cast<unsigned long long>(seed), stop_name(r.stop));
  return r.stop == Stop::kInterrupted ? 130 : 0;
}

}  // namespace bf::llm
