// The server's engine side: --parallel slots, each a Session with its own KV cache, and a queue
// of jobs. One engine thread owns the model, the thread pool and every slot: it gives queued jobs
// to free slots in arrival order and then advances every busy slot by one token (a prompt token
// or a generated one) per round, so concurrent requests share the engine fairly. A job's text
// reaches its HTTP thread through the job, which the HTTP side may cancel (a client gone).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "llm/server/metrics.h"
#include "llm/session.h"

namespace bf::llm::server {

// What a request asks the engine for.
struct Request {
  std::vector<int> prompt;  // BOS first; never empty
  SamplerParams sampling;
  int max_tokens = -1;      // -1: until the end of text or the context
  std::vector<std::string> stops;
  std::vector<int> end_tokens;  // tokens that end the text (EOS, BOS, a template's end of turn)
  bool ignore_eos = false;
};

enum class Finish { kNone, kStop, kLength, kCancelled };
const char* finish_name(Finish f);  // "stop", "length", "cancelled"

class Job {
 public:
  explicit Job(Request r) : req_(std::move(r)) {}

  // HTTP side: waits until text is ready or the job has ended, and takes the text. Returns
  // false once the job has ended and all its text was taken.
  bool next(std::string& text);
  void cancel() { cancelled_ = true; }
  Finish finish() const;
  int prompt_tokens() const { return int(req_.prompt.size()); }
  int completion_tokens() const;

 private:
  friend class Scheduler;
  void push(std::string_view text);  // engine side
  void end(Finish f);

  const Request req_;
  std::atomic<bool> cancelled_{false};
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::string text_;
  bool ended_ = false;
  Finish finish_ = Finish::kNone;
  int completion_tokens_ = 0;
};
using JobPtr = std::shared_ptr<Job>;

class Scheduler {
 public:
  Scheduler(const Engine& e, int n_slots, int threads, Metrics& metrics);
  ~Scheduler();

  // Allocates the slots' caches and starts the engine thread.
  bool start(Status& st);
  void stop();
  // Queues the job (jobs submitted before start wait for it); after stop, ends it cancelled.
  void submit(JobPtr job);
  int n_ctx() const { return engine_.n_ctx; }
  int n_slots() const { return n_slots_; }

 private:
  struct Slot;
  void run();
  void assign(Slot& s, JobPtr job);
  void step(Slot& s);
  void end(Slot& s, Finish f);

  const Engine& engine_;
  const int n_slots_;
  const int threads_;
  Metrics& metrics_;
  std::unique_ptr<ThreadPool> pool_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<JobPtr> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace bf::llm::server
