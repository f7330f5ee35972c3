#include "llm/server/api.h"

#include <atomic>
#include <chrono>

namespace bf::llm::server {

namespace {

ApiError bad(const std::string& param, const std::string& message) {
  return ApiError{400, message, "invalid_request_error", param, ""};
}

std::optional<ApiError> unsupported(const std::string& param, const std::string& why) {
  return bad(param, param + " is not supported by this server" + (why.empty() ? "" : ": " + why));
}

bool present(const json& body, const char* key) { return body.contains(key) && !body[key].is_null(); }

// A number field into `out`, within [lo, hi].
std::optional<ApiError> number(const json& body, const char* key, double lo, double hi, float& out) {
  if (!present(body, key)) return std::nullopt;
  const json& v = body[key];
  if (!v.is_number() || !(v.get<double>() >= lo && v.get<double>() <= hi))
    return bad(key, std::string(key) + " must be a number from " + json(lo).dump() + " to " + json(hi).dump());
  out = v.get<float>();
  return std::nullopt;
}

std::optional<ApiError> integer(const json& body, const char* key, long lo, long hi, int& out) {
  if (!present(body, key)) return std::nullopt;
  const json& v = body[key];
  if (!v.is_number_integer() || v.get<long>() < lo || v.get<long>() > hi)
    return bad(key, std::string(key) + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  out = int(v.get<long>());
  return std::nullopt;
}

// A seed per request when none is given: the clock and a counter.
uint64_t fresh_seed() {
  static std::atomic<uint64_t> counter{0};
  const uint64_t t = uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
  return ((t ^ (++counter << 32)) * 0x9E3779B97F4A7C15ull) >> 33;
}

// What both endpoints take: the model, the sampling parameters, stop strings, streaming, and a
// refusal for what this server cannot do (rather than an answer that silently ignores it).
std::optional<ApiError> parse_common(const ApiContext& ctx, const json& body, Parsed& out, bool chat) {
  if (!body.is_object()) return bad("", "the body must be a JSON object");
  if (present(body, "model")) {
    const json& m = body["model"];
    if (!m.is_string()) return bad("model", "model must be a string");
    const std::string name = m.get<std::string>();
    if (name != ctx.model_name && name != ctx.model_file)
      return ApiError{404, "the model '" + name + "' does not exist: this server has '" + ctx.model_name + "'",
                      "invalid_request_error", "model", "model_not_found"};
  }
  Request& r = out.request;
  r.sampling = ctx.sampling;
  if (!ctx.seed_given) r.sampling.seed = fresh_seed();
  r.stops = ctx.stops;
  r.max_tokens = ctx.max_tokens;
  r.ignore_eos = ctx.ignore_eos;
  std::optional<ApiError> e;
  for (const char* key : {"max_tokens", "max_completion_tokens", "n_predict"})
    if ((e = integer(body, key, -1, 1 << 30, r.max_tokens))) return e;
  if ((e = number(body, "temperature", 0, 1e6, r.sampling.temperature))) return e;
  if ((e = number(body, "top_p", 0, 1, r.sampling.top_p))) return e;
  if ((e = integer(body, "top_k", 0, 1 << 30, r.sampling.top_k))) return e;
  if ((e = number(body, "min_p", 0, 1, r.sampling.min_p))) return e;
  if ((e = number(body, "repeat_penalty", 1e-6, 1e6, r.sampling.repeat_penalty))) return e;
  if ((e = integer(body, "repeat_last_n", -1, 1 << 24, r.sampling.repeat_last_n))) return e;
  if (present(body, "seed")) {
    if (!body["seed"].is_number_integer()) return bad("seed", "seed must be an integer");
    if (body["seed"].get<long long>() != -1) r.sampling.seed = uint64_t(body["seed"].get<long long>());
  }
  int n = 1;
  if ((e = integer(body, "n", 1, 1 << 20, n))) return e;
  if (n != 1) return unsupported("n", "one choice per request");
  for (const char* key : {"frequency_penalty", "presence_penalty"})
    if (present(body, key) && (!body[key].is_number() || body[key].get<double>() != 0.0))
      return unsupported(key, "use repeat_penalty");
  if (present(body, "logit_bias") && !(body["logit_bias"].is_object() && body["logit_bias"].empty()))
    return unsupported("logit_bias", "");
  if (present(body, "logprobs") && body["logprobs"] != false) return unsupported("logprobs", "");
  if (present(body, "top_logprobs")) return unsupported("top_logprobs", "");
  if (present(body, "echo") && body["echo"] != false) return unsupported("echo", "");
  if (present(body, "suffix") && body["suffix"] != "") return unsupported("suffix", "");
  if (present(body, "best_of") && body["best_of"] != 1) return unsupported("best_of", "");
  for (const char* key : {"tools", "functions", "tool_choice", "function_call"})
    if (present(body, key)) return unsupported(key, "");
  if (present(body, "response_format") &&
      !(body["response_format"].is_object() && body["response_format"].value("type", "") == "text"))
    return unsupported("response_format", "text only");
  if (present(body, "stream")) {
    if (!body["stream"].is_boolean()) return bad("stream", "stream must be true or false");
    out.stream = body["stream"].get<bool>();
  }
  if (present(body, "stream_options")) {
    const json& so = body["stream_options"];
    if (!so.is_object()) return bad("stream_options", "stream_options must be an object");
    out.include_usage = so.value("include_usage", false) == true;
  }
  if (present(body, "ignore_eos")) {
    if (!body["ignore_eos"].is_boolean()) return bad("ignore_eos", "ignore_eos must be true or false");
    r.ignore_eos = body["ignore_eos"].get<bool>();
  }
  if (present(body, "stop")) {
    const json& s = body["stop"];
    std::vector<std::string> stops;
    if (s.is_string()) stops.push_back(s.get<std::string>());
    else if (s.is_array() && s.size() <= 8)
      for (const json& x : s) {
        if (!x.is_string()) return bad("stop", "stop must be a string or an array of up to 8 strings");
        stops.push_back(x.get<std::string>());
      }
    else return bad("stop", "stop must be a string or an array of up to 8 strings");
    for (std::string& st : stops)
      if (!st.empty()) r.stops.push_back(std::move(st));
  }
  const Tokenizer& tok = ctx.engine->tokenizer;
  r.end_tokens = chat ? chat::end_tokens(ctx.family, tok) : std::vector<int>{tok.eos_id(), tok.bos_id()};
  return std::nullopt;
}

std::optional<ApiError> tokenize(const ApiContext& ctx, const std::string& text, const char* param, Request& r) {
  r.prompt.resize(size_t(Tokenizer::max_tokens(text.c_str())));
  const int n = ctx.engine->tokenizer.encode(text.c_str(), true, false, r.prompt.data(), true);
  if (n < 0) return ApiError{500, "out of memory", "server_error", "", ""};
  r.prompt.resize(size_t(n));
  return std::nullopt;
}

std::optional<ApiError> check_fits(const ApiContext& ctx, const Request& r, const char* param) {
  const int n_ctx = ctx.engine->n_ctx;
  if (int(r.prompt.size()) > n_ctx)
    return ApiError{400, "the prompt is " + std::to_string(r.prompt.size()) + " tokens but the context holds " +
                         std::to_string(n_ctx) + " (-c): shorten it",
                    "invalid_request_error", param, "context_length_exceeded"};
  return std::nullopt;
}

// A message's content: a string, or text parts ([{"type": "text", "text": ...}]).
std::optional<ApiError> content_text(const json& c, std::string& out) {
  if (c.is_string()) {
    out = c.get<std::string>();
    return std::nullopt;
  }
  if (c.is_array()) {
    for (const json& part : c) {
      if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") || !part["text"].is_string())
        return bad("messages", "only text content is supported (parts of type \"text\")");
      out += part["text"].get<std::string>();
    }
    return std::nullopt;
  }
  return bad("messages", "a message's content must be a string or an array of text parts");
}

}  // namespace

json error_body(const ApiError& e) {
  return {{"error",
           {{"message", e.message},
            {"type", e.type},
            {"param", e.param.empty() ? json(nullptr) : json(e.param)},
            {"code", e.code.empty() ? json(nullptr) : json(e.code)}}}};
}

std::optional<ApiError> parse_completion(const ApiContext& ctx, const json& body, Parsed& out) {
  if (auto e = parse_common(ctx, body, out, false)) return e;
  Request& r = out.request;
  if (!body.contains("prompt")) return bad("prompt", "prompt is required");
  json p = body["prompt"];
  if (p.is_array() && p.size() == 1 && (p[0].is_string() || p[0].is_array())) p = p[0];  // a batch of one
  if (p.is_string()) {
    if (auto e = tokenize(ctx, p.get<std::string>(), "prompt", r)) return e;
  } else if (p.is_array()) {  // token ids
    const int vocab = ctx.engine->tokenizer.vocab_size();
    r.prompt.clear();
    for (const json& t : p) {
      if (!t.is_number_integer() || t.get<long>() < 0 || t.get<long>() >= vocab)
        return bad("prompt", "token ids must be integers from 0 to " + std::to_string(vocab - 1));
      r.prompt.push_back(int(t.get<long>()));
    }
    if (r.prompt.empty() || r.prompt[0] != ctx.engine->tokenizer.bos_id())
      r.prompt.insert(r.prompt.begin(), ctx.engine->tokenizer.bos_id());
  } else {
    return bad("prompt", "prompt must be a string, an array of token ids, or an array of one of them");
  }
  return check_fits(ctx, r, "prompt");
}

std::optional<ApiError> parse_chat(const ApiContext& ctx, const json& body, Parsed& out) {
  if (auto e = parse_common(ctx, body, out, true)) return e;
  if (!body.contains("messages") || !body["messages"].is_array() || body["messages"].empty())
    return bad("messages", "messages must be a non-empty array");
  std::vector<chat::Message> messages;
  for (const json& m : body["messages"]) {
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string())
      return bad("messages", "each message needs a role");
    chat::Message msg;
    msg.role = m["role"].get<std::string>();
    if (msg.role == "developer") msg.role = "system";  // OpenAI's newer name for it
    const json& c = m.contains("content") ? m["content"] : json(nullptr);
    if (!(c.is_null() && msg.role == "assistant"))
      if (auto e = content_text(c, msg.content)) return e;
    messages.push_back(std::move(msg));
  }
  std::string text, error;
  if (!chat::render(ctx.family, messages, text, error)) return bad("messages", error);
  for (const std::string& s : chat::stop_strings(ctx.family)) out.request.stops.push_back(s);
  if (auto e = tokenize(ctx, text, "messages", out.request)) return e;
  return check_fits(ctx, out.request, "messages");
}

json usage(const Job& job) {
  const int p = job.prompt_tokens(), c = job.completion_tokens();
  return {{"prompt_tokens", p}, {"completion_tokens", c}, {"total_tokens", p + c}};
}

json completion_response(const ApiContext& ctx, const std::string& id, long created, const std::string& text,
                         const Job& job) {
  return {{"id", id}, {"object", "text_completion"}, {"created", created}, {"model", ctx.model_name},
          {"choices", json::array({{{"text", text}, {"index", 0}, {"logprobs", nullptr},
                                    {"finish_reason", finish_name(job.finish())}}})},
          {"usage", usage(job)}};
}

json chat_response(const ApiContext& ctx, const std::string& id, long created, const std::string& text,
                   const Job& job) {
  return {{"id", id}, {"object", "chat.completion"}, {"created", created}, {"model", ctx.model_name},
          {"choices", json::array({{{"index", 0}, {"message", {{"role", "assistant"}, {"content", text}}},
                                    {"logprobs", nullptr}, {"finish_reason", finish_name(job.finish())}}})},
          {"usage", usage(job)}};
}

json completion_chunk(const ApiContext& ctx, const std::string& id, long created, const std::string& text,
                      const char* finish) {
  return {{"id", id}, {"object", "text_completion"}, {"created", created}, {"model", ctx.model_name},
          {"choices", json::array({{{"text", text}, {"index", 0}, {"logprobs", nullptr},
                                    {"finish_reason", finish ? json(finish) : json(nullptr)}}})}};
}

json chat_chunk(const ApiContext& ctx, const std::string& id, long created, const std::string* role,
                const std::string& text, const char* finish) {
  json delta = json::object();
  if (role) delta["role"] = *role;
  if (!text.empty() || (role && !finish)) delta["content"] = text;
  return {{"id", id}, {"object", "chat.completion.chunk"}, {"created", created}, {"model", ctx.model_name},
          {"choices", json::array({{{"index", 0}, {"delta", delta}, {"logprobs", nullptr},
                                    {"finish_reason", finish ? json(finish) : json(nullptr)}}})}};
}

json models(const ApiContext& ctx) {
  const Config& c = ctx.engine->model.config;
  return {{"object", "list"},
          {"data", json::array({{{"id", ctx.model_name}, {"object", "model"}, {"created", 0}, {"owned_by", "bareflow"},
                                 {"meta", {{"n_ctx", ctx.engine->n_ctx}, {"n_ctx_train", c.seq_len},
                                           {"n_vocab", c.vocab_size}, {"n_embd", c.dim},
                                           {"chat_template", chat::family_name(ctx.family)}}}}})}};
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace bf::llm::server
