#include "llm/options.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <unistd.h>

namespace bf::llm {

namespace {

// `name` is one of the comma-separated spellings in `names`.
bool has_name(const char* names, const char* name) {
  const size_t n = strlen(name);
  for (const char* p = names; *p;) {
    const char* end = strchr(p, ',');
    size_t len = end ? size_t(end - p) : strlen(p);
    if (len == n && !strncmp(p, name, n)) return true;
    if (!end) break;
    p = end + 1;
    while (*p == ' ') p++;
  }
  return false;
}

const Option* find_option(const CommandLine& cl, const char* name) {
  for (std::span<const Option> g : cl.groups)
    for (const Option& o : g)
      if (has_name(o.names, name)) return &o;
  return nullptr;
}

}  // namespace

bool parse_int(const char* s, long min, long max, int& out) {
  char* end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < min || v > max) return false;
  out = int(v);
  return true;
}

bool parse_float(const char* s, float min, float max, float& out) {
  char* end;
  errno = 0;
  float v = strtof(s, &end);
  if (errno || end == s || *end || !(v >= min && v <= max)) return false;
  out = v;
  return true;
}

void print_help(const CommandLine& cl) {
  printf("usage: bareflow %s\n", cl.usage);
  for (std::span<const Option> g : cl.groups) {
    putchar('\n');
    for (const Option& o : g) {
      char left[80];
      snprintf(left, sizeof left, "%s%s%s", o.names, o.value ? " " : "", o.value ? o.value : "");
      if (strlen(left) > 26) printf("  %s\n  %-26s  %s\n", left, "", o.help);
      else printf("  %-26s  %s\n", left, o.help);
    }
  }
}

int parse_command_line(const CommandLine& cl, int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      print_help(cl);
      return -1;
    }
    // An argument, or a negative number where one is expected ("-n -1" is handled below).
    if (a[0] != '-' || a[1] == '\0') {
      if (!cl.apply(cl.ctx, kPositional, a)) {
        fprintf(stderr, "bareflow %s: unexpected argument '%s' (see --help)\n", cl.command, a);
        return 1;
      }
      continue;
    }
    // --name=value is accepted as well as --name value.
    char name[64];
    const char* value = nullptr;
    const char* eq = a[1] == '-' ? strchr(a, '=') : nullptr;
    if (eq && size_t(eq - a) < sizeof name) {
      memcpy(name, a, size_t(eq - a));
      name[eq - a] = '\0';
      value = eq + 1;
    } else {
      snprintf(name, sizeof name, "%s", a);
    }
    const Option* o = find_option(cl, name);
    if (!o) {
      fprintf(stderr, "bareflow %s: unknown option %s (see --help)\n", cl.command, name);
      return 1;
    }
    if (o->value && !value) {
      if (i + 1 >= argc) {
        fprintf(stderr, "bareflow %s: %s needs a value (%s)\n", cl.command, name, o->value);
        return 1;
      }
      value = argv[++i];
    } else if (!o->value && value) {
      fprintf(stderr, "bareflow %s: %s takes no value\n", cl.command, name);
      return 1;
    }
    if (!cl.apply(cl.ctx, o->id, value)) {
      if (value) fprintf(stderr, "bareflow %s: bad value '%s' for %s: %s\n", cl.command, value, name, o->help);
      else fprintf(stderr, "bareflow %s: %s: %s\n", cl.command, name, o->help);
      return 1;
    }
  }
  return 0;
}

bool apply_engine_option(EngineOptions& o, const char* command, int id, const char* v) {
  SamplerParams& s = o.sampling;
  int n;
  switch (id) {
    case kPositional:  // llama2.c's habit: the model as the first argument
      if (o.model) return false;
      o.model = v;
      return true;
    case kOptModel: o.model = v; return true;
    case kOptTokenizer: o.tokenizer = v; return true;
    case kOptCtx: return parse_int(v, 0, 1 << 24, o.n_ctx);
    case kOptThreads: return parse_int(v, 1, 1024, o.threads);
    case kOptGpuLayers:
      if (!parse_int(v, -1, 1 << 20, n)) return false;
      fprintf(stderr, "bareflow %s: no GPU offload here: -ngl %s ignored, running on the CPU\n", command, v);
      return true;
    case kOptTemp: return parse_float(v, 0.0f, 1e6f, s.temperature);
    case kOptTopK: return parse_int(v, 0, 1 << 30, s.top_k);
    case kOptTopP: return parse_float(v, 0.0f, 1.0f, s.top_p);
    case kOptMinP: return parse_float(v, 0.0f, 1.0f, s.min_p);
    case kOptRepeatPenalty: return parse_float(v, 1e-6f, 1e6f, s.repeat_penalty);
    case kOptRepeatLastN: return parse_int(v, -1, 1 << 24, s.repeat_last_n);
    case kOptSeed: {
      char* end;
      errno = 0;
      long long seed = strtoll(v, &end, 10);
      if (errno || end == v || *end || seed < -1) return false;
      o.seed_given = seed != -1;
      s.seed = uint64_t(seed);
      return true;
    }
    case kOptIgnoreEos: o.ignore_eos = true; return true;
    case kOptReversePrompt:
      if (o.n_stops == EngineOptions::kMaxStops || !*v) return false;
      o.stops[o.n_stops++] = v;
      return true;
    default: return false;
  }
}

uint64_t resolve_seed(EngineOptions& o) {
  if (!o.seed_given) {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    // 31 bits, so that it reads and types back easily with -s.
    uint64_t mixed = uint64_t(ts.tv_sec) * 1000003u ^ uint64_t(ts.tv_nsec) ^ uint64_t(getpid()) << 16;
    o.sampling.seed = (mixed * 0x9E3779B97F4A7C15ull) >> 33;
    o.seed_given = true;
  }
  return o.sampling.seed;
}

}  // namespace bf::llm
