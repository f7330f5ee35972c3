#include "llm/server/metrics.h"

#include <cstdio>

namespace bf::llm::server {

void Metrics::count_request(const std::string& endpoint, int status) {
  std::lock_guard<std::mutex> lock(m_);
  requests_[{endpoint, status}]++;
}

namespace {

void metric(std::string& out, const char* name, const char* type, const char* help, double value) {
  char line[512];
  snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name, value);
  out += line;
}

double rate(uint64_t tokens, uint64_t ns) { return ns ? double(tokens) * 1e9 / double(ns) : 0.0; }

}  // namespace

std::string Metrics::prometheus(int n_slots, int n_ctx) const {
  std::string out =
      "# HELP bareflow_requests_total HTTP requests answered, by endpoint and status.\n"
      "# TYPE bareflow_requests_total counter\n";
  {
    std::lock_guard<std::mutex> lock(m_);
    for (const auto& [key, count] : requests_)
      out += "bareflow_requests_total{endpoint=\"" + key.first + "\",status=\"" + std::to_string(key.second) +
             "\"} " + std::to_string(count) + "\n";
  }
  const uint64_t p = prompt_tokens, g = generated_tokens, p_ns = prompt_ns, g_ns = generation_ns;
  metric(out, "bareflow_requests_cancelled_total", "counter", "Requests whose client went away before the end.",
         double(requests_cancelled));
  metric(out, "bareflow_requests_processing", "gauge", "Requests in a slot.", processing);
  metric(out, "bareflow_requests_queued", "gauge", "Requests waiting for a free slot.", queued);
  metric(out, "bareflow_prompt_tokens_total", "counter", "Prompt tokens computed.", double(p));
  metric(out, "bareflow_prompt_tokens_cached_total", "counter",
         "Prompt tokens reused from the slot's cache (the prefix shared with its last request).",
         double(prompt_tokens_cached));
  metric(out, "bareflow_generated_tokens_total", "counter", "Tokens generated.", double(g));
  metric(out, "bareflow_prompt_seconds_total", "counter", "Engine time on prompt tokens.", double(p_ns) / 1e9);
  metric(out, "bareflow_generation_seconds_total", "counter", "Engine time on generated tokens.", double(g_ns) / 1e9);
  metric(out, "bareflow_prompt_tokens_per_second", "gauge", "Prompt tokens per second of engine time.", rate(p, p_ns));
  metric(out, "bareflow_generation_tokens_per_second", "gauge", "Generated tokens per second of engine time.",
         rate(g, g_ns));
  metric(out, "bareflow_slots", "gauge", "Slots (--parallel), each with its own KV cache.", n_slots);
  metric(out, "bareflow_context_size", "gauge", "Tokens each slot's context holds.", n_ctx);
  return out;
}

}  // namespace bf::llm::server
