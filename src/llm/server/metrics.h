// What the server counts, for GET /metrics in Prometheus' text format: requests by endpoint and
// status, tokens (prompt, reused from a slot's cache, generated), engine time and tok/s.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace bf::llm::server {

struct Metrics {
  std::atomic<uint64_t> prompt_tokens{0};         // computed by a forward pass
  std::atomic<uint64_t> prompt_tokens_cached{0};  // found in the slot's cache from the last request
  std::atomic<uint64_t> generated_tokens{0};
  std::atomic<uint64_t> prompt_ns{0};             // engine time on prompt tokens
  std::atomic<uint64_t> generation_ns{0};         // engine time on generated tokens
  std::atomic<uint64_t> requests_cancelled{0};    // clients gone before the end
  std::atomic<int> processing{0};                 // jobs in a slot
  std::atomic<int> queued{0};                     // jobs waiting for one

  void count_request(const std::string& endpoint, int status);
  std::string prometheus(int n_slots, int n_ctx) const;

 private:
  mutable std::mutex m_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
};

}  // namespace bf::llm::server
