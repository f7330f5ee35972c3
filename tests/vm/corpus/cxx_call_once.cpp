// std::call_once from several threads. Its inline code stores the callable in libstdc++'s own
// thread-locals std::__once_callable and std::__once_call, which the native __once_proxy reads
// under pthread_once: imported thread-locals, the host's copy of the calling thread.
#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

constexpr int kThreads = 4;

std::once_flag shared_flag;
std::atomic<int> shared_runs{0};
int shared_value = 0;  // written once, read by every thread after its call_once

std::once_flag per_thread_flags[kThreads];
std::atomic<int> per_thread_runs[kThreads];

std::once_flag outer_flag, inner_flag;
std::atomic<int> nested_runs{0};

std::mutex out_mutex;
std::vector<std::string> lines;  // sorted before printing: threads finish in any order

void note(const std::string& s) {
  std::lock_guard<std::mutex> lock(out_mutex);
  lines.push_back(s);
}

struct Setup {
  int base;
  void operator()(int scale, const std::string& who) {
    shared_runs++;
    shared_value = base * scale;
    note("shared setup ran (by " + std::string(who.compare(0, 6, "thread") == 0 ? "a thread" : who) + ")");
  }
};

// call_once inside call_once: the inner call replaces the thread's __once_callable while the
// outer callable runs.
void nested() {
  std::call_once(outer_flag, [] {
    nested_runs++;
    std::call_once(inner_flag, [] { nested_runs += 10; });
  });
}

void worker(int t) {
  std::string who = "thread" + std::to_string(t);
  for (int round = 0; round < 3; round++) {
    std::call_once(shared_flag, Setup{7}, 6, who);
    std::call_once(per_thread_flags[t], [t] { per_thread_runs[t] += 1 + t; });
    nested();
  }
  note(who + " sees " + std::to_string(shared_value) + " own runs " + std::to_string(per_thread_runs[t].load()));
}

int main() {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) threads.emplace_back(worker, t);
  for (auto& th : threads) th.join();
  // The main thread too, after the others: everything already ran.
  std::call_once(shared_flag, Setup{1}, 1, std::string("main"));
  nested();
  std::vector<std::string> sorted = lines;
  for (size_t i = 1; i < sorted.size(); i++)
    for (size_t j = i; j > 0 && sorted[j] < sorted[j - 1]; j--) std::swap(sorted[j], sorted[j - 1]);
  for (const auto& s : sorted) printf("%s\n", s.c_str());
  printf("shared runs %d value %d nested %d\n", shared_runs.load(), shared_value, nested_runs.load());
  fflush(stdout);
  return 0;
}
