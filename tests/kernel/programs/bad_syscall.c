// Calls a system call that does not exist and one the kernel does not implement (socket, twice):
// they must fail with ENOSYS and the program goes on. Bad buffers fail with EFAULT instead of
// faulting the program.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  long r = syscall(999);
  int enosys = errno == ENOSYS;
  printf("syscall 999 = %ld, errno %s\n", r, enosys ? "ENOSYS" : "other");
  long s1 = syscall(SYS_socket, 2, 1, 0), s2 = syscall(SYS_socket, 2, 1, 0);
  printf("socket = %ld, %ld, errno %s\n", s1, s2, errno == ENOSYS ? "ENOSYS" : "other");
  errno = 0;
  long w = write(1, (const void*)16, 5);
  printf("write from a bad pointer = %ld, errno %s\n", w, errno == EFAULT ? "EFAULT" : "other");
  return enosys ? 3 : 1;
}
