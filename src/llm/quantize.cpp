// `quantize IN OUT`: a float checkpoint (llama2.c, or GGUF F32/F16/BF16) to llama2.c version 2
// Q8_0, or with --gguf / --type TYPE to a GGUF file whose matrices are of that type (Q8_0 by
// default) where their rows allow it.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <strings.h>

#include "llm/checkpoint_writer.h"
#include "llm/commands.h"
#include "llm/gguf.h"
#include "llm/model.h"
#include "llm/weight_types.h"

namespace bf::llm {

namespace {

constexpr const char* kUsage =
    "usage: bareflow quantize IN OUT [--group-size G] [--gguf] [--type TYPE] [-z TOKENIZER]\n"
    "  writes a llama2.c version 2 (Q8_0) checkpoint from a float one; the group size must divide\n"
    "  dim and hidden_dim (default: the largest such size up to 64).\n"
    "  --gguf writes GGUF instead, its matrices of --type TYPE (default Q8_0): F32, F16, BF16,\n"
    "  Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K or Q6_K (--type implies --gguf). A matrix whose\n"
    "  rows the type's block does not divide falls back as llama.cpp does (Q4_K to Q5_0, Q5_K to\n"
    "  Q5_1, Q6_K to Q8_0), else to F32. The vocabulary of -z TOKENIZER (or of a GGUF input) is\n"
    "  embedded.\n";

// Float weights (F32, or GGUF F16/BF16): quantizing quantized ones again would compound the loss.
bool float_weights(const Model& m) {
  auto is_float = [](const Matrix& w) {
    return w.type == WeightType::kF32 || w.type == WeightType::kF16 || w.type == WeightType::kBF16;
  };
  if (!is_float(m.token_embedding) || !is_float(m.classifier)) return false;
  for (const LayerWeights& l : m.layers)
    for (const Matrix* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w1, &l.w2, &l.w3})
      if (!is_float(*w)) return false;
  return true;
}

// A --type argument: the GGUF types quantize writes, named as ggml names them.
bool parse_type(const char* name, WeightType& out) {
  for (WeightType t : {WeightType::kF32, WeightType::kF16, WeightType::kBF16, WeightType::kQ4_0,
                       WeightType::kQ4_1, WeightType::kQ5_0, WeightType::kQ5_1, WeightType::kQ8_0,
                       WeightType::kQ4K, WeightType::kQ5K, WeightType::kQ6K})
    if (!strcasecmp(name, weight_type_info(t).name)) {
      out = t;
      return true;
    }
  fprintf(stderr,
          "bareflow quantize: --type %s: not a type quantize writes (F32, F16, BF16, Q4_0, Q4_1, "
          "Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K)\n",
          name);
  return false;
}

}  // namespace

int quantize_main(int argc, char** argv) {
  const char* in = nullptr;
  const char* out = nullptr;
  const char* tokenizer = nullptr;
  long group_size = 0;
  bool gguf = false;
  WeightType type = WeightType::kQ8_0;
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(kUsage, stdout);
      return 0;
    } else if (!strcmp(a, "--gguf")) {
      gguf = true;
    } else if (!strcmp(a, "--type") && i + 1 < argc) {
      if (!parse_type(argv[++i], type)) return 1;
      gguf = true;
    } else if ((!strcmp(a, "--group-size") || !strcmp(a, "-z")) && i + 1 < argc) {
      const char* v = argv[++i];
      if (a[1] == 'z') {
        tokenizer = v;
        continue;
      }
      char* end;
      errno = 0;
      group_size = strtol(v, &end, 10);
      if (errno || *end || group_size <= 0 || group_size > 4096) {
        fprintf(stderr, "bareflow quantize: bad group size '%s'\n", v);
        return 1;
      }
    } else if (a[0] != '-' && !in) {
      in = a;
    } else if (a[0] != '-' && !out) {
      out = a;
    } else {
      fprintf(stderr, "bareflow quantize: unexpected argument %s\n%s", a, kUsage);
      return 1;
    }
  }
  if (!in || !out) {
    fputs(kUsage, stderr);
    return 1;
  }
  Status st;
  Model model;
  if (!load_model(in, model, st)) {
    report_error(in, st);
    return 1;
  }
  if (!float_weights(model)) {
    fprintf(stderr, "bareflow: %s: already quantized; quantize needs an fp32 or fp16 model\n", in);
    return 1;
  }
  // export.py's test: the classifier is shared when it equals the embedding.
  const Matrix &emb = model.token_embedding, &cls = model.classifier;
  bool shared = model.shared_classifier ||
                (emb.type == cls.type &&
                 !memcmp(cls.data, emb.data, weight_bytes(emb.type, uint64_t(emb.rows) * emb.cols)));
  if (gguf) {
    if (!gguf::write_gguf(model, tokenizer, type, out, st)) {
      report_error(out, st);
      return 1;
    }
    fprintf(stderr, "wrote %s: GGUF, matrices %s where their rows allow\n", out,
            weight_type_info(type).name);
    return 0;
  }
  const Config& c = model.config;
  int gs = group_size ? int(group_size) : choose_group_size(c);
  if (c.dim % gs != 0 || c.hidden_dim % gs != 0) {
    fprintf(stderr, "bareflow: %s: group size %d does not divide dim %d and hidden_dim %d\n", in, gs,
            c.dim, c.hidden_dim);
    return 1;
  }
  if (!write_llama2c_v2(c, shared, gs, model_source(model), out, st)) {
    report_error(out, st);
    return 1;
  }
  fprintf(stderr, "wrote %s: version 2, Q8_0, group size %d\n", out, gs);
  return 0;
}

}  // namespace bf::llm
