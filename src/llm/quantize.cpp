// `quantize IN OUT`: a float checkpoint (llama2.c, or GGUF F32/F16/BF16) to llama2.c version 2
// Q8_0, or with --gguf / --type TYPE to a GGUF file whose matrices are of that type (Q8_0 by
// default) where their rows allow it.
#include <cstdio>
#include <cstring>
#include <strings.h>

#include "llm/checkpoint_writer.h"
#include "llm/commands.h"
#include "llm/gguf.h"
#include "llm/model.h"
#include "llm/options.h"
#include "llm/weight_types.h"

namespace bf::llm {

namespace {

constexpr const char* kUsage =
    "quantize IN OUT [--type TYPE | --gguf | --group-size G] [-z TOKENIZER]\n"
    "  writes a float checkpoint (llama2.c, or GGUF F32/F16/BF16) as llama2.c version 2 (Q8_0) or\n"
    "  as GGUF. A matrix whose rows the type's block does not divide falls back as llama.cpp does\n"
    "  (Q4_K to Q5_0, Q5_K to Q5_1, Q6_K to Q8_0), else to F32.";

enum QuantizeOptionId { kOptType = 1, kOptGguf, kOptGroupSize, kOptVocabulary };

constexpr Option kQuantizeOptions[] = {
    {"--type", "TYPE", "GGUF with matrices of TYPE: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K or Q6_K", kOptType},
    {"--gguf", nullptr, "GGUF with Q8_0 matrices (the default --type)", kOptGguf},
    {"--group-size", "G", "version 2: values per scale, dividing dim and hidden_dim (default: the largest up to 64)", kOptGroupSize},
    {"-z, --tokenizer", "FILE", "llama2.c tokenizer.bin whose vocabulary the GGUF file carries (default: a GGUF input's)", kOptVocabulary},
};
constexpr std::span<const Option> kQuantizeGroups[] = {kQuantizeOptions};

struct QuantizeOptions {
  const char* in = nullptr;
  const char* out = nullptr;
  const char* tokenizer = nullptr;
  int group_size = 0;
  bool gguf = false;
  WeightType type = WeightType::kQ8_0;
};

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
  return false;
}

bool apply(void* ctx, int id, const char* v) {
  QuantizeOptions& o = *static_cast<QuantizeOptions*>(ctx);
  switch (id) {
    case kPositional:
      if (o.out) return false;
      (o.in ? o.out : o.in) = v;
      return true;
    case kOptType:
      o.gguf = true;
      return parse_type(v, o.type);
    case kOptGguf: o.gguf = true; return true;
    case kOptGroupSize: return parse_int(v, 1, 4096, o.group_size);
    case kOptVocabulary: o.tokenizer = v; return true;
    default: return false;
  }
}

}  // namespace

int quantize_main(int argc, char** argv) {
  QuantizeOptions o;
  const CommandLine cl{"quantize", kUsage, kQuantizeGroups, apply, &o};
  if (int rc = parse_command_line(cl, argc, argv)) return rc < 0 ? 0 : rc;
  if (!o.out) {
    fputs("bareflow quantize: needs IN and OUT (see --help)\n", stderr);
    return 1;
  }
  const char *in = o.in, *out = o.out;
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
  if (o.gguf) {
    if (!gguf::write_gguf(model, o.tokenizer, o.type, out, st)) {
      report_error(out, st);
      return 1;
    }
    fprintf(stderr, "wrote %s: GGUF, matrices %s where their rows allow\n", out,
            weight_type_info(o.type).name);
    return 0;
  }
  const Config& c = model.config;
  int gs = o.group_size ? o.group_size : choose_group_size(c);
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
