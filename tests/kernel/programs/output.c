// Writes MB mebibytes of a known pattern (64-byte lines of the alphabet) to stdout, or to the
// descriptor given second, in 64 KiB writes: the guest's output channel at volume.
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
  long mb = argc > 1 ? atol(argv[1]) : 5;
  int fd = argc > 2 ? atoi(argv[2]) : 1;
  static char buf[65536];
  for (int i = 0; i < (int)sizeof buf; i++) buf[i] = (char)('a' + i % 26);
  for (int i = 63; i < (int)sizeof buf; i += 64) buf[i] = '\n';
  for (long left = mb << 20; left > 0; left -= sizeof buf)
    if (write(fd, buf, sizeof buf) != (long)sizeof buf) return 1;
  return 0;
}
