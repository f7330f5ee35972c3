// Monotonic milliseconds, for the timings the engine's commands print.
#pragma once

#include <ctime>

namespace bf::llm {

inline double now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

}  // namespace bf::llm
