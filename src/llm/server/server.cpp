// `bareflow serve`: an HTTP server with the OpenAI-compatible API of llama.cpp's llama-server
// (docs/serve.md), on cpp-httplib. HTTP threads parse and tokenize requests and stream their
// text; the scheduler's one engine thread runs the model for every slot.
#include "llm/server/server.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>

#include <httplib.h>

#include "llm/options.h"
#include "llm/server/api.h"

namespace bf::llm::server {

namespace {

enum ServeOptionId { kOptHost = 1, kOptPort, kOptParallel, kOptAlias, kOptTemplate, kOptPredict, kOptMaxBody };

constexpr Option kServe[] = {
    {"--host", "HOST", "address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for every interface)", kOptHost},
    {"--port", "N", "port to listen on; 0 = any free one, printed (default 8080)", kOptPort},
    {"-np, --parallel", "N", "requests run at once, each in a slot with its own KV cache of -c tokens (default 1)", kOptParallel},
    {"-a, --alias", "NAME", "the model's name in the API (default: the model file's name)", kOptAlias},
    {"--chat-template", "NAME", "llama2, zephyr, chatml or llama3 (default: recognised from the model's; chatml if it has none)", kOptTemplate},
    {"-n, --n-predict", "N", "tokens per request when it gives no max_tokens; -1 = until the end or a full context (default -1)", kOptPredict},
    {"--max-body", "BYTES", "largest request body accepted; larger ones get 413 (default 4194304)", kOptMaxBody},
};
constexpr std::span<const Option> kServeGroups[] = {kServe, kModelOptions, kSamplingOptions};

struct Options {
  EngineOptions engine;
  std::string host = "127.0.0.1";
  int port = 8080;
  int parallel = 1;
  const char* alias = nullptr;
  const char* template_name = nullptr;
  int n_predict = -1;
  int max_body = 4 << 20;
};

bool apply(void* ctx, int id, const char* v) {
  Options& o = *static_cast<Options*>(ctx);
  switch (id) {
    case kOptHost: o.host = v; return !o.host.empty();
    case kOptPort: return parse_int(v, 0, 65535, o.port);
    case kOptParallel: return parse_int(v, 1, 256, o.parallel);
    case kOptAlias: o.alias = v; return *v != '\0';
    case kOptTemplate: o.template_name = v; return chat::family_from_name(v).has_value();
    case kOptPredict: return parse_int(v, -1, 1 << 30, o.n_predict);
    case kOptMaxBody: return parse_int(v, 64, 1 << 30, o.max_body);
    default: return apply_engine_option(o.engine, "serve", id, v);
  }
}

std::string base_name(const char* path) {
  const char* slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

std::string new_id(const char* prefix) {
  static std::atomic<uint64_t> counter{0};
  char id[64];
  snprintf(id, sizeof id, "%s-%lx%04lx", prefix, static_cast<unsigned long>(time(nullptr)),
           static_cast<unsigned long>(++counter & 0xffff));
  return id;
}

void send_error(httplib::Response& res, const ApiError& e) {
  res.status = e.status;
  res.set_content(dump(error_body(e)), "application/json");
}

class Server {
 public:
  Server(ApiContext ctx, Scheduler& scheduler, Metrics& metrics)
      : ctx_(std::move(ctx)), scheduler_(scheduler), metrics_(metrics) {}
  void routes(httplib::Server& http, int max_body);

 private:
  // POST /v1/completions and /v1/chat/completions.
  void complete(const httplib::Request& req, httplib::Response& res, bool chat);
  void respond(httplib::Response& res, JobPtr job, const Parsed& p, bool chat);
  void stream(httplib::Response& res, JobPtr job, const Parsed& p, bool chat);

  const ApiContext ctx_;
  Scheduler& scheduler_;
  Metrics& metrics_;
};

void Server::routes(httplib::Server& http, int max_body) {
  http.set_payload_max_length(size_t(max_body));
  http.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(dump(models(ctx_)), "application/json");
  });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.prometheus(scheduler_.n_slots(), scheduler_.n_ctx()), "text/plain; version=0.0.4");
  });
  http.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) { complete(req, res, false); });
  http.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) { complete(req, res, true); });
  // llama-server's names for the same endpoints.
  http.Post("/completion", [this](const httplib::Request& req, httplib::Response& res) { complete(req, res, false); });
  http.Post("/chat/completions", [this](const httplib::Request& req, httplib::Response& res) { complete(req, res, true); });
  // Every error the library or a handler produces has an OpenAI-style body.
  http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    ApiError e{res.status, "", res.status >= 500 ? "server_error" : "invalid_request_error", "", ""};
    if (res.status == 404) e.message = "no such endpoint: " + req.method + " " + req.path, e.code = "not_found";
    else if (res.status == 413) e.message = "the request body is too large", e.code = "request_too_large";
    else e.message = "HTTP status " + std::to_string(res.status);
    send_error(res, e);
  });
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& ex) {
      what = ex.what();
    } catch (...) {
    }
    send_error(res, ApiError{500, what, "server_error", "", ""});
  });
  http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    // Known endpoints by name; any other path counts as one label (clients choose paths).
    static const char* const kEndpoints[] = {"/health", "/v1/models", "/metrics", "/v1/completions",
                                             "/v1/chat/completions", "/completion", "/chat/completions"};
    const char* endpoint = "other";
    for (const char* known : kEndpoints)
      if (req.path == known) endpoint = known;
    metrics_.count_request(endpoint, res.status);
    fprintf(stderr, "%s %s %d\n", req.method.c_str(), req.path.c_str(), res.status);
  });
}

