// Fills all sixteen YMM registers, makes system calls (write, getpid) with them live, and checks
// that the kernel gave them back intact: the kernel must save and restore the AVX state.
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  __attribute__((aligned(32))) unsigned char in[16][32], out[16][32];
  for (int r = 0; r < 16; r++)
    for (int i = 0; i < 32; i++) in[r][i] = (unsigned char)(r * 37 + i * 11 + 1);
  long pid;
  __asm__ volatile(
      "vmovdqa 0(%[in]), %%ymm0\n vmovdqa 32(%[in]), %%ymm1\n vmovdqa 64(%[in]), %%ymm2\n"
      "vmovdqa 96(%[in]), %%ymm3\n vmovdqa 128(%[in]), %%ymm4\n vmovdqa 160(%[in]), %%ymm5\n"
      "vmovdqa 192(%[in]), %%ymm6\n vmovdqa 224(%[in]), %%ymm7\n vmovdqa 256(%[in]), %%ymm8\n"
      "vmovdqa 288(%[in]), %%ymm9\n vmovdqa 320(%[in]), %%ymm10\n vmovdqa 352(%[in]), %%ymm11\n"
      "vmovdqa 384(%[in]), %%ymm12\n vmovdqa 416(%[in]), %%ymm13\n vmovdqa 448(%[in]), %%ymm14\n"
      "vmovdqa 480(%[in]), %%ymm15\n"
      "movl $39, %%eax\n syscall\n"  // getpid
      "movq %%rax, %[pid]\n"
      "movl $20, %%eax\n movl $0xdead, %%edi\n xorl %%esi, %%esi\n xorl %%edx, %%edx\n syscall\n"  // writev(EBADF)
      "vmovdqa %%ymm0, 0(%[out])\n vmovdqa %%ymm1, 32(%[out])\n vmovdqa %%ymm2, 64(%[out])\n"
      "vmovdqa %%ymm3, 96(%[out])\n vmovdqa %%ymm4, 128(%[out])\n vmovdqa %%ymm5, 160(%[out])\n"
      "vmovdqa %%ymm6, 192(%[out])\n vmovdqa %%ymm7, 224(%[out])\n vmovdqa %%ymm8, 256(%[out])\n"
      "vmovdqa %%ymm9, 288(%[out])\n vmovdqa %%ymm10, 320(%[out])\n vmovdqa %%ymm11, 352(%[out])\n"
      "vmovdqa %%ymm12, 384(%[out])\n vmovdqa %%ymm13, 416(%[out])\n vmovdqa %%ymm14, 448(%[out])\n"
      "vmovdqa %%ymm15, 480(%[out])\n"
      : [pid] "=m"(pid)
      : [in] "r"(in), [out] "r"(out)
      : "rax", "rcx", "rdx", "rsi", "rdi", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
        "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
  int same = memcmp(in, out, sizeof in) == 0;
  printf("pid %ld, ymm0-15 %s\n", pid, same ? "preserved" : "CORRUPTED");
  return same ? 0 : 1;
}
