// Checkpoint writers and readers: quantize reproduces the reference Q8_0 file byte for byte,
// version 1 and GGUF copies generate the reference tokens, GGUF Q8_0 matmuls agree with a
// scalar recompute, and synth writes the exact sizes of the real models.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "engine_test_util.h"
#include "llm/checkpoint_writer.h"
#include "llm/commands.h"
#include "llm/gguf.h"

namespace bf::llm::test {
namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

const char* kOnce = "Once upon a time";

// The fp32 reference tokens of a prompt.
std::vector<int> reference_tokens(const std::string& prompt) {
  llvm::json::Value v = read_json(shared_path("testdata/reference_greedy.json"));
  for (const llvm::json::Value& ev : *v.getAsArray()) {
    const llvm::json::Object& o = *ev.getAsObject();
    if (o.getString("model")->str() == "stories260K.bin" && o.getString("prompt")->str() == prompt)
      return int_list(o.getArray("generated_tokens"));
  }
  ADD_FAILURE() << "no reference for " << prompt;
  return {};
}

struct Loaded {
  Model model;
  Tokenizer tok;
};

void load(const std::string& path, Loaded& l) {
  Status st;
  ASSERT_TRUE(load_model(path.c_str(), l.model, st)) << path << ": " << st.message();
  ASSERT_TRUE(l.tok.load_bin(model_path("tok512.bin").c_str(), l.model.config.vocab_size, st)) << st.message();
}

TEST(Formats, WeightsPointIntoTheMapping) {
  for (const char* name : {"stories260K.bin", "stories260K_q80_gs4.bin", "stories260K.gguf"}) {
    Status st;
    Model m;
    ASSERT_TRUE(load_model(model_path(name).c_str(), m, st)) << st.message();
    std::span<const uint8_t> file = m.file.bytes();
    auto inside = [&](const void* p) {
      auto b = static_cast<const uint8_t*>(p);
      return b >= file.data() && b < file.data() + file.size();
    };
    EXPECT_TRUE(inside(m.token_embedding.data)) << name;
    EXPECT_TRUE(inside(m.rms_final)) << name;
    for (const LayerWeights& l : m.layers) {
      EXPECT_TRUE(inside(l.rms_att) && inside(l.rms_ffn)) << name;
      for (const Matrix* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w1, &l.w2, &l.w3})
        EXPECT_TRUE(inside(w->data) && (!w->scales || inside(w->scales))) << name;
    }
  }
}

TEST(Quantize, ReproducesTheReferenceQ8File) {
  std::string out = temp_path("q80.bin");
  std::string in = model_path("stories260K.bin");
  std::vector<char*> argv = {(char*)"quantize", in.data(), out.data()};
  ASSERT_EQ(quantize_main(int(argv.size()), argv.data()), 0);
  EXPECT_TRUE(read_bytes(out) == read_bytes(model_path("stories260K_q80_gs4.bin")));
  std::remove(out.c_str());
}

TEST(Quantize, RejectsAGroupSizeThatDoesNotDivide) {
  std::string out = temp_path("q80_gs64.bin");
  std::string in = model_path("stories260K.bin");
  std::vector<char*> argv = {(char*)"quantize", in.data(), out.data(), (char*)"--group-size", (char*)"64"};
  EXPECT_EQ(quantize_main(int(argv.size()), argv.data()), 1);
  EXPECT_FALSE(std::ifstream(out).good());
}

TEST(Quantize, GgufOutputCarriesQ8AndTheVocabulary) {
  std::string out = temp_path("q8_cli.gguf");
  std::string in = model_path("stories260K.bin"), tok = model_path("tok512.bin");
  std::vector<char*> argv = {(char*)"quantize", in.data(), out.data(), (char*)"--gguf", (char*)"-z", tok.data()};
  ASSERT_EQ(quantize_main(int(argv.size()), argv.data()), 0);
  Status st;
  Model m;
  ASSERT_TRUE(load_model(out.c_str(), m, st)) << st.message();
  EXPECT_EQ(m.format, ModelFormat::kGguf);
  EXPECT_EQ(m.layers[4].wo.type, WeightType::kQ8_0);
  EXPECT_EQ(m.vocab.count, 512u);
  std::remove(out.c_str());
}

