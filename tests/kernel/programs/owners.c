// What a careful program (bareflow's code cache) asks of files: owners and modes that read as it
// created them (uid 0; directories 0700, files 0600), chmod within what FAT can keep (the write
// bit is the read-only attribute, kept on the disk), chown to its own ids only, umask, access,
// and fcntl record locks: classic ones (one process: never in conflict with each other) and open
// file description locks, which exclude a second thread's own open until the first lets go.
// Renames as the cache writes entries: a temporary renamed over the entry of the same directory,
// (one directory write when they share a cluster), with short and long names, and in a directory
// too full for that.
// Mode "check-kept" checks, on a second boot, the read-only file the first left. Prints
// "owners ok" and exits 0.
#define _GNU_SOURCE
#include <fcntl.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static void modes(void) {
  struct stat st;
  CHECK(mkdir("/owned", 0755) == 0);
  CHECK(stat("/owned", &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700);
  CHECK(st.st_uid == geteuid() && st.st_gid == getegid());
  int fd = open("/owned/entry", O_WRONLY | O_CREAT | O_EXCL, 0644);
  CHECK(fd >= 0 && write(fd, "x", 1) == 1);
  CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0600 && st.st_uid == 0);
  CHECK(fchmod(fd, 0600) == 0);  // what the code cache does after creating an entry
  CHECK(fchmodat(AT_FDCWD, "/owned", 0700, 0) == 0);
  CHECK(chmod("/owned", 0755) == 0);  // the bits FAT cannot keep are dropped, as vfat does
  CHECK(stat("/owned", &st) == 0 && (st.st_mode & 07777) == 0700);
  // The read and execute bits cannot change, nor can set-id bits be set.
  CHECK(fchmod(fd, 0200) == -1 && errno == EPERM);
  CHECK(chmod("/owned", 0600) == -1 && errno == EPERM);
  CHECK(fchmod(fd, 04600) == -1 && errno == EPERM);
  // The write bit is the read-only attribute: seen through every name and descriptor.
  CHECK(fchmod(fd, 0400) == 0);
  CHECK(stat("/owned/entry", &st) == 0 && (st.st_mode & 07777) == 0400);
  CHECK(chmod("/owned/entry", 0644) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0600);
  CHECK(chmod("/", 0500) == -1 && errno == EPERM);
  CHECK(chmod("/owned/none", 0600) == -1 && errno == ENOENT);
  CHECK(close(fd) == 0);
  // Owners: its own ids (or -1, unchanged) only.
  CHECK(chown("/owned/entry", 0, 0) == 0 && lchown("/owned", -1, 0) == 0);
  CHECK(fchownat(AT_FDCWD, "/owned/entry", -1, -1, 0) == 0);
  CHECK(chown("/owned/entry", 1000, 1000) == -1 && errno == EPERM);
  CHECK(umask(077) == 022 && umask(022) == 077);
  // uid 0 reads and writes anything, executes what has an execute bit: directories.
  CHECK(access("/owned/entry", R_OK | W_OK) == 0 && access("/owned", X_OK) == 0);
  CHECK(access("/owned/entry", X_OK) == -1 && errno == EACCES);
  // mkdir of what exists, the root included, is EEXIST (mkdir -p walks through "/").
  CHECK(mkdir("/", 0700) == -1 && errno == EEXIST);
  CHECK(mkdir("/owned", 0700) == -1 && errno == EEXIST);
  // A read-only file for the next boot.
  fd = open("/owned/kept", O_WRONLY | O_CREAT, 0600);
  CHECK(fd >= 0 && fchmod(fd, 0400) == 0 && close(fd) == 0);
}

static int lock(int fd, int cmd, short type, off_t start, off_t len) {
  struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
  return fcntl(fd, cmd, &fl);
}

static short holder(int fd, int cmd, short type, off_t start, off_t len, struct flock* out) {
  struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
  CHECK(fcntl(fd, cmd, &fl) == 0);
  if (out) *out = fl;
  return fl.l_type;
}

static volatile int locked_by_thread = 0, released = 0;
static volatile long waited_ns = 0;

static long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

// A second open of the lock file: its OFD lock waits for the first's.
static void* contender(void* arg) {
  int fd = open("/owned/lock", O_RDWR);
  CHECK(fd >= 0);
  long t0 = now_ns();
  CHECK(lock(fd, F_OFD_SETLKW, F_WRLCK, 0, 0) == 0);
  CHECK(released);  // it got the lock only once main let go
  waited_ns = now_ns() - t0;
  locked_by_thread = 1;
  CHECK(close(fd) == 0);  // the last close releases it
  return arg;
}

