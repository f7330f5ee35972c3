// Memory protections in the unikernel. "ok" checks what must not fault (and prints "protect ok");
// every other mode makes one access the kernel must refuse, and is expected to die with SIGSEGV
// and a report naming the kind of page.
//   write-rodata, write-code, write-readonly  a write to a read-only page
//   exec-heap, exec-stack                     a jump into a data page
//   guard                                     a read of a PROT_NONE page
//   thread-stack-overflow                     a thread's recursion reaches its stack's guard page
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

static const long kPage = 4096;
static const unsigned char kReturn42[] = {0xB8, 0x2A, 0x00, 0x00, 0x00, 0xC3};  // mov eax, 42; ret

static char* map(long pages, int prot) {
  char* p = mmap(NULL, pages * kPage, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(p != MAP_FAILED);
  return p;
}

static int ok(void) {
  // mprotect of a range that is not (wholly) mapped: ENOMEM.
  char* p = map(3, PROT_READ | PROT_WRITE);
  CHECK(munmap(p + kPage, kPage) == 0);
  CHECK(mprotect(p + kPage, kPage, PROT_READ) == -1 && errno == ENOMEM);
  CHECK(mprotect(p, 3 * kPage, PROT_READ) == -1 && errno == ENOMEM);
  CHECK(mprotect(p, kPage, PROT_READ) == 0);
  // munmap of part of a mapping: the rest keeps its contents; the hole is free again.
  char* q = map(3, PROT_READ | PROT_WRITE);
  memset(q, 'a', 3 * kPage);
  CHECK(munmap(q + kPage, kPage) == 0);
  CHECK(q[0] == 'a' && q[kPage - 1] == 'a' && q[2 * kPage] == 'a' && q[3 * kPage - 1] == 'a');
  // MAP_FIXED_NOREPLACE: EEXIST over a mapping, success in the hole.
  CHECK(mmap(q, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == MAP_FAILED &&
        errno == EEXIST);
  CHECK(mmap(q + kPage, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) ==
        q + kPage);
  CHECK(q[kPage] == 0);
  // A free hint is taken.
  char* want = (char*)0x300000000000;
  CHECK(mmap(want, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == want);
  // The kernel honours the rights too: EFAULT instead of writing a read-only buffer.
  int fd = open("/protect", O_RDONLY);
  CHECK(fd >= 0);
  CHECK(read(fd, p, 16) == -1 && errno == EFAULT);
  // Unlike Linux: a shared writable mapping of a file is refused (the kernel's file mappings are
  // private copies, which would lose the writes); a read-only one is a copy.
  int rw = open("/protect", O_RDWR);
  CHECK(rw >= 0);
  CHECK(mmap(NULL, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0) == MAP_FAILED && errno == ENODEV);
  char* shared = mmap(NULL, kPage, PROT_READ, MAP_SHARED, rw, 0);
  CHECK(shared != MAP_FAILED && shared[1] == 'E' && close(rw) == 0);
  char* none = map(1, PROT_NONE);
  CHECK(write(1, none, 1) == -1 && errno == EFAULT);
  // A JIT's way: write code into a writable page, make it executable, run it.
  char* code = map(1, PROT_READ | PROT_WRITE);
  memcpy(code, kReturn42, sizeof kReturn42);
  CHECK(mprotect(code, kPage, PROT_READ | PROT_EXEC) == 0);
  CHECK(((int (*)(void))code)() == 42);
  // MADV_DONTNEED: the page reads as zero again.
  char* z = map(2, PROT_READ | PROT_WRITE);
  memset(z, 7, 2 * kPage);
  CHECK(madvise(z, 2 * kPage, MADV_DONTNEED) == 0);
  CHECK(z[0] == 0 && z[2 * kPage - 1] == 0);
  // mremap keeps the rights and the contents.
  char* r = map(1, PROT_READ | PROT_WRITE);
  r[100] = 'r';
  CHECK(mprotect(r, kPage, PROT_READ) == 0);
  char* grown = mremap(r, kPage, 4 * kPage, MREMAP_MAYMOVE);
  CHECK(grown != MAP_FAILED && grown[100] == 'r' && grown[3 * kPage] == 0);
  printf("protect ok\n");
  return 0;
}

#pragma clang diagnostic ignored "-Winfinite-recursion"
static int recurse(int depth) {
  volatile char frame[512];
  frame[0] = (char)depth;
  return recurse(depth + 1) + frame[0];
}

static void* overflow(void* arg) { return (void*)(long)recurse(0); }

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char* mode = argc > 1 ? argv[1] : "ok";
  if (!strcmp(mode, "ok")) return ok();
  printf("%s\n", mode);
  if (!strcmp(mode, "write-rodata")) {
    static const char literal[] = "a constant string";
    *(volatile char*)literal = 'A';
  } else if (!strcmp(mode, "write-code")) {
    *(volatile unsigned char*)(void*)main = 0xC3;
  } else if (!strcmp(mode, "write-readonly")) {
    char* p = map(1, PROT_READ | PROT_WRITE);
    CHECK(mprotect(p, kPage, PROT_READ) == 0);
    *(volatile char*)p = 1;
  } else if (!strcmp(mode, "exec-heap")) {
    unsigned char* h = malloc(64);
    memcpy(h, kReturn42, sizeof kReturn42);
    ((int (*)(void))h)();
  } else if (!strcmp(mode, "exec-stack")) {
    unsigned char s[64];
    memcpy(s, kReturn42, sizeof kReturn42);
    ((int (*)(void))(void*)s)();
  } else if (!strcmp(mode, "guard")) {
    char* p = map(3, PROT_READ | PROT_WRITE);
    CHECK(mprotect(p + kPage, kPage, PROT_NONE) == 0);
    p[0] = p[2 * kPage] = 1;
    printf("%d\n", *(volatile char*)(p + kPage));
  } else if (!strcmp(mode, "thread-stack-overflow")) {
    pthread_t t;
    CHECK(pthread_create(&t, NULL, overflow, NULL) == 0);
    pthread_join(t, NULL);
  }
  printf("FAIL: no fault\n");
  return 1;
}
