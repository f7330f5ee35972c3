// `synth --shape NAME [--q8] OUT`: a checkpoint of seeded random weights with exactly a real
// model's shape, so speed can be measured at real sizes without the real weights. Rows are
// generated on demand and streamed to disk: the 4.4 GB TinyLlama file is written in 9 MB of RSS.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "llm/checkpoint_writer.h"
#include "llm/commands.h"
#include "llm/options.h"

namespace bf::llm {

namespace {

struct Shape {
  const char* name;
  Config config;
  bool shared_classifier;
};

constexpr Config make_config(int dim, int hidden, int layers, int heads, int kv_heads, int vocab, int seq) {
  Config c;
  c.dim = dim;
  c.hidden_dim = hidden;
  c.n_layers = layers;
  c.n_heads = heads;
  c.n_kv_heads = kv_heads;
  c.vocab_size = vocab;
  c.seq_len = seq;
  return c;
}

constexpr Shape kShapes[] = {
    {"stories15M", make_config(288, 768, 6, 6, 6, 32000, 256), true},
    {"stories42M", make_config(512, 1376, 8, 8, 8, 32000, 1024), true},
    {"stories110M", make_config(768, 2048, 12, 12, 12, 32000, 1024), true},
    {"tinyllama-1.1b", make_config(2048, 5632, 22, 32, 4, 32000, 2048), false},
};

struct SynthContext {
  uint64_t seed;
  const Shape* shape;
};

// A value in [-1, 1) from a hash of (seed, tensor, layer, row, column): any row can be made
// on its own, in any order, and always comes out the same.
uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

void random_row(const void* ctx, TensorKind kind, int layer, int r, float* out) {
  const auto& sc = *static_cast<const SynthContext*>(ctx);
  int rows, cols;
  tensor_shape(sc.shape->config, kind, rows, cols);
  if (kind == TensorKind::kRmsAtt || kind == TensorKind::kRmsFfn || kind == TensorKind::kRmsFinal) {
    for (int i = 0; i < cols; i++) out[i] = 1.0f;
    return;
  }
  // Scaled like a trained layer's weights, so activations stay finite through many layers.
  const float amplitude = 1.0f / sqrtf(float(cols));
  uint64_t state = mix(sc.seed ^ (uint64_t(kind) << 56) ^ (uint64_t(layer) << 40) ^ uint64_t(r));
  for (int i = 0; i < cols; i++) {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    uint32_t bits = uint32_t((state * 0x2545F4914F6CDD1Dull) >> 40);  // 24 random bits
    out[i] = amplitude * (float(bits) / 8388608.0f - 1.0f);
  }
}

enum SynthOptionId { kOptShape = 1, kOptQ8, kOptSeed };

constexpr Option kSynthOptions[] = {
    {"--shape", "NAME", "stories15M, stories42M, stories110M or tinyllama-1.1b: a real model's sizes", kOptShape},
    {"--q8", nullptr, "write llama2.c version 2 (Q8_0, group size 64) instead of version 0 (fp32)", kOptQ8},
    {"--seed", "S", "seed of the random weights (default 42)", kOptSeed},
};
constexpr std::span<const Option> kSynthGroups[] = {kSynthOptions};

struct SynthOptions {
  const Shape* shape = nullptr;
  const char* out = nullptr;
  bool q8 = false;
  uint64_t seed = 42;
};

bool apply(void* ctx, int id, const char* v) {
  SynthOptions& o = *static_cast<SynthOptions*>(ctx);
  switch (id) {
    case kPositional:
      if (o.out) return false;
      o.out = v;
      return true;
    case kOptQ8: o.q8 = true; return true;
    case kOptShape:
      for (const Shape& s : kShapes)
        if (!strcmp(s.name, v)) o.shape = &s;
      return o.shape != nullptr;
    case kOptSeed: {
      char* end;
      errno = 0;
      o.seed = strtoull(v, &end, 10);
      return !errno && end != v && !*end && v[0] != '-';
    }
    default: return false;
  }
}

}  // namespace

int synth_main(int argc, char** argv) {
  SynthOptions o;
  const CommandLine cl{"synth", "synth --shape NAME [--q8] [--seed S] OUT\n  writes a checkpoint of random weights in a real model's shape (for benchmarks)",
                       kSynthGroups, apply, &o};
  if (int rc = parse_command_line(cl, argc, argv)) return rc < 0 ? 0 : rc;
  if (!o.shape || !o.out) {
    fputs("bareflow synth: needs --shape NAME and OUT (see --help)\n", stderr);
    return 1;
  }
  const Shape* shape = o.shape;
  const char* out = o.out;
  const bool q8 = o.q8;
  const uint64_t seed = o.seed;
  SynthContext ctx{seed, shape};
  WeightSource src{random_row, &ctx};
  Status st;
  const Config& c = shape->config;
  bool ok = q8 ? write_llama2c_v2(c, shape->shared_classifier, choose_group_size(c), src, out, st)
               : write_llama2c_v0(c, shape->shared_classifier, src, out, st);
  if (!ok) {
    report_error(out, st);
    return 1;
  }
  return 0;
}

}  // namespace bf::llm
