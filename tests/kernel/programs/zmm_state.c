// Two threads on one CPU each fill all 32 ZMM registers and the opmask registers k1-k7 with
// their own values, then take turns (each waits, registers live, until the other has had a turn,
// so the timer must preempt it) for several rounds, and check their values came back: the kernel
// must save and restore the whole AVX-512 state. Exits 77 when the CPU has no AVX-512, and fails
// when it has AVX-512 that the kernel did not enable in XCR0.
#include <cpuid.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum { kRounds = 6 };

static volatile int turn[2];  // rounds each thread has reached

struct State {
  __attribute__((aligned(64))) unsigned char zmm[32][64];
  unsigned long long k[7];
};

static void fill(struct State* s, unsigned seed) {
  for (int r = 0; r < 32; r++)
    for (int i = 0; i < 64; i++) s->zmm[r][i] = (unsigned char)((r * 64 + i) * 2654435761u >> 11 ^ seed * 97);
  for (int i = 0; i < 7; i++) s->k[i] = 0x0123456789abcdefULL * (i + 1) ^ seed * 0x9e3779b97f4a7c15ULL;
}

#define Z(op, n) op " " #n "*64(%[z]), %%zmm" #n "\n"
#define ZS(n) "vmovdqa64 %%zmm" #n ", " #n "*64(%[o])\n"
#define ALL(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15) \
  M(16) M(17) M(18) M(19) M(20) M(21) M(22) M(23) M(24) M(25) M(26) M(27) M(28) M(29) M(30) M(31)
#define ZL(n) Z("vmovdqa64", n)

// Loads `in` into the registers, takes kRounds turns with the other thread, stores them to `out`.
__attribute__((target("avx512f,avx512bw"), noinline)) static void hold(const struct State* in, struct State* out,
                                                                      volatile int* mine, volatile int* other) {
  __asm__ volatile(
      ALL(ZL)
      "kmovq 0(%[k]), %%k1\n kmovq 8(%[k]), %%k2\n kmovq 16(%[k]), %%k3\n kmovq 24(%[k]), %%k4\n"
      "kmovq 32(%[k]), %%k5\n kmovq 40(%[k]), %%k6\n kmovq 48(%[k]), %%k7\n"
      "movl $1, %%ecx\n"
      "1: movl %%ecx, (%[mine])\n"
      "2: pause\n cmpl %%ecx, (%[other])\n jl 2b\n"
      "incl %%ecx\n cmpl %[rounds], %%ecx\n jle 1b\n"
      ALL(ZS)
      "kmovq %%k1, 0(%[ok])\n kmovq %%k2, 8(%[ok])\n kmovq %%k3, 16(%[ok])\n kmovq %%k4, 24(%[ok])\n"
      "kmovq %%k5, 32(%[ok])\n kmovq %%k6, 40(%[ok])\n kmovq %%k7, 48(%[ok])\n"
      :
      : [z] "r"(in->zmm), [k] "r"(in->k), [o] "r"(out->zmm), [ok] "r"(out->k), [mine] "r"(mine),
        [other] "r"(other), [rounds] "i"(kRounds)
      : "rcx", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
        "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22",
        "xmm23", "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31", "k1", "k2", "k3", "k4",
        "k5", "k6", "k7");
}

static int intact[2];

static void* run(void* arg) {
  int me = (int)(long)arg;
  static struct State in[2], out[2];
  fill(&in[me], me + 1);
  memset(&out[me], 0, sizeof out[me]);
  hold(&in[me], &out[me], &turn[me], &turn[1 - me]);
  intact[me] = memcmp(&in[me], &out[me], sizeof in[me]) == 0;
  return NULL;
}

int main(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 16)) || !(b & (1u << 30))) {
    printf("no avx512f/avx512bw on this CPU\n");
    return 77;
  }
  __get_cpuid(1, &a, &b, &c, &d);
  if (!(c & (1u << 27))) {
    printf("the CPU has AVX-512 but the kernel did not enable XSAVE (CR4.OSXSAVE)\n");
    return 1;
  }
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  if ((lo & 0xE6) != 0xE6) {
    printf("the CPU has AVX-512 but XCR0 is %#x: the kernel did not enable its state\n", lo);
    return 1;
  }
  pthread_t t;
  if (pthread_create(&t, NULL, run, (void*)1L)) return 2;
  run((void*)0L);
  pthread_join(t, NULL);
  printf("zmm0-31 and k1-k7 %s, %s across %d turns\n", intact[0] ? "preserved" : "CORRUPTED",
         intact[1] ? "preserved" : "CORRUPTED", kRounds);
  return intact[0] && intact[1] ? 0 : 1;
}
