// Machine-level intrinsics: the cycle counter (rdtsc, readcyclecounter), frame and return
// addresses (a deep-recursion guard's use), and a const function-local static with a dynamic
// initializer (llvm.invariant.start at -O2).
#include <x86intrin.h>

#include <cstdint>
#include <cstdio>

// Frame addresses of nested calls: each deeper one is lower, as a stack-depth guard assumes.
__attribute__((noinline)) static int frames_descend(int depth, uintptr_t outer) {
  uintptr_t here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  if (here == 0 || (outer != 0 && here >= outer)) return 0;
  if (depth == 0) return 1;
  volatile int r = frames_descend(depth - 1, here);  // not a tail call
  return r;
}

__attribute__((noinline)) static int square(int x) { return x * x; }

static int table_sum(int n) {
  static const int base = square(n) + 7;  // initialized once, then invariant
  return base + n;
}

int main() {
  uint64_t t0 = __rdtsc();
  uint64_t c0 = __builtin_readcyclecounter();
  volatile uint64_t spin = 0;
  for (int i = 0; i < 100000; i++) spin = spin + i;
  uint64_t t1 = __rdtsc();
  uint64_t c1 = __builtin_readcyclecounter();
  std::printf("rdtsc advances %d, readcyclecounter advances %d\n", t1 > t0, c1 > c0);
  std::printf("frames descend %d\n", frames_descend(40, 0));
  std::printf("return address set %d\n", __builtin_return_address(0) != nullptr);
  std::printf("static %d %d %d\n", table_sum(3), table_sum(5), table_sum(9));
  return 0;
}
