// `generate`: load a model and a tokenizer, encode the prompt, run the forward pass position by
// position (forcing prompt tokens, then sampling), and stream the text as run.c prints it.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "llm/commands.h"
#include "llm/model.h"
#include "llm/sampler.h"
#include "llm/threadpool.h"
#include "llm/tokenizer.h"
#include "llm/transformer.h"

namespace bf::llm {

namespace {

struct Options {
  const char* model = nullptr;
  const char* tokenizer = nullptr;
  const char* prompt = "";
  long steps = 256;
  float temperature = 1.0f;
  float top_p = 0.9f;
  uint64_t seed = 0;  // 0: from the clock
  bool seed_given = false;
  int threads = 0;  // 0: one per core
  bool json = false;
};

constexpr const char* kUsage =
    "usage: bareflow generate -m MODEL [-z TOKENIZER] [-p PROMPT] [-n STEPS] [--temp T]\n"
    "                         [--top-p P] [--seed S] [--threads N] [--json]\n"
    "  -m, --model      checkpoint: llama2.c .bin (version 0, 1, 2) or GGUF\n"
    "  -z, --tokenizer  llama2.c tokenizer.bin (default: the vocabulary inside a GGUF model)\n"
    "  -p, -i, --prompt text to start from (default: empty)\n"
    "  -n, --steps      positions to run, prompt included; 0 = the model's seq_len (default 256)\n"
    "  -t, --temp       sampling temperature, 0 = greedy (default 1.0)\n"
    "  --top-p          nucleus sampling threshold, 0 or 1 = off (default 0.9)\n"
    "  -s, --seed       random seed (default: the clock)\n"
    "  --threads        worker threads for matmuls (default: one per core)\n"
    "  --json           print one JSON object (tokens, text, timings) instead of the text\n";

double now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

bool parse_long(const char* s, long& out) {
  char* end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end) return false;
  out = v;
  return true;
}

bool parse_float(const char* s, float& out) {
  char* end;
  errno = 0;
  float v = strtof(s, &end);
  if (errno || end == s || *end) return false;
  out = v;
  return true;
}

// Returns 0 to go on, else the exit status.
int parse_options(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    auto is = [&](const char* s1, const char* s2 = nullptr) {
      return !strcmp(a, s1) || (s2 && !strcmp(a, s2));
    };
    if (is("-h", "--help")) {
      fputs(kUsage, stdout);
      return -1;
    }
    if (is("--json")) {
      o.json = true;
      continue;
    }
    if (a[0] != '-' && !o.model) {  // llama2.c habit: the model as the first positional argument
      o.model = a;
      continue;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "bareflow generate: %s needs a value (or is unknown)\n%s", a, kUsage);
      return 1;
    }
    const char* v = argv[++i];
    long n;
    bool ok = true;
    if (is("-m", "--model")) o.model = v;
    else if (is("-z", "--tokenizer")) o.tokenizer = v;
    else if (is("-p", "--prompt") || is("-i")) o.prompt = v;
    else if (is("-n", "--steps")) ok = parse_long(v, o.steps) && o.steps >= 0;
    else if (is("-t", "--temp") || is("--temperature")) ok = parse_float(v, o.temperature) && o.temperature >= 0;
    else if (is("--top-p")) ok = parse_float(v, o.top_p) && o.top_p >= 0 && o.top_p <= 1;
    else if (is("-s", "--seed")) {
      ok = parse_long(v, n);
      o.seed = uint64_t(n);
      o.seed_given = true;
    } else if (is("--threads")) {
      ok = parse_long(v, n) && n >= 1 && n <= 1024;
      o.threads = int(n);
    } else {
      fprintf(stderr, "bareflow generate: unknown option %s\n%s", a, kUsage);
      return 1;
    }
    if (!ok) {
      fprintf(stderr, "bareflow generate: bad value '%s' for %s\n", v, a);
      return 1;
    }
  }
  if (!o.model) {
    fprintf(stderr, "bareflow generate: no model given (-m MODEL)\n%s", kUsage);
    return 1;
  }
  return 0;
}

// Text that grows as pieces arrive (for --json).
class Text {
 public:
  bool append(const char* s) {
    size_t n = strlen(s);
    if (!buf_.reserve(len_ + n + 1)) return false;
    memcpy(buf_.data() + len_, s, n + 1);
    len_ += n;
    return true;
  }
  const char* c_str() const { return len_ ? buf_.data() : ""; }

 private:
  Buffer<char> buf_;
  size_t len_ = 0;
};

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

}  // namespace

