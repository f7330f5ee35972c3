// The OpenAI-compatible API's requests and responses as JSON (nlohmann/json): the body of a
// completion or chat request becomes a Request for the scheduler, or an ApiError (a 4xx with an
// OpenAI-style error object); results become OpenAI's response objects and stream chunks.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "llm/chat/template.h"
#include "llm/server/scheduler.h"

namespace bf::llm::server {

using nlohmann::json;

struct ApiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param;  // the field at fault, or empty
  std::string code;   // e.g. context_length_exceeded, model_not_found; or empty
};

// {"error": {"message", "type", "param", "code"}}
json error_body(const ApiError& e);

// What the server was started with: the defaults of a request and what checks it.
struct ApiContext {
  const Engine* engine = nullptr;
  std::string model_name;   // --alias, or the model file's name
  std::string model_file;   // the file name, also accepted as `model`
  chat::Family family = chat::Family::kChatML;
  SamplerParams sampling;   // the command line's sampling options
  bool seed_given = false;  // -s: every request without a seed uses it; else each gets a new one
  std::vector<std::string> stops;  // -r: stop strings of every request
  int max_tokens = -1;      // -n
  bool ignore_eos = false;
};

// A parsed request: what to run, and how to answer.
struct Parsed {
  Request request;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

// POST /v1/completions and /v1/chat/completions bodies.
std::optional<ApiError> parse_completion(const ApiContext& ctx, const json& body, Parsed& out);
std::optional<ApiError> parse_chat(const ApiContext& ctx, const json& body, Parsed& out);

// The response objects. `id` is "cmpl-..." or "chatcmpl-...", `created` Unix seconds.
json completion_response(const ApiContext& ctx, const std::string& id, long created, const std::string& text,
                         const Job& job);
json chat_response(const ApiContext& ctx, const std::string& id, long created, const std::string& text,
                   const Job& job);
// A stream chunk: text (and the finish reason in the last one, nullptr before).
json completion_chunk(const ApiContext& ctx, const std::string& id, long created, const std::string& text,
                      const char* finish);
// A chat chunk: the first carries the role, the last the finish reason and an empty delta.
json chat_chunk(const ApiContext& ctx, const std::string& id, long created, const std::string* role,
                const std::string& text, const char* finish);
json usage(const Job& job);
json models(const ApiContext& ctx);

// JSON text for the wire: invalid UTF-8 (a model may write it) is replaced, never thrown.
std::string dump(const json& j);

}  // namespace bf::llm::server