static void locks(void) {
  int a = open("/owned/lock", O_RDWR | O_CREAT, 0600), b = open("/owned/lock", O_RDWR);
  int ro = open("/owned/lock", O_RDONLY);
  CHECK(a >= 0 && b >= 0 && ro >= 0);
  // Open file description locks: a and b are two holders.
  CHECK(lock(a, F_OFD_SETLK, F_WRLCK, 0, 0) == 0);
  CHECK(lock(b, F_OFD_SETLK, F_WRLCK, 0, 0) == -1 && errno == EAGAIN);
  CHECK(lock(b, F_OFD_SETLK, F_RDLCK, 100, 10) == -1 && errno == EAGAIN);
  struct flock fl;
  CHECK(holder(b, F_OFD_GETLK, F_RDLCK, 5, 1, &fl) == F_WRLCK && fl.l_start == 0 && fl.l_len == 0 && fl.l_pid == -1);
  // a gives up the middle: b may lock it, not the rest.
  CHECK(lock(a, F_OFD_SETLK, F_UNLCK, 10, 10) == 0);
  CHECK(lock(b, F_OFD_SETLK, F_WRLCK, 10, 10) == 0);
  CHECK(lock(b, F_OFD_SETLK, F_WRLCK, 19, 2) == -1 && errno == EAGAIN);
  CHECK(holder(b, F_OFD_GETLK, F_WRLCK, 20, 1, &fl) == F_WRLCK && fl.l_start == 20 && fl.l_len == 0);
  CHECK(holder(b, F_OFD_GETLK, F_WRLCK, 9, 1, &fl) == F_WRLCK && fl.l_start == 0 && fl.l_len == 10);
  CHECK(lock(b, F_OFD_SETLK, F_UNLCK, 0, 0) == 0 && lock(a, F_OFD_SETLK, F_UNLCK, 0, 0) == 0);
  // Shared locks share; a write lock needs a descriptor open for writing, a read lock one for reading.
  CHECK(lock(a, F_OFD_SETLK, F_RDLCK, 0, 0) == 0 && lock(ro, F_OFD_SETLK, F_RDLCK, 0, 0) == 0);
  CHECK(lock(b, F_OFD_SETLK, F_WRLCK, 0, 1) == -1 && errno == EAGAIN);
  CHECK(lock(ro, F_OFD_SETLK, F_WRLCK, 0, 1) == -1 && errno == EBADF);
  CHECK(lock(a, F_OFD_SETLK, F_UNLCK, 0, 0) == 0 && close(ro) == 0);  // closing ro releases its lock
  CHECK(holder(b, F_OFD_GETLK, F_WRLCK, 0, 0, NULL) == F_UNLCK);
  // A dup shares its description's locks; only the last close releases them.
  int a2 = dup(a);
  CHECK(lock(a2, F_OFD_SETLK, F_WRLCK, 0, 0) == 0 && close(a2) == 0);
  CHECK(lock(b, F_OFD_SETLK, F_WRLCK, 0, 0) == -1 && errno == EAGAIN);
  // Classic locks belong to the process: never in conflict with each other, but with a's OFD lock.
  CHECK(lock(b, F_SETLK, F_WRLCK, 0, 0) == -1 && errno == EAGAIN);
  CHECK(lock(a, F_OFD_SETLK, F_UNLCK, 0, 0) == 0);
  CHECK(lock(b, F_SETLK, F_WRLCK, 0, 0) == 0 && lock(a, F_SETLK, F_WRLCK, 0, 0) == 0);
  CHECK(holder(a, F_GETLK, F_WRLCK, 0, 0, NULL) == F_UNLCK);
  CHECK(holder(a, F_OFD_GETLK, F_WRLCK, 0, 0, &fl) == F_WRLCK && fl.l_pid == getpid());
  CHECK(close(a) == 0);  // any close of the file releases the process's locks
  CHECK(holder(b, F_OFD_GETLK, F_WRLCK, 0, 0, NULL) == F_UNLCK);
  // F_OFD_SETLKW waits: a thread with its own open blocks until b lets go.
  CHECK(lock(b, F_OFD_SETLK, F_WRLCK, 0, 0) == 0);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, contender, NULL) == 0);
  struct timespec pause = {0, 50 * 1000 * 1000};
  nanosleep(&pause, NULL);
  CHECK(!locked_by_thread);
  released = 1;
  CHECK(lock(b, F_OFD_SETLK, F_UNLCK, 0, 0) == 0);
  CHECK(pthread_join(t, NULL) == 0 && locked_by_thread && waited_ns > 0);
  CHECK(lock(b, F_OFD_SETLK, F_WRLCK, 0, 0) == 0);  // the thread's close released its lock
  struct flock bad = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_pid = 7};
  CHECK(fcntl(b, F_OFD_SETLK, &bad) == -1 && errno == EINVAL);  // OFD calls want l_pid 0
  CHECK(lock(b, F_OFD_SETLK, F_WRLCK, -5, 1) == -1 && errno == EINVAL);
  static const struct flock unlock_all = {.l_type = F_UNLCK, .l_whence = SEEK_SET};  // read-only memory
  CHECK(fcntl(b, F_OFD_SETLK, &unlock_all) == 0);
  CHECK(fcntl(b, F_OFD_GETLK, (struct flock*)&unlock_all) == -1 && errno == EFAULT);
  CHECK(lock(b, F_OFD_SETLK, F_WRLCK, 0, 0) == 0);
  int p[2];
  CHECK(pipe(p) == 0 && lock(p[1], F_SETLK, F_WRLCK, 0, 0) == -1 && errno == EINVAL);
  CHECK(fcntl(b, 12345) == -1 && errno == EINVAL);  // an unknown command is refused, not ignored
  CHECK(close(b) == 0);
}

