// Reads a file in 1 MiB chunks and prints the rate: run in the unikernel it measures virtio-blk
// plus FAT32; run natively it is the page-cache baseline.
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  static char buf[1 << 20];
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) return perror(argv[1]), 1;
  long long total = 0;
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) total += n;
  close(fd);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
  printf("%lld bytes in %.4f s: %.1f MB/s\n", total, s, total / s / 1e6);
  return 0;
}
