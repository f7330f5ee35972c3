// Greedy generation against llama2.c's reference outputs (run.c fp32, runq.c Q8_0): exact
// prompt tokens, generated tokens and text; logits at the last prompt position within float
// tolerance. The fp32 references also hold for the GGUF copy of the same weights, with its own
// vocabulary, and for every thread count.
#include <cmath>

#include "engine_test_util.h"

namespace bf::llm::test {
namespace {

struct Entry {
  std::string model, tokenizer, prompt, text;
  int steps;
  bool stopped_on_bos;
  std::vector<int> prompt_tokens, generated_tokens;
  std::vector<double> logits;
};

std::vector<Entry> load_entries() {
  std::vector<Entry> out;
  llvm::json::Value v = read_json(shared_path("testdata/reference_greedy.json"));
  const llvm::json::Array* arr = v.getAsArray();
  EXPECT_NE(arr, nullptr);
  if (!arr) return out;
  for (const llvm::json::Value& ev : *arr) {
    const llvm::json::Object& o = *ev.getAsObject();
    Entry e;
    e.model = o.getString("model")->str();
    e.tokenizer = o.getString("tokenizer")->str();
    e.prompt = o.getString("prompt")->str();
    e.text = o.getString("text")->str();
    e.steps = int(*o.getInteger("steps"));
    e.stopped_on_bos = *o.getBoolean("stopped_on_bos");
    e.prompt_tokens = int_list(o.getArray("prompt_tokens"));
    e.generated_tokens = int_list(o.getArray("generated_tokens"));
    for (const auto& x : *o.getArray("last_prompt_logits")) e.logits.push_back(*x.getAsNumber());
    out.push_back(e);
  }
  return out;
}

void check_entry(const Entry& e, const std::string& model_file, bool use_gguf_vocab, int threads,
                 double logit_tolerance) {
  SCOPED_TRACE(model_file + " prompt '" + e.prompt + "' threads " + std::to_string(threads));
  Status st;
  Model model;
  ASSERT_TRUE(load_model(model_path(model_file).c_str(), model, st)) << st.message();
  Tokenizer tok;
  if (use_gguf_vocab)
    ASSERT_TRUE(tok.load_gguf(model.vocab, st)) << st.message();
  else
    ASSERT_TRUE(tok.load_bin(model_path(e.tokenizer).c_str(), model.config.vocab_size, st)) << st.message();
  GreedyRun r = run_greedy(model, tok, e.prompt.c_str(), e.steps, threads);
  EXPECT_EQ(r.prompt, e.prompt_tokens);
  EXPECT_EQ(r.generated, e.generated_tokens);
  EXPECT_EQ(r.stopped_on_bos, e.stopped_on_bos);
  EXPECT_EQ(r.text, e.text);
  ASSERT_EQ(r.last_prompt_logits.size(), e.logits.size());
  double worst = 0;
  for (size_t i = 0; i < e.logits.size(); i++)
    worst = std::max(worst, std::fabs(double(r.last_prompt_logits[i]) - e.logits[i]));
  EXPECT_LT(worst, logit_tolerance);
}

TEST(Reference, EveryEntryTokenExact) {
  std::vector<Entry> entries = load_entries();
  ASSERT_EQ(entries.size(), 6u);
  for (const Entry& e : entries) {
    bool q8 = e.model.find("q80") != std::string::npos;
    for (int threads : {1, 2}) check_entry(e, e.model, false, threads, q8 ? 2e-3 : 2e-4);
  }
}

TEST(Reference, GgufMatchesFp32References) {
  int checked = 0;
  for (const Entry& e : load_entries()) {
    if (e.model != "stories260K.bin") continue;
    check_entry(e, "stories260K.gguf", true, 1, 2e-4);  // its own vocabulary
    check_entry(e, "stories260K.gguf", false, 2, 2e-4);  // tok512.bin
    checked++;
  }
  EXPECT_EQ(checked, 3);
}

}  // namespace
}  // namespace bf::llm::test