void Server::complete(const httplib::Request& req, httplib::Response& res, bool chat) {
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded()) return send_error(res, ApiError{400, "the body is not valid JSON", "invalid_request_error", "", ""});
  Parsed p;
  std::optional<ApiError> e;
  try {
    e = chat ? parse_chat(ctx_, body, p) : parse_completion(ctx_, body, p);
  } catch (const json::exception& ex) {  // a field of the wrong type somewhere
    e = ApiError{400, std::string("bad request: ") + ex.what(), "invalid_request_error", "", ""};
  }
  if (e) return send_error(res, *e);
  auto job = std::make_shared<Job>(std::move(p.request));
  scheduler_.submit(job);
  if (p.stream) stream(res, job, p, chat);
  else respond(res, job, p, chat);
}

void Server::respond(httplib::Response& res, JobPtr job, const Parsed& p, bool chat) {
  std::string text, part;
  while (job->next(part)) text += part;
  const long created = long(time(nullptr));
  if (job->finish() == Finish::kCancelled)
    return send_error(res, ApiError{503, "the server is shutting down", "server_error", "", ""});
  json r = chat ? chat_response(ctx_, new_id("chatcmpl"), created, text, *job)
                : completion_response(ctx_, new_id("cmpl"), created, text, *job);
  res.set_content(dump(r), "application/json");
}

// Server-sent events: one `data: {chunk}` per piece of text, the finish reason in the last, then
// `data: [DONE]`. A client that goes away cancels the job, which frees its slot.
void Server::stream(httplib::Response& res, JobPtr job, const Parsed& p, bool chat) {
  const std::string id = new_id(chat ? "chatcmpl" : "cmpl");
  const long created = long(time(nullptr));
  const ApiContext& ctx = ctx_;
  auto first = std::make_shared<bool>(true);
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [job, id, created, &ctx, chat, first, include_usage = p.include_usage](size_t, httplib::DataSink& sink) {
        static const std::string kAssistant = "assistant";
        auto send = [&](const json& chunk) {
          const std::string event = "data: " + dump(chunk) + "\n\n";
          return sink.write(event.data(), event.size());
        };
        std::string text;
        const bool more = job->next(text);
        if (more) {
          const json chunk = chat ? chat_chunk(ctx, id, created, *first ? &kAssistant : nullptr, text, nullptr)
                                  : completion_chunk(ctx, id, created, text, nullptr);
          *first = false;
          if (!send(chunk)) {
            job->cancel();
            return false;
          }
          return true;
        }
        const Finish f = job->finish();
        const char* reason = f == Finish::kCancelled ? "cancelled" : finish_name(f);
        json last = chat ? chat_chunk(ctx, id, created, *first ? &kAssistant : nullptr, "", reason)
                         : completion_chunk(ctx, id, created, "", reason);
        bool ok = send(last);
        if (ok && include_usage) {
          json u = last;
          u["choices"] = json::array();
          u["usage"] = usage(*job);
          ok = send(u);
        }
        static const char kDone[] = "data: [DONE]\n\n";
        if (ok && sink.write(kDone, sizeof kDone - 1)) sink.done();
        return ok;
      },
      [job](bool success) {
        if (!success) job->cancel();
      });
}

