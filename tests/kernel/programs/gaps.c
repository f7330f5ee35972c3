// The small things real programs (busybox, libc start-up code, LLVM) expect of Linux: device files,
// /proc/meminfo, /proc/self/exe, the CPU count, utimensat, fallocate, statfs, pipes between threads,
// getgroups, links refused with EPERM, prctl. Prints "gaps ok, cpus N" and exits 0; mode
// "pipe-deadlock" reads its own empty pipe, which no thread can ever fill.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "check.h"

static void devices(void) {
  char buf[64];
  int fd = open("/dev/null", O_RDWR);
  CHECK(fd >= 0 && write(fd, "x", 1) == 1 && read(fd, buf, sizeof buf) == 0);
  close(fd);
  memset(buf, 1, sizeof buf);
  fd = open("/dev/zero", O_RDONLY);
  CHECK(fd >= 0 && read(fd, buf, sizeof buf) == sizeof buf);
  for (int i = 0; i < (int)sizeof buf; i++) CHECK(buf[i] == 0);
  struct stat st;
  CHECK(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode));
  close(fd);
  unsigned char r1[32], r2[32];
  fd = open("/dev/urandom", O_RDONLY);
  CHECK(fd >= 0 && read(fd, r1, 32) == 32 && read(fd, r2, 32) == 32 && memcmp(r1, r2, 32) != 0);
  close(fd);
  CHECK(stat("/dev/random", &st) == 0 && S_ISCHR(st.st_mode));
}

static void proc(const char* self) {
  char text[1024];
  int fd = open("/proc/meminfo", O_RDONLY);
  CHECK(fd >= 0);
  ssize_t n = read(fd, text, sizeof text - 1);
  CHECK(n > 0);
  text[n] = 0;
  close(fd);
  unsigned long total = 0;
  CHECK(sscanf(text, "MemTotal: %lu kB", &total) == 1 && total > 1024);
  CHECK(strstr(text, "\nMemAvailable:") != NULL);
  CHECK(access("/proc/self/exe", F_OK) == 0);
  struct stat exe, prog;
  CHECK(stat("/proc/self/exe", &exe) == 0 && stat(self, &prog) == 0 && exe.st_size == prog.st_size);
  char link[256];
  n = readlink("/proc/self/exe", link, sizeof link - 1);
  CHECK(n > 0);
  link[n] = 0;
  CHECK(strcmp(link, self) == 0);
  fd = open("/proc/self/exe", O_RDONLY);
  CHECK(fd >= 0 && read(fd, link, 4) == 4 && memcmp(link, "\177ELF", 4) == 0);
  close(fd);
}

static void file_times_and_space(void) {
  int fd = open("/gaps.tmp", O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK(fd >= 0);
  struct timespec times[2] = {{0, UTIME_OMIT}, {978307200, 0}};  // 2001-01-01 00:00:00 UTC
  CHECK(utimensat(AT_FDCWD, "/gaps.tmp", times, 0) == 0);
  struct stat st;
  CHECK(stat("/gaps.tmp", &st) == 0 && st.st_mtime >= 978307200 - 2 && st.st_mtime <= 978307200 + 2);
  CHECK(futimens(fd, NULL) == 0 && fstat(fd, &st) == 0 && st.st_mtime > 978307200 + 86400);
  CHECK(utimensat(AT_FDCWD, "/no-such-file", NULL, 0) == -1 && errno == ENOENT);
  CHECK(fallocate(fd, 0, 0, 10000) == 0 && fstat(fd, &st) == 0 && st.st_size == 10000);
  char buf[100];
  CHECK(pread(fd, buf, sizeof buf, 9900) == 100);
  for (int i = 0; i < 100; i++) CHECK(buf[i] == 0);
  CHECK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 50000) == 0 && fstat(fd, &st) == 0 && st.st_size == 10000);
  CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 100) == -1 && errno == EOPNOTSUPP);
  struct statfs fs;
  CHECK(statfs("/", &fs) == 0 && fs.f_type == 0x4D44 && fs.f_blocks > 0 && fs.f_bfree <= fs.f_blocks);
  CHECK(fstatfs(fd, &fs) == 0 && fs.f_bsize > 0);
  close(fd);
  CHECK(link("/gaps.tmp", "/gaps.link") == -1 && errno == EPERM);
  CHECK(symlink("/gaps.tmp", "/gaps.link") == -1 && errno == EPERM);
  CHECK(unlink("/gaps.tmp") == 0);
}

enum { kPipeBytes = 100000 };
static int pipe_fds[2];

static void* pipe_writer(void* arg) {
  static char data[kPipeBytes];
  for (int i = 0; i < kPipeBytes; i++) data[i] = (char)(i * 7);
  CHECK(write(pipe_fds[1], data, kPipeBytes) == kPipeBytes);  // more than the pipe holds: blocks
  CHECK(close(pipe_fds[1]) == 0);
  return NULL;
}

static void pipes(void) {
  int p[2];
  CHECK(pipe2(p, O_CLOEXEC) == 0);
  CHECK(write(p[1], "hello", 5) == 5);
  char buf[16];
  CHECK(read(p[0], buf, sizeof buf) == 5 && memcmp(buf, "hello", 5) == 0);
  struct stat st;
  CHECK(fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode));
  CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0);
  CHECK(read(p[0], buf, sizeof buf) == -1 && errno == EAGAIN);
  CHECK(lseek(p[0], 0, SEEK_SET) == -1 && errno == ESPIPE);
  signal(SIGPIPE, SIG_IGN);
  CHECK(close(p[0]) == 0);
  CHECK(write(p[1], "x", 1) == -1 && errno == EPIPE);
  close(p[1]);
  // Between threads: the writer blocks on a full pipe, the reader on an empty one.
  CHECK(pipe(pipe_fds) == 0);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, pipe_writer, NULL) == 0);
  static char got[kPipeBytes];
  long total = 0;
  for (ssize_t n; (n = read(pipe_fds[0], got + total, kPipeBytes - total + 1)) > 0;) total += n;
  CHECK(total == kPipeBytes);
  for (int i = 0; i < kPipeBytes; i++) CHECK(got[i] == (char)(i * 7));
  CHECK(pthread_join(t, NULL) == 0);
  close(pipe_fds[0]);
}

static void identity(void) {
  CHECK(getgroups(0, NULL) == 0);
  uid_t r, e, s;
  CHECK(getresuid(&r, &e, &s) == 0 && r == 0 && e == 0 && s == 0);
  char name[16];
  CHECK(prctl(PR_SET_NAME, "worker", 0, 0, 0) == 0 && prctl(PR_GET_NAME, name, 0, 0, 0) == 0);
  CHECK(strcmp(name, "worker") == 0);
  CHECK(prctl(9999, 0, 0, 0, 0) == -1 && errno == EINVAL);
}

int main(int argc, char** argv) {
  if (argc > 1 && !strcmp(argv[1], "pipe-deadlock")) {
    int p[2];
    char c;
    CHECK(pipe(p) == 0);
    printf("reading\n");
    fflush(stdout);
    read(p[0], &c, 1);
    printf("FAIL: read returned\n");
    return 1;
  }
  devices();
  proc(argv[0]);
  file_times_and_space();
  pipes();
  identity();
  printf("gaps ok, cpus %d %d\n", get_nprocs(), (int)sysconf(_SC_NPROCESSORS_ONLN));
  return 0;
}