int generate_main(int argc, char** argv) {
  Options o;
  if (int rc = parse_options(argc, argv, o)) return rc < 0 ? 0 : rc;

  const double t_load = now_ms();
  Status st;
  Model model;
  if (!load_model(o.model, model, st)) {
    report_error(o.model, st);
    return 1;
  }
  Tokenizer tokenizer;
  if (o.tokenizer) {
    if (!tokenizer.load_bin(o.tokenizer, model.config.vocab_size, st)) {
      report_error(o.tokenizer, st);
      return 1;
    }
  } else if (model.vocab.count) {
    if (!tokenizer.load_gguf(model.vocab, st)) {
      report_error(o.model, st);
      return 1;
    }
  } else {
    fprintf(stderr, "bareflow: %s: the model carries no vocabulary; give a tokenizer with -z\n", o.model);
    return 1;
  }

  const int seq_len = model.config.seq_len;
  const int steps = o.steps == 0 || o.steps > seq_len ? seq_len : int(o.steps);
  ThreadPool pool(o.threads ? o.threads : cpu_count());
  Transformer transformer;
  Sampler sampler;
  Buffer<int> prompt_tokens, generated;
  Buffer<double> token_ms;
  if (!transformer.init(model, pool, steps, st) ||
      !sampler.init(model.config.vocab_size, o.temperature, o.top_p,
                    o.seed_given ? o.seed : uint64_t(time(nullptr))) ||
      !prompt_tokens.allocate(size_t(Tokenizer::max_tokens(o.prompt))) ||
      !generated.allocate(size_t(steps) + 1) || !token_ms.allocate(size_t(steps) + 1)) {
    if (st.ok()) st.fail("out of memory");
    report_error(o.model, st);
    return 1;
  }
  const int n_prompt = tokenizer.encode(o.prompt, true, false, prompt_tokens.data());
  const double load_ms = now_ms() - t_load;

  // run.c's loop: position pos consumes `token` and yields `next`, forced while in the prompt.
  Text text;
  int n_generated = 0;
  bool stopped_on_bos = false;
  double prompt_ms = 0, t_step = now_ms();
  int token = prompt_tokens[0];
  for (int pos = 0; pos < steps; pos++) {
    float* logits = transformer.forward(token, pos);
    int next;
    const bool in_prompt = pos < n_prompt - 1;
    if (in_prompt) {
      next = prompt_tokens[pos + 1];
    } else {
      next = sampler.sample(logits);
    }
    double t = now_ms();
    if (in_prompt) {
      prompt_ms += t - t_step;
    } else {
      token_ms[n_generated] = t - t_step;
      if (next != kBosToken) generated[n_generated] = next;
      n_generated++;
    }
    t_step = t;
    if (next == kBosToken) {
      stopped_on_bos = true;
      if (!in_prompt) n_generated--;  // the terminating BOS is not part of the output
      break;
    }
    const char* piece = tokenizer.decode(token, next);
    if (is_printable_piece(piece)) {
      if (o.json) {
        if (!text.append(piece)) {
          fprintf(stderr, "bareflow: out of memory\n");
          return 1;
        }
      } else {
        fputs(piece, stdout);
        fflush(stdout);
      }
    }
    token = next;
  }

  double gen_ms = 0;
  for (int i = 0; i < n_generated; i++) gen_ms += token_ms[i];
  const double tok_per_s = gen_ms > 0 ? n_generated * 1000.0 / gen_ms : 0.0;
  if (o.json) {
    FILE* f = stdout;
    fputc('{', f);
    print_json_ints(f, "prompt_tokens", prompt_tokens.data(), n_prompt);
    fputc(',', f);
    print_json_ints(f, "generated_tokens", generated.data(), n_generated);
    fputs(",\"text\":", f);
    print_json_string(f, text.c_str());
    fprintf(f, ",\"stopped_on_bos\":%s,\"load_ms\":%.3f,\"prompt_ms\":%.3f,\"tok_per_s\":%.3f,\"token_ms\":[",
            stopped_on_bos ? "true" : "false", load_ms, prompt_ms, tok_per_s);
    for (int i = 0; i < n_generated; i++) fprintf(f, i ? ",%.4f" : "%.4f", token_ms[i]);
    fputs("]}\n", f);
  } else {
    fputc('\n', stdout);
  }
  fflush(stdout);
  fprintf(stderr, "load %.1f ms (%s, %s kernels, %d threads); prompt %d tokens in %.1f ms; "
          "%d tokens at %.2f tok/s\n",
          load_ms, format_name(model.format), kernels().name, pool.size(), n_prompt, prompt_ms,
          n_generated, tok_per_s);
  return 0;
}

}  // namespace bf::llm
