// CHECK for the guest test programs: a failed condition prints its file, line, text and errno
// on stdout (where the tests look) and exits 1.
#pragma once
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      printf("FAIL %s:%d: %s (errno %d)\n", __FILE__, __LINE__, #cond, errno); \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)