TEST(Formats, Version1GeneratesTheReference) {
  Loaded src;
  load(model_path("stories260K.bin"), src);
  const Config& c = src.model.config;
  std::string path = temp_path("v1.bin");
  {
    // export.py version1_export: header, norms, embedding, then each matrix kind per layer.
    std::ofstream f(path, std::ios::binary);
    uint32_t magic = 0x616b3432;
    int32_t hdr[8] = {1, c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size, c.seq_len};
    f.write((char*)&magic, 4);
    f.write((char*)hdr, sizeof hdr);
    f.put(1);
    std::string pad(256 - 37, '\0');
    f.write(pad.data(), pad.size());
    WeightSource s = model_source(src.model);
    std::vector<float> row(c.hidden_dim);
    auto put = [&](TensorKind k, int layer) {
      int rows, cols;
      tensor_shape(c, k, rows, cols);
      for (int r = 0; r < rows; r++) {
        s.row(s.ctx, k, layer, r, row.data());
        f.write((char*)row.data(), sizeof(float) * cols);
      }
    };
    for (TensorKind k : {TensorKind::kRmsAtt, TensorKind::kRmsFfn})
      for (int l = 0; l < c.n_layers; l++) put(k, l);
    put(TensorKind::kRmsFinal, 0);
    put(TensorKind::kEmbedding, 0);
    for (TensorKind k : {TensorKind::kWq, TensorKind::kWk, TensorKind::kWv, TensorKind::kWo,
                         TensorKind::kW1, TensorKind::kW2, TensorKind::kW3})
      for (int l = 0; l < c.n_layers; l++) put(k, l);
  }
  Loaded v1;
  load(path, v1);
  EXPECT_EQ(v1.model.format, ModelFormat::kLlama2cV1);
  EXPECT_EQ(run_greedy(v1.model, v1.tok, kOnce, 128, 1).generated, reference_tokens(kOnce));
  std::remove(path.c_str());
}

TEST(Formats, Version0WriterRoundTrips) {
  Loaded src;
  load(model_path("stories260K.bin"), src);
  std::string path = temp_path("v0.bin");
  Status st;
  // Unshared classifier: exercises the negative vocab_size and the trailing wcls.
  ASSERT_TRUE(write_llama2c_v0(src.model.config, false, model_source(src.model), path.c_str(), st)) << st.message();
  Loaded v0;
  load(path, v0);
  EXPECT_FALSE(v0.model.shared_classifier);
  EXPECT_EQ(run_greedy(v0.model, v0.tok, kOnce, 128, 2).generated, reference_tokens(kOnce));
  std::remove(path.c_str());
}

TEST(Formats, GgufF32WriterRoundTrips) {
  Loaded src;
  load(model_path("stories260K.bin"), src);
  std::string path = temp_path("f32.gguf");
  Status st;
  std::string tok = model_path("tok512.bin");
  ASSERT_TRUE(gguf::write_gguf(src.model, tok.c_str(), WeightType::kF32, path.c_str(), st)) << st.message();
  Model m;
  ASSERT_TRUE(load_model(path.c_str(), m, st)) << st.message();
  Tokenizer t;
  ASSERT_TRUE(t.load_gguf(m.vocab, st)) << st.message();
  GreedyRun r = run_greedy(m, t, kOnce, 128, 1);
  EXPECT_EQ(r.prompt, (std::vector<int>{1, 403, 407, 261, 378}));
  EXPECT_EQ(r.generated, reference_tokens(kOnce));
  std::remove(path.c_str());
}

