// `quantize IN OUT`: an fp32 checkpoint (llama2.c or GGUF) to llama2.c version 2 Q8_0, or with
// --gguf to a GGUF file whose matrices with 32-multiple rows are Q8_0.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "llm/checkpoint_writer.h"
#include "llm/commands.h"
#include "llm/gguf.h"
#include "llm/model.h"

namespace bf::llm {

namespace {

constexpr const char* kUsage =
    "usage: bareflow quantize IN OUT [--group-size G] [--gguf [-z TOKENIZER]]\n"
    "  writes a llama2.c version 2 (Q8_0) checkpoint from an fp32 one; the group size must divide\n"
    "  dim and hidden_dim (default: the largest such size up to 64).\n"
    "  --gguf writes GGUF instead (Q8_0 blocks of 32 where rows allow, F32 elsewhere),\n"
    "  embedding the vocabulary of -z TOKENIZER (or of a GGUF input).\n";

// Float weights (F32, or GGUF F16): quantizing quantized ones again would compound the loss.
bool float_weights(const Model& m) {
  auto is_float = [](const Matrix& w) { return w.type == WeightType::kF32 || w.type == WeightType::kF16; };
  if (!is_float(m.token_embedding) || !is_float(m.classifier)) return false;
  for (const LayerWeights& l : m.layers)
    for (const Matrix* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w1, &l.w2, &l.w3})
      if (!is_float(*w)) return false;
  return true;
}

}  // namespace

int quantize_main(int argc, char** argv) {
  const char* in = nullptr;
  const char* out = nullptr;
  const char* tokenizer = nullptr;
  long group_size = 0;
  bool gguf = false;
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(kUsage, stdout);
      return 0;
    } else if (!strcmp(a, "--gguf")) {
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
                 !memcmp(cls.data, emb.data,
                         (emb.type == WeightType::kF32 ? 4 : 2) * size_t(emb.rows) * emb.cols));
  if (gguf) {
    if (!gguf::write_gguf(model, tokenizer, gguf::kTensorQ8_0, out, st)) {
      report_error(out, st);
      return 1;
    }
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
