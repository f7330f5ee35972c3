// File system exercise for the unikernel's FAT32, in three modes:
//   files write    create, grow, overwrite, truncate, delete and rename files with long names
//   files check    read everything back byte-exact (a second boot of the same disk)
//   files forever  write and close /closed.bin, print "closed", then write /partial.bin forever
//   files fill     write /fill.bin until ENOSPC, close it
//   files two      grow two files together, close one, write the other forever
// Contents follow pattern(), so the host test can check them too.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned char pattern(unsigned i, unsigned seed) { return (unsigned char)((i * 2654435761u + seed * 40503u) >> 13); }

static void die(const char* what) {
  printf("FAIL %s: %s\n", what, strerror(errno));
  exit(1);
}

static void write_pattern(const char* path, unsigned size, unsigned seed, int flags) {
  int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);
  if (fd < 0) die(path);
  unsigned char buf[777];  // odd chunks cross sector and cluster boundaries
  for (unsigned off = 0; off < size;) {
    unsigned n = size - off < sizeof buf ? size - off : sizeof buf;
    for (unsigned i = 0; i < n; i++) buf[i] = pattern(off + i, seed);
    if (write(fd, buf, n) != (ssize_t)n) die(path);
    off += n;
  }
  if (fsync(fd) || close(fd)) die(path);
}

static void check_pattern(const char* path, unsigned size, unsigned seed, unsigned from, unsigned to, unsigned seed2) {
  FILE* f = fopen(path, "rb");
  if (!f) die(path);
  unsigned i = 0;
  int c;
  while ((c = fgetc(f)) != EOF) {
    unsigned s = (i >= from && i < to) ? seed2 : seed;
    if (i >= size || c != pattern(i, s)) {
      printf("FAIL %s: byte %u\n", path, i);
      exit(1);
    }
    i++;
  }
  fclose(f);
  if (i != size) {
    printf("FAIL %s: %u bytes, expected %u\n", path, i, size);
    exit(1);
  }
}

static void write_text(const char* path, const char* text) {
  FILE* f = fopen(path, "w");
  if (!f || fputs(text, f) < 0 || fclose(f)) die(path);
}