// The llama GGUF variants small models use: grouped-query attention, the classifier tied to the
// embedding or not, and llama.rope.freq_base reaching the rotary angles.
TEST(Formats, GgufLlamaVariantsOfSmallModels) {
  Loaded src;
  load(model_path("stories260K.bin"), src);
  EXPECT_EQ(src.model.config.n_kv_heads * 2, src.model.config.n_heads);  // GQA in every reference run
  Status st;
  Model untied;  // stories260K.gguf has an output.weight of its own
  ASSERT_TRUE(load_model(model_path("stories260K.gguf").c_str(), untied, st)) << st.message();
  EXPECT_FALSE(untied.shared_classifier);
  EXPECT_NE(untied.classifier.data, untied.token_embedding.data);
  EXPECT_EQ(untied.config.n_kv_heads, 4);

  std::string tied_path = temp_path("tied.gguf");  // stories260K.bin shares it: no output.weight
  ASSERT_TRUE(gguf::write_gguf(src.model, nullptr, WeightType::kF32, tied_path.c_str(), st)) << st.message();
  Model tied;
  ASSERT_TRUE(load_model(tied_path.c_str(), tied, st)) << st.message();
  EXPECT_TRUE(tied.shared_classifier);
  EXPECT_EQ(tied.classifier.data, tied.token_embedding.data);
  EXPECT_EQ(run_greedy(tied, src.tok, kOnce, 128, 1).generated, reference_tokens(kOnce));
  std::remove(tied_path.c_str());

  // A model trained with another rope base: the file's value is the one the forward pass uses.
  src.model.config.rope_theta = 500000.0f;
  std::string rope_path = temp_path("rope.gguf");
  ASSERT_TRUE(gguf::write_gguf(src.model, nullptr, WeightType::kF32, rope_path.c_str(), st)) << st.message();
  Model rope;
  ASSERT_TRUE(load_model(rope_path.c_str(), rope, st)) << st.message();
  EXPECT_EQ(rope.config.rope_theta, 500000.0f);
  std::vector<int> with_base = run_greedy(rope, src.tok, kOnce, 128, 1).generated;
  EXPECT_EQ(with_base, run_greedy(src.model, src.tok, kOnce, 128, 1).generated);
  EXPECT_NE(with_base, reference_tokens(kOnce));
  std::remove(rope_path.c_str());
}

TEST(Formats, GgufQ8MatmulsAgreeWithScalarRecompute) {
  Loaded src;
  load(model_path("stories260K.bin"), src);
  std::string path = temp_path("q8.gguf");
  Status st;
  std::string tok = model_path("tok512.bin");
  ASSERT_TRUE(gguf::write_gguf(src.model, tok.c_str(), WeightType::kQ8_0, path.c_str(), st)) << st.message();
  Model m;
  ASSERT_TRUE(load_model(path.c_str(), m, st)) << st.message();
  // Rows of 64 (dim) become Q8_0; rows of 172 (hidden_dim) cannot and stay F32.
  EXPECT_EQ(m.layers[0].wq.type, WeightType::kQ8_0);
  EXPECT_EQ(m.token_embedding.type, WeightType::kQ8_0);
  EXPECT_EQ(m.layers[0].w2.type, WeightType::kF32);

  ThreadPool pool(2);
  Transformer tf;
  ASSERT_TRUE(tf.init(m, pool, 8, st)) << st.message();
  const Matrix& w = m.layers[1].w1;  // (172, 64) Q8_0
  std::vector<float> x(w.cols), out(w.rows), row(w.cols);
  for (int i = 0; i < w.cols; i++) x[i] = std::sin(0.37f * i) * 2.0f;
  tf.matmul(out.data(), x.data(), w);
  // Recompute: x quantized per 32 like the kernel does, weights dequantized, sums in double.
  std::vector<int8_t> xq(w.cols);
  std::vector<float> xs(w.cols / 32);
  scalar_kernels().quantize_q8(xq.data(), xs.data(), x.data(), w.cols, 32);
  for (int r = 0; r < w.rows; r++) {
    w.read_row(r, row.data());
    double want = 0;
    for (int i = 0; i < w.cols; i++) want += double(row[i]) * xq[i] * xs[i / 32];
    EXPECT_NEAR(out[r], want, 1e-3 * (1 + std::fabs(want))) << "row " << r;
  }

  // And the quantized model still tells the story the same way at first.
  Tokenizer t;
  ASSERT_TRUE(t.load_gguf(m.vocab, st)) << st.message();
  GreedyRun r = run_greedy(m, t, kOnce, 24, 2);
  std::vector<int> ref = reference_tokens(kOnce);
  ASSERT_GE(r.generated.size(), 8u);
  EXPECT_TRUE(std::equal(r.generated.begin(), r.generated.begin() + 8, ref.begin()));
  std::remove(path.c_str());
}