// SIGINT and SIGTERM stop the server: a thread waits for them (they are blocked everywhere else).
std::thread signal_waiter(httplib::Server& http, sigset_t set) {
  return std::thread([&http, set] {
    int sig;
    sigwait(&set, &sig);
    fprintf(stderr, "bareflow serve: %s: stopping\n", sig == SIGINT ? "interrupted" : "terminated");
    http.stop();
  });
}

}  // namespace

int serve_main(int argc, char** argv) {
  Options o;
  const CommandLine cl{"serve", "serve -m MODEL [--host 127.0.0.1] [--port 8080] [--parallel N] [OPTIONS]",
                       kServeGroups, apply, &o};
  if (int rc = parse_command_line(cl, argc, argv)) return rc < 0 ? 0 : rc;
  if (!o.engine.model) {
    fputs("bareflow serve: no model given (-m MODEL; see --help)\n", stderr);
    return 1;
  }
  Engine e;
  if (!open_engine(o.engine, "serve", e)) return 1;
  ApiContext ctx;
  ctx.engine = &e;
  ctx.model_file = base_name(o.engine.model);
  ctx.model_name = o.alias ? o.alias : ctx.model_file;
  const char* source;
  if (!chat::choose_family(o.template_name, e.model.vocab.chat_template, o.engine.model, ctx.family, source)) return 1;
  ctx.sampling = o.engine.sampling;
  ctx.seed_given = o.engine.seed_given;
  ctx.stops.assign(o.engine.stops, o.engine.stops + o.engine.n_stops);
  ctx.max_tokens = o.n_predict;
  ctx.ignore_eos = o.engine.ignore_eos;

  // Block the stop signals before any thread starts, so that only the waiter receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  Metrics metrics;
  Scheduler scheduler(e, o.parallel, o.engine.threads ? o.engine.threads : cpu_count(), metrics);
  Status st;
  if (!scheduler.start(st)) {
    report_error(o.engine.model, st);
    return 1;
  }
  httplib::Server http;
  // Each streamed request holds an HTTP thread while it runs: enough for every slot and a queue.
  const size_t http_threads = size_t(std::max(8, 4 * o.parallel + 4));
  http.new_task_queue = [http_threads] { return new httplib::ThreadPool(http_threads); };
  Server server(ctx, scheduler, metrics);
  server.routes(http, o.max_body);
  const int port = o.port == 0 ? http.bind_to_any_port(o.host) : (http.bind_to_port(o.host, o.port) ? o.port : -1);
  if (port < 0) {
    fprintf(stderr, "bareflow serve: cannot listen on %s:%d: %s\n", o.host.c_str(), o.port, strerror(errno));
    return 1;
  }
  std::thread waiter = signal_waiter(http, stop_signals);
  fprintf(stderr, "bareflow serve: listening on http://%s:%d (model %s, template %s, %d slots of %d tokens)\n",
          o.host.c_str(), port, ctx.model_name.c_str(), chat::family_name(ctx.family), o.parallel, e.n_ctx);
  waiter.detach();  // it exits with the process when listen returns for another reason
  http.listen_after_bind();
  scheduler.stop();
  fprintf(stderr, "bareflow serve: %llu prompt tokens, %llu generated\n",
          static_cast<unsigned long long>(metrics.prompt_tokens.load()),
          static_cast<unsigned long long>(metrics.generated_tokens.load()));
  return 0;
}

}  // namespace bf::llm::server
