#include "llm/server/scheduler.h"

#include <algorithm>
#include <chrono>

#include "llm/stop_text.h"

namespace bf::llm::server {

const char* finish_name(Finish f) {
  switch (f) {
    case Finish::kStop: return "stop";
    case Finish::kLength: return "length";
    case Finish::kCancelled: return "cancelled";
    case Finish::kNone: break;
  }
  return "";
}

bool Job::next(std::string& text) {
  std::unique_lock<std::mutex> lock(m_);
  cv_.wait(lock, [&] { return ended_ || !text_.empty(); });
  text.swap(text_);
  text_.clear();
  return !text.empty() || !ended_;
}

Finish Job::finish() const {
  std::lock_guard<std::mutex> lock(m_);
  return finish_;
}

int Job::completion_tokens() const {
  std::lock_guard<std::mutex> lock(m_);
  return completion_tokens_;
}

void Job::push(std::string_view text) {
  if (text.empty()) return;
  std::lock_guard<std::mutex> lock(m_);
  text_.append(text);
  cv_.notify_all();
}

void Job::end(Finish f) {
  std::lock_guard<std::mutex> lock(m_);
  ended_ = true;
  finish_ = f;
  cv_.notify_all();
}

struct Scheduler::Slot {
  Session session;
  JobPtr job;
  size_t n_fed = 0;       // prompt tokens in the cache
  float* logits = nullptr;
  int prev = 0;           // the last token in the cache (for decoding the next)
  int n_generated = 0;
  StopText out;
  std::vector<const char*> stops;
};

namespace {
uint64_t now_ns() {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch()).count());
}
}  // namespace

Scheduler::Scheduler(const Engine& e, int n_slots, int threads, Metrics& metrics)
    : engine_(e), n_slots_(n_slots), threads_(threads), metrics_(metrics) {}

Scheduler::~Scheduler() { stop(); }

bool Scheduler::start(Status& st) {
  pool_ = std::make_unique<ThreadPool>(threads_);
  for (int i = 0; i < n_slots_; i++) {
    auto s = std::make_unique<Slot>();
    if (!s->session.init(engine_, *pool_, SamplerParams{}, st)) return false;
    slots_.push_back(std::move(s));
  }
  thread_ = std::thread([this] { run(); });
  return true;
}

void Scheduler::stop() {
  {
    std::lock_guard<std::mutex> lock(m_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& s : slots_)
    if (s->job) end(*s, Finish::kCancelled);
  for (JobPtr& j : queue_) j->end(Finish::kCancelled);
  queue_.clear();
}

void Scheduler::submit(JobPtr job) {
  {
    std::lock_guard<std::mutex> lock(m_);
    if (stopping_) {
      job->end(Finish::kCancelled);
      return;
    }
    queue_.push_back(std::move(job));
    metrics_.queued++;
  }
  cv_.notify_all();
}

// The slot keeps the prefix its cache shares with the new prompt (the same conversation going
// on, or the same system message): only the rest is computed. One token is always computed, for
// the logits.
void Scheduler::assign(Slot& s, JobPtr job) {
  const Request& r = job->req_;
  size_t keep = size_t(s.session.common_prefix(r.prompt));
  if (keep == r.prompt.size()) keep--;
  s.session.rewind(int(keep));
  metrics_.prompt_tokens_cached += keep;
  s.n_fed = keep;
  s.n_generated = 0;
  s.logits = nullptr;
  (void)s.session.reset_sampler(r.sampling);  // the buffers exist already: cannot fail
  s.session.clear_bans();
  if (r.ignore_eos)
    for (int t : r.end_tokens) s.session.ban(t);
  s.stops.clear();
  for (const std::string& stop : r.stops) s.stops.push_back(stop.c_str());
  s.out.reset(s.stops.data(), int(s.stops.size()), true);
  s.job = std::move(job);
}

void Scheduler::end(Slot& s, Finish f) {
  s.job->push(s.out.flush());
  if (f == Finish::kCancelled) metrics_.requests_cancelled++;
  s.job->end(f);
  s.job.reset();
  metrics_.processing--;
}

// One forward pass for the slot: the next prompt token, or the next generated token.
void Scheduler::step(Slot& s) {
  Job& job = *s.job;
  const Request& r = job.req_;
  if (job.cancelled_) return end(s, Finish::kCancelled);
  const uint64_t t = now_ns();
  if (s.n_fed < r.prompt.size()) {
    s.prev = r.prompt[s.n_fed];
    s.logits = s.session.eval(r.prompt[s.n_fed++]);
    metrics_.prompt_tokens++;
    metrics_.prompt_ns += now_ns() - t;
    return;
  }
  if (r.max_tokens >= 0 && s.n_generated >= r.max_tokens) return end(s, Finish::kLength);
  const int next = s.session.sample(s.logits);
  if (std::find(r.end_tokens.begin(), r.end_tokens.end(), next) != r.end_tokens.end())
    return end(s, Finish::kStop);
  s.n_generated++;
  {
    std::lock_guard<std::mutex> lock(job.m_);
    job.completion_tokens_ = s.n_generated;
  }
  metrics_.generated_tokens++;
  const char* piece = engine_.tokenizer.decode(s.prev, next);
  if (is_printable_piece(piece)) job.push(s.out.push(piece));
  if (s.out.stopped()) return end(s, Finish::kStop);
  if (r.max_tokens >= 0 && s.n_generated >= r.max_tokens) return end(s, Finish::kLength);
  if (s.session.full()) return end(s, Finish::kLength);
  s.logits = s.session.eval(next);
  s.prev = next;
  metrics_.generation_ns += now_ns() - t;
}

void Scheduler::run() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(m_);
      auto busy = [&] {
        return std::any_of(slots_.begin(), slots_.end(), [](const auto& s) { return s->job != nullptr; });
      };
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty() || busy(); });
      if (stopping_) return;
      // Free slots take queued jobs in arrival order, preferring the slot whose cache already
      // holds the longest part of the job's prompt.
      while (!queue_.empty()) {
        Slot* best = nullptr;
        int best_shared = -1;
        for (auto& s : slots_) {
          if (s->job) continue;
          const int shared = s->session.common_prefix(queue_.front()->req_.prompt);
          if (shared > best_shared) best = s.get(), best_shared = shared;
        }
        if (!best) break;
        assign(*best, std::move(queue_.front()));
        queue_.pop_front();
        metrics_.queued--;
        metrics_.processing++;
      }
    }
    for (auto& s : slots_)
      if (s->job) step(*s);
  }
}

}  // namespace bf::llm::server