TEST(Formats, GgufF16MatmulsAgreeAndQuantizeAcceptsThem) {
  Loaded src;
  load(model_path("stories260K.bin"), src);
  std::string path = temp_path("f16.gguf");
  Status st;
  std::string tok = model_path("tok512.bin");
  ASSERT_TRUE(gguf::write_gguf(src.model, tok.c_str(), WeightType::kF16, path.c_str(), st)) << st.message();
  Model m;
  ASSERT_TRUE(load_model(path.c_str(), m, st)) << st.message();
  EXPECT_EQ(m.layers[0].w2.type, WeightType::kF16);  // F16 needs no particular row length
  ThreadPool pool(2);
  Transformer tf;
  ASSERT_TRUE(tf.init(m, pool, 8, st)) << st.message();
  const Matrix& w = m.layers[2].w2;  // (64, 172)
  std::vector<float> x(w.cols), out(w.rows), row(w.cols);
  for (int i = 0; i < w.cols; i++) x[i] = std::cos(0.11f * i);
  tf.matmul(out.data(), x.data(), w);
  for (int r = 0; r < w.rows; r++) {
    w.read_row(r, row.data());
    double want = 0;
    for (int i = 0; i < w.cols; i++) want += double(row[i]) * x[i];
    EXPECT_NEAR(out[r], want, 1e-4 * (1 + std::fabs(want))) << "row " << r;
  }
  Tokenizer t;
  ASSERT_TRUE(t.load_gguf(m.vocab, st)) << st.message();
  GreedyRun r = run_greedy(m, t, kOnce, 24, 1);
  std::vector<int> ref = reference_tokens(kOnce);
  ASSERT_GE(r.generated.size(), 16u);
  EXPECT_TRUE(std::equal(r.generated.begin(), r.generated.begin() + 16, ref.begin()));

  // fp16 weights are floats: quantize takes them.
  std::string q8 = temp_path("from_f16.q8.bin");
  std::vector<char*> argv = {(char*)"quantize", path.data(), q8.data()};
  EXPECT_EQ(quantize_main(int(argv.size()), argv.data()), 0);
  Model mq;
  EXPECT_TRUE(load_model(q8.c_str(), mq, st)) << st.message();
  std::remove(q8.c_str());
  std::remove(path.c_str());
}

TEST(Synth, Stories15MHasTheRealFileSize) {
  std::string path = temp_path("synth15M.bin");
  std::vector<char*> argv = {(char*)"synth", (char*)"--shape", (char*)"stories15M", path.data()};
  ASSERT_EQ(synth_main(int(argv.size()), argv.data()), 0);
  EXPECT_EQ(read_bytes(path).size(), 60816028u);  // stories15M.bin, PROVENANCE.md
  Status st;
  Model m;
  ASSERT_TRUE(load_model(path.c_str(), m, st)) << st.message();
  EXPECT_EQ(m.config.dim, 288);
  EXPECT_EQ(m.config.vocab_size, 32000);
  EXPECT_TRUE(m.shared_classifier);
  Tokenizer t;
  ASSERT_TRUE(t.load_bin(model_path("tokenizer.bin").c_str(), 32000, st)) << st.message();
  GreedyRun r = run_greedy(m, t, kOnce, 12, 2);  // 5 prompt tokens: positions 4..11 sample
  EXPECT_EQ(r.generated.size() + r.stopped_on_bos, 8u);
  // Rows split across threads compute exactly what one thread computes.
  GreedyRun one = run_greedy(m, t, kOnce, 12, 1);
  EXPECT_EQ(one.generated, r.generated);
  EXPECT_EQ(one.last_prompt_logits, r.last_prompt_logits);
  std::remove(path.c_str());
}

TEST(Synth, Q8IsVersion2AndDeterministic) {
  std::string a = temp_path("synth15M_a.q8"), b = temp_path("synth15M_b.q8");
  for (std::string* p : {&a, &b}) {
    std::vector<char*> argv = {(char*)"synth", (char*)"--shape", (char*)"stories15M", (char*)"--q8", p->data()};
    ASSERT_EQ(synth_main(int(argv.size()), argv.data()), 0);
  }
  EXPECT_TRUE(read_bytes(a) == read_bytes(b));
  Status st;
  Model m;
  ASSERT_TRUE(load_model(a.c_str(), m, st)) << st.message();
  EXPECT_EQ(m.format, ModelFormat::kLlama2cV2);
  EXPECT_EQ(m.layers[0].wq.group_size, 32);  // dim 288 is not a multiple of 64
  std::remove(a.c_str());
  std::remove(b.c_str());
}

}  // namespace
}  // namespace bf::llm::test