static void check_text(const char* path, const char* text) {
  char buf[256] = {0};
  FILE* f = fopen(path, "r");
  if (!f) die(path);
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  if (n != strlen(text) || memcmp(buf, text, n)) {
    printf("FAIL %s: contents differ\n", path);
    exit(1);
  }
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  char path[128];
  if (!strcmp(mode, "write")) {
    if (mkdir("/data long dir", 0755)) die("mkdir");
    write_pattern("/data long dir/first file with a long name.bin", 100000, 1, O_TRUNC);
    write_text("/SHORT.TXT", "hello fat\n");
    write_pattern("/overwrite.bin", 50000, 2, O_TRUNC);
    int fd = open("/overwrite.bin", O_RDWR);
    unsigned char buf[2000];
    for (unsigned i = 0; i < sizeof buf; i++) buf[i] = pattern(1000 + i, 3);
    if (fd < 0 || pwrite(fd, buf, sizeof buf, 1000) != (ssize_t)sizeof buf || ftruncate(fd, 40000) || close(fd))
      die("overwrite");
    write_text("/delete-me.txt", "gone\n");
    if (unlink("/delete-me.txt")) die("unlink");
    write_text("/rename-src.txt", "renamed\n");
    if (rename("/rename-src.txt", "/data long dir/renamed.txt")) die("rename");
    if (mkdir("/many", 0755)) die("mkdir many");
    for (int i = 0; i < 40; i++) {
      snprintf(path, sizeof path, "/many/file number %02d.txt", i);
      char text[64];
      snprintf(text, sizeof text, "file %d\n", i);
      write_text(path, text);
    }
    // Two descriptors on one file see the same data and size.
    int a = open("/shared.txt", O_RDWR | O_CREAT | O_TRUNC, 0644), b = open("/shared.txt", O_RDONLY);
    char got[16] = {0};
    struct stat st;
    if (a < 0 || b < 0 || write(a, "shared", 6) != 6 || read(b, got, sizeof got) != 6 || strcmp(got, "shared") ||
        fstat(b, &st) || st.st_size != 6 || close(b))
      die("shared descriptors");
    // Renamed while open: the last close still updates the entry under its new name.
    if (rename("/shared.txt", "/data long dir/shared moved.txt") || write(a, " file\n", 6) != 6 || close(a))
      die("rename while open");
    // Unlinked while open: still readable and writable until closed, then gone with its clusters.
    int u = open("/unlinked.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    unsigned char big[5000];
    for (unsigned i = 0; i < sizeof big; i++) big[i] = pattern(i, 6);
    if (u < 0 || write(u, big, sizeof big) != (ssize_t)sizeof big || unlink("/unlinked.bin") ||
        write(u, big, 100) != 100 || pread(u, big, 10, 0) != 10 || big[9] != pattern(9, 6) || close(u))
      die("unlink while open");
    if (access("/unlinked.bin", F_OK) == 0) die("unlinked file still there");
    // Unlinked and never closed: exit must give its clusters back (fsck checks).
    int leak = open("/never closed.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (leak < 0 || write(leak, big, sizeof big) != (ssize_t)sizeof big || unlink("/never closed.bin"))
      die("unlinked, never closed");
    printf("write ok\n");
    return 0;
  }
  if (!strcmp(mode, "check")) {
    check_pattern("/data long dir/first file with a long name.bin", 100000, 1, 0, 0, 0);
    check_text("/SHORT.TXT", "hello fat\n");
    check_pattern("/overwrite.bin", 40000, 2, 1000, 3000, 3);
    if (access("/delete-me.txt", F_OK) == 0 || access("/rename-src.txt", F_OK) == 0) {
      printf("FAIL deleted files are still there\n");
      return 1;
    }
    check_text("/data long dir/renamed.txt", "renamed\n");
    check_text("/data long dir/shared moved.txt", "shared file\n");
    if (access("/shared.txt", F_OK) == 0 || access("/unlinked.bin", F_OK) == 0) {
      printf("FAIL moved or unlinked files are still there\n");
      return 1;
    }
    DIR* d = opendir("/many");
    if (!d) die("opendir");
    int n = 0;
    struct dirent* e;
    while ((e = readdir(d)))
      if (e->d_name[0] != '.') n++;
    closedir(d);
    for (int i = 0; i < 40; i++) {
      snprintf(path, sizeof path, "/many/file number %02d.txt", i);
      char text[64];
      snprintf(text, sizeof text, "file %d\n", i);
      check_text(path, text);
    }
    struct stat st;
    if (stat("/overwrite.bin", &st) || st.st_size != 40000) die("stat");
    // Delete while listing, as rm -r does: every entry must still come up exactly once.
    d = opendir("/many");
    int removed = 0;
    while (d && (e = readdir(d))) {
      if (e->d_name[0] == '.') continue;
      snprintf(path, sizeof path, "/many/%s", e->d_name);
      if (unlink(path)) die(path);
      removed++;
    }
    if (d) closedir(d);
    if (removed != 40 || rmdir("/many")) {
      printf("FAIL removed %d of 40 files while listing\n", removed);
      return 1;
    }
    if (rename("/data long dir", "/data long dir/inside") == 0 || errno != EINVAL) die("rename into itself");
    printf("check ok: %d files in /many\n", n);
    return n == 40 ? 0 : 1;
  }
  if (!strcmp(mode, "forever")) {
    write_pattern("/closed.bin", 20000, 4, O_TRUNC);
    printf("closed\n");
    fflush(stdout);
    int fd = open("/partial.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) die("partial");
    unsigned char buf[4096];
    memset(buf, 0x5a, sizeof buf);
    for (;;)
      if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) die("partial write");
  }
  if (!strcmp(mode, "fill")) {  // write until the disk is full; the file keeps what fitted
    int fd = open("/fill.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) die("fill");
    static unsigned char buf[65536];
    long long total = 0;
    for (;;) {
      for (unsigned i = 0; i < sizeof buf; i++) buf[i] = pattern((unsigned)(total + i), 5);
      ssize_t n = write(fd, buf, sizeof buf);
      if (n < 0 && errno == ENOSPC) break;
      if (n <= 0) die("fill write");
      total += n;
    }
    if (close(fd)) die("fill close");
    struct stat st;
    if (stat("/fill.bin", &st) || st.st_size != total) die("fill size");
    printf("disk full after %lld bytes\n", total);
    return 0;
  }
  if (!strcmp(mode, "two")) {  // /two-a.bin and /two-b.bin grow together; a is closed, b never
    int a = open("/two-a.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int b = open("/two-b.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (a < 0 || b < 0) die("two");
    unsigned char buf[4096];
    for (unsigned off = 0; off < 20 * sizeof buf; off += sizeof buf) {
      for (unsigned i = 0; i < sizeof buf; i++) buf[i] = pattern(off + i, 7);
      if (write(a, buf, sizeof buf) != (ssize_t)sizeof buf || write(b, buf, sizeof buf) != (ssize_t)sizeof buf)
        die("two write");
    }
    if (close(a)) die("two close");
    printf("closed\n");
    fflush(stdout);
    for (;;)
      if (write(b, buf, sizeof buf) != (ssize_t)sizeof buf) die("two b");
  }
  if (!strcmp(mode, "check-closed")) {
    check_pattern("/closed.bin", 20000, 4, 0, 0, 0);
    printf("closed ok\n");
    return 0;
  }
  fprintf(stderr, "usage: files write|check|forever|check-closed\n");
  return 2;
}
