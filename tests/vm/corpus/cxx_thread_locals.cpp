// C++ thread_local objects: dynamic initialisation on a thread's first use (__tls_init, the
// TLS wrapper functions), destructors at thread exit (__cxa_thread_atexit), per std::thread
// and per pthread, and thread_local statics inside functions.
#include <pthread.h>

#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

std::mutex out_mutex;
std::vector<std::string> log_lines;  // sorted before printing: threads finish in any order

void note(const std::string& s) {
  std::lock_guard<std::mutex> lock(out_mutex);
  log_lines.push_back(s);
}

struct Tracker {
  std::string owner;
  int uses = 0;
  explicit Tracker(const char* who) : owner(who) {}
  ~Tracker() { note("~Tracker " + owner + " uses " + std::to_string(uses)); }
};

int init_calls = 0;
int next_value() {
  __atomic_add_fetch(&init_calls, 1, __ATOMIC_SEQ_CST);  // once per thread that uses it
  return 100;
}

thread_local Tracker tracker("thread");
thread_local int dynamic_value = next_value();  // dynamic initialisation
thread_local std::string label = "unset";

__attribute__((noinline)) int per_call_counter() {
  thread_local int calls = 0;  // a function-local thread_local
  return ++calls;
}

__attribute__((noinline)) void work(const std::string& who, int n) {
  label = who;
  for (int i = 0; i < n; i++) {
    tracker.uses++;
    dynamic_value += i;
    per_call_counter();
  }
  note(who + " label " + label + " value " + std::to_string(dynamic_value) + " calls " +
       std::to_string(per_call_counter()) + " tracker " + tracker.owner + " " + std::to_string(tracker.uses));
}

void* pthread_body(void* arg) {
  work(static_cast<const char*>(arg), 50);
  return nullptr;
}

int main() {
  work("main", 10);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; t++) threads.emplace_back([t] { work("std::thread" + std::to_string(t), 20 + t); });
  for (auto& t : threads) t.join();
  pthread_t p;
  pthread_create(&p, nullptr, pthread_body, const_cast<char*>("pthread"));
  pthread_join(p, nullptr);
  work("main again", 5);
  std::lock_guard<std::mutex> lock(out_mutex);
  std::vector<std::string> sorted = log_lines;
  for (size_t i = 1; i < sorted.size(); i++)
    for (size_t j = i; j > 0 && sorted[j] < sorted[j - 1]; j--) std::swap(sorted[j], sorted[j - 1]);
  for (const auto& s : sorted) printf("%s\n", s.c_str());
  printf("init calls %d main label %s\n", init_calls, label.c_str());
  fflush(stdout);
  return 0;
}