static void put(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text) && fsync(fd) == 0 && close(fd) == 0);
}

static void expect(const char* path, const char* text) {
  char buf[256] = {0};
  int fd = open(path, O_RDONLY);
  CHECK(fd >= 0 && read(fd, buf, sizeof buf - 1) == (ssize_t)strlen(text) && close(fd) == 0);
  CHECK(!strcmp(buf, text));
}

static int entries(const char* dir) {
  DIR* d = opendir(dir);
  CHECK(d);
  int n = 0;
  for (struct dirent* e; (e = readdir(d));) n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
  closedir(d);
  return n;
}

static void renames(void) {
  CHECK(mkdir("/owned/ab", 0700) == 0);
  const char* entry = "/owned/ab/abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
  for (int i = 0; i < 3; i++) {  // the first creates the entry, the others replace it
    char text[32];
    snprintf(text, sizeof text, "version %d", i);
    put("/owned/ab/.tmp-1-7-0123456789abcdef", text);
    CHECK(rename("/owned/ab/.tmp-1-7-0123456789abcdef", entry) == 0);
    expect(entry, text);
    CHECK(entries("/owned/ab") == 1);
  }
  put("/owned/stats", "a");  // an exact 8.3 name over itself, through a temporary
  put("/owned/t", "b");
  CHECK(rename("/owned/t", "/owned/STATS") == 0);
  expect("/owned/stats", "b");
  CHECK(rename("/owned/stats", "/owned/Stats") == 0 && access("/owned/Stats", F_OK) == 0);
  // A directory so full that the new name finds no room beside the old one: the general way.
  CHECK(mkdir("/owned/full", 0700) == 0);
  char name[128];
  for (int i = 0; i < 40; i++) {
    snprintf(name, sizeof name, "/owned/full/a long name that takes several slots %02d", i);
    put(name, "x");
  }
  put("/owned/full/t", "new");
  CHECK(rename("/owned/full/t", "/owned/full/a long name that takes several slots 00 but longer still") == 0);
  CHECK(rename("/owned/full/a long name that takes several slots 00 but longer still",
               "/owned/full/a long name that takes several slots 01") == 0);
  expect("/owned/full/a long name that takes several slots 01", "new");
  CHECK(entries("/owned/full") == 40);
}

int main(int argc, char** argv) {
  if (argc > 1 && !strcmp(argv[1], "check-kept")) {
    struct stat st;
    CHECK(stat("/owned/kept", &st) == 0 && (st.st_mode & 07777) == 0400);
    CHECK(stat("/owned/entry", &st) == 0 && (st.st_mode & 07777) == 0600);
    puts("kept ok");
    return 0;
  }
  modes();
  locks();
  renames();
  puts("owners ok");
  return 0;
}
