// GGUF files of every weight type the engine reads: `quantize --type` writes them, the loader
// reads them back with the type each matrix should have, the engine's matmuls on them agree with
// a recompute from the dequantized rows, and stories260K still tells its story.
#include <cmath>
#include <cstdio>
#include <fstream>

#include "engine_test_util.h"
#include "llm/commands.h"
#include "llm/gguf.h"

namespace bf::llm::test {
namespace {

// The first generated tokens of stories260K.bin on "Once upon a time" (reference_greedy.json).
std::vector<int> reference_start() {
  llvm::json::Value v = read_json(shared_path("testdata/reference_greedy.json"));
  for (const llvm::json::Value& ev : *v.getAsArray()) {
    const llvm::json::Object& o = *ev.getAsObject();
    if (o.getString("model")->str() == "stories260K.bin" && o.getString("prompt")->str() == "Once upon a time")
      return int_list(o.getArray("generated_tokens"));
  }
  ADD_FAILURE() << "no reference";
  return {};
}

// `bareflow quantize stories260K.bin OUT --type TYPE -z tok512.bin`; its exit status.
int quantize_to(std::string out, const char* type) {
  std::string in = model_path("stories260K.bin"), tok = model_path("tok512.bin");
  std::vector<char*> argv = {(char*)"quantize", in.data(), out.data(), (char*)"--type", (char*)type,
                             (char*)"-z", tok.data()};
  return quantize_main(int(argv.size()), argv.data());
}

// The engine's matmul (the kernel set this CPU runs) of w against the dequantized rows: x goes
// through the same Q8 quantization for the integer formats, so the sums differ by rounding.
void expect_matmul_agrees(Transformer& tf, const Matrix& w, const std::vector<float>& x) {
  std::vector<float> out(w.rows), row(w.cols), xd = x;
  if (block_matmul(scalar_kernels(), w.type) != nullptr) {
    std::vector<int8_t> xq(w.cols);
    std::vector<float> xs(w.cols / 32);
    scalar_kernels().quantize_q8(xq.data(), xs.data(), x.data(), w.cols, 32);
    for (int i = 0; i < w.cols; i++) xd[i] = xq[i] * xs[i / 32];
  }
  tf.matmul(out.data(), x.data(), w);
  for (int r = 0; r < w.rows; r++) {
    w.read_row(r, row.data());
    double want = 0, scale = 0;
    for (int i = 0; i < w.cols; i++) {
      want += double(row[i]) * xd[i];
      scale += std::fabs(double(row[i]) * xd[i]);
    }
    // BF16 on AVX-512 BF16 rounds x to bfloat16 too (kernels.h): up to 2^-8 of sum |w x| more.
    const double bf16_x = w.type == WeightType::kBF16 ? scale / 256 : 0;
    ASSERT_NEAR(out[r], want, 1e-5 * (1 + scale) + bf16_x) << weight_type_info(w.type).name << " row " << r;
  }
}

struct TypeCase {
  const char* name;
  WeightType rows64;   // what a matrix with rows of 64 (dim) becomes
  WeightType rows172;  // and one with rows of 172 (hidden_dim)
  int same_tokens;     // how many first tokens must equal the fp32 reference's
};

class GgufTypes : public ::testing::TestWithParam<TypeCase> {};

TEST_P(GgufTypes, QuantizeWritesTheTypeAndTheEngineRunsIt) {
  const TypeCase& tc = GetParam();
  const std::string path = temp_path(std::string("types_") + tc.name + ".gguf");
  ASSERT_EQ(quantize_to(path, tc.name), 0);
  Status st;
  Model m;
  ASSERT_TRUE(load_model(path.c_str(), m, st)) << st.message();
  std::remove(path.c_str());  // the mapping keeps the bytes
  EXPECT_EQ(m.format, ModelFormat::kGguf);
  EXPECT_EQ(m.layers[0].wq.type, tc.rows64);
  EXPECT_EQ(m.layers[1].w1.type, tc.rows64);
  EXPECT_EQ(m.token_embedding.type, tc.rows64);
  EXPECT_EQ(m.layers[0].w2.type, tc.rows172);

  ThreadPool pool(2);
  Transformer tf;
  ASSERT_TRUE(tf.init(m, pool, 8, st)) << st.message();
  for (const Matrix* w : {&m.layers[1].w1, &m.layers[2].w2}) {
    std::vector<float> x(w->cols);
    for (int i = 0; i < w->cols; i++) x[i] = std::sin(0.37f * i) * 2.0f;
    expect_matmul_agrees(tf, *w, x);
  }

  // The quantized model still starts the story as the fp32 one does.
  Tokenizer t;
  ASSERT_TRUE(t.load_gguf(m.vocab, st)) << st.message();
  GreedyRun r = run_greedy(m, t, "Once upon a time", 24, 2);  // 24 positions: 20 tokens
  const std::vector<int> ref = reference_start();
  ASSERT_GE(r.generated.size(), size_t(tc.same_tokens));
  EXPECT_TRUE(std::equal(r.generated.begin(), r.generated.begin() + tc.same_tokens, ref.begin()))
      << tc.name << ": " << r.text;
}

// stories260K's rows are 64 and 172 values: the 32-value formats fit 64 but not 172, and the
// K-quants' 256 fit neither, so they fall back as llama.cpp does (Q4_K to Q5_0, Q6_K to Q8_0).
INSTANTIATE_TEST_SUITE_P(
    Types, GgufTypes,
    ::testing::Values(TypeCase{"F32", WeightType::kF32, WeightType::kF32, 20},
                      TypeCase{"F16", WeightType::kF16, WeightType::kF16, 16},
                      TypeCase{"BF16", WeightType::kBF16, WeightType::kBF16, 8},
                      TypeCase{"Q8_0", WeightType::kQ8_0, WeightType::kF32, 8},
                      TypeCase{"Q4_0", WeightType::kQ4_0, WeightType::kF32, 8},
                      TypeCase{"Q4_1", WeightType::kQ4_1, WeightType::kF32, 8},
                      TypeCase{"Q5_0", WeightType::kQ5_0, WeightType::kF32, 8},
                      TypeCase{"Q5_1", WeightType::kQ5_1, WeightType::kF32, 8},
                      TypeCase{"Q4_K", WeightType::kQ5_0, WeightType::kF32, 8},
                      TypeCase{"Q5_K", WeightType::kQ5_1, WeightType::kF32, 8},
                      TypeCase{"Q6_K", WeightType::kQ8_0, WeightType::kF32, 8}),
    [](const ::testing::TestParamInfo<TypeCase>& i) { return std::string(i.param.name); });

TEST(GgufTypes, QuantizeRefusesAnUnknownTypeAndWritesNothing) {
  const std::string path = temp_path("types_bad.gguf");
  EXPECT_EQ(quantize_to(path, "Q2_K"), 1);
  EXPECT_FALSE(std::ifstream(path).good());
}

// The K-quants on rows of 256 (synth's stories110M-like shapes are too large for a unit test):
// a model written from made-up rows of a tiny shape whose dim and hidden_dim are 256.
TEST(GgufTypes, KQuantsOnRowsOf256) {
  Config c{};
  c.dim = 256;
  c.hidden_dim = 512;
  c.n_layers = 1;
  c.n_heads = 4;
  c.n_kv_heads = 4;
  c.vocab_size = 32;
  c.seq_len = 8;
  const WeightSource src{[](const void* ctx, TensorKind kind, int layer, int r, float* out) {
                           int rows, cols;
                           tensor_shape(*static_cast<const Config*>(ctx), kind, rows, cols);
                           const bool norm = kind == TensorKind::kRmsAtt || kind == TensorKind::kRmsFfn ||
                                             kind == TensorKind::kRmsFinal;
                           for (int i = 0; i < cols; i++)
                             out[i] = norm ? 1.0f : 0.05f * std::sin(0.1f * i + 1.3f * r + 7.0f * layer + int(kind));
                         },
                         &c};
  for (WeightType type : {WeightType::kQ4K, WeightType::kQ5K, WeightType::kQ6K}) {
    const std::string path = temp_path("types_k.gguf");
    Status st;
    ASSERT_TRUE(gguf::write_gguf(c, false, nullptr, src, type, path.c_str(), st)) << st.message();
    Model m;
    ASSERT_TRUE(load_model(path.c_str(), m, st)) << st.message();
    std::remove(path.c_str());
    EXPECT_EQ(m.layers[0].wq.type, type);
    EXPECT_EQ(m.layers[0].w2.type, type);
    ThreadPool pool(1);
    Transformer tf;
    ASSERT_TRUE(tf.init(m, pool, 8, st)) << st.message();
    std::vector<float> x(m.layers[0].w2.cols);
    for (size_t i = 0; i < x.size(); i++) x[i] = std::cos(0.21f * i);
    expect_matmul_agrees(tf, m.layers[0].w2, x);  // (256, 512)
    // A forward pass runs and gives finite logits.
    float* logits = tf.forward(1, 0);
    for (int i = 0; i < c.vocab_size; i++) ASSERT_TRUE(std::isfinite(logits[i]));
  }
}

}  // namespace
}  // namespace bf::llm::test
