// How much of a mapping the kernel backs with 2 MiB pages, from /proc/self/smaps (Linux only;
// 0 elsewhere). Benchmarks print it because it moves streaming bandwidth by 20-40%.
#pragma once

#include <cstdint>
#include <cstdio>

namespace bf::llm {

// Bytes of the mapping containing `p` that sit in huge pages (AnonHugePages + FilePmdMapped).
inline double huge_page_bytes(const void* p) {
  FILE* f = std::fopen("/proc/self/smaps", "r");
  if (f == nullptr) return 0;
  const uintptr_t at = reinterpret_cast<uintptr_t>(p);
  char line[256];
  bool inside = false;
  double kb_total = 0;
  while (std::fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    double kb;
    if (std::sscanf(line, "%lx-%lx ", &lo, &hi) == 2)  // a mapping's header line
      inside = lo <= at && at < hi;
    else if (inside && (std::sscanf(line, "AnonHugePages: %lf kB", &kb) == 1 ||
                        std::sscanf(line, "FilePmdMapped: %lf kB", &kb) == 1))
      kb_total += kb;
  }
  std::fclose(f);
  return kb_total * 1024;
}

}  // namespace bf::llm
