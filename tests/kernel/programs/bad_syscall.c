// Calls a system call that does not exist: it must fail with ENOSYS and the program goes on.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  long r = syscall(999);
  printf("syscall 999 = %ld, errno %s\n", r, errno == ENOSYS ? "ENOSYS" : "other");
  return errno == ENOSYS ? 3 : 1;
}
