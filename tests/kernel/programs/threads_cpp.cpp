// std::thread in the unikernel (static libstdc++ over glibc's pthreads): a pool of threads hands
// work through a std::mutex and std::condition_variable, sleeps with sleep_for, and is joined.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

int main() {
  std::mutex m;
  std::condition_variable cv;
  std::queue<int> work;
  bool done = false;
  long total = 0;
  std::vector<std::thread> pool;
  for (int i = 0; i < 3; i++)
    pool.emplace_back([&] {
      long mine = 0;
      for (;;) {
        std::unique_lock<std::mutex> l(m);
        cv.wait(l, [&] { return done || !work.empty(); });
        if (work.empty()) break;
        mine += work.front();
        work.pop();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      std::lock_guard<std::mutex> g(m);
      total += mine;
    });
  for (int i = 1; i <= 1000; i++) {
    std::lock_guard<std::mutex> g(m);
    work.push(i);
    cv.notify_one();
  }
  {
    std::lock_guard<std::mutex> g(m);
    done = true;
  }
  cv.notify_all();
  for (std::thread& t : pool) t.join();
  std::printf("std::thread ok: total %ld, hardware_concurrency %u\n", total, std::thread::hardware_concurrency());
  return total == 500500 ? 0 : 1;
}
