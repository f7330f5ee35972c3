// The server's scheduler (src/llm/server/scheduler.h) on stories260K.gguf: queued requests are
// served fairly. Jobs are submitted before the engine thread starts, so that every run sees the
// same queue, and each check is made once a job has ended, on what must have happened by then:
// the engine thread goes on meanwhile, so nothing is asserted about what has not happened yet.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "llm/server/scheduler.h"

namespace bf::llm::server {
namespace {

struct Served {
  Engine engine;
  Metrics metrics;

  Served() {
    EngineOptions o;
    const std::string model = std::string(BAREFLOW_SHARED_DIR) + "/models/stories260K.gguf";
    o.model = model.c_str();
    EXPECT_TRUE(open_engine(o, "scheduler_test", engine));
  }

  JobPtr job(const char* prompt, int max_tokens) {
    Request r;
    r.prompt.resize(size_t(Tokenizer::max_tokens(prompt)));
    r.prompt.resize(size_t(engine.tokenizer.encode(prompt, true, false, r.prompt.data())));
    r.sampling.temperature = 0;
    r.max_tokens = max_tokens;  // no end tokens: every job generates exactly max_tokens
    return std::make_shared<Job>(std::move(r));
  }
};

// Starts the engine thread on the jobs queued so far.
void start(Scheduler& sched) {
  Status st;
  ASSERT_TRUE(sched.start(st)) << st.message();
}

// Takes the job's text until it ends.
void drain(Job& j) {
  std::string text;
  while (j.next(text)) {
  }
}

TEST(Scheduler, SlotsAdvanceTogetherTokenByToken) {
  Served s;
  Scheduler sched(s.engine, 2, 1, s.metrics);
  JobPtr a = s.job("Once upon a time", 60), b = s.job("Once upon a time", 60);
  sched.submit(a);
  sched.submit(b);
  start(sched);
  drain(*a);
  // b took its slot in the same round as a and is stepped after it: at most one token behind.
  EXPECT_EQ(a->completion_tokens(), 60);
  EXPECT_GE(b->completion_tokens(), 59);
  drain(*b);
  EXPECT_EQ(b->finish(), Finish::kLength);
}

TEST(Scheduler, ALongPromptDoesNotHoldAShortOneBack) {
  Served s;
  Scheduler sched(s.engine, 2, 1, s.metrics);
  std::string long_prompt;
  for (int i = 0; i < 40; i++) long_prompt += "the little dog ran to the park ";
  JobPtr a = s.job(long_prompt.c_str(), 5), b = s.job("Lily", 20);
  ASSERT_GT(a->prompt_tokens(), 100);
  sched.submit(a);
  sched.submit(b);
  start(sched);
  drain(*a);
  // b, queued after a, ended first: its reply did not wait for a's long prompt.
  EXPECT_EQ(a->completion_tokens(), 5);
  EXPECT_EQ(b->finish(), Finish::kLength);
  EXPECT_EQ(b->completion_tokens(), 20);
}

TEST(Scheduler, QueuedJobsTakeAFreeSlotInArrivalOrder) {
  Served s;
  Scheduler sched(s.engine, 1, 1, s.metrics);
  std::vector<JobPtr> jobs = {s.job("Once upon a time", 15), s.job("The dog", 15), s.job("One day", 15)};
  for (const JobPtr& j : jobs) sched.submit(j);
  EXPECT_EQ(s.metrics.queued, 3);
  start(sched);
  drain(*jobs[2]);  // the last to come: the others were served before it
  for (const JobPtr& j : jobs) {
    EXPECT_EQ(j->finish(), Finish::kLength);
    EXPECT_EQ(j->completion_tokens(), 15);
  }
  EXPECT_EQ(s.metrics.queued, 0);
}

TEST(Scheduler, StopEndsQueuedJobsAndRefusesNewOnes) {
  Served s;
  JobPtr queued = s.job("The dog", 10), late = s.job("One day", 10);
  {
    Scheduler sched(s.engine, 1, 1, s.metrics);
    sched.submit(queued);
    sched.stop();
    sched.submit(late);
  }
  drain(*queued);
  drain(*late);
  EXPECT_EQ(queued->finish(), Finish::kCancelled);
  EXPECT_EQ(late->finish(), Finish::kCancelled);
  EXPECT_EQ(queued->completion_tokens(), 0);
}

}  // namespace
}  // namespace bf::llm::server
