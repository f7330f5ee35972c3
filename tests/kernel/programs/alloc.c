// Memory through the system calls glibc's malloc uses: 100 MB of small blocks (brk, hundreds of
// growths), 600 live 200 KB blocks (one mmap each), a block grown by realloc (mremap), and
// everything freed (munmap). Contents are checked after every move.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  static char* small[100000];
  for (int i = 0; i < 100000; i++) {
    small[i] = malloc(1000);
    if (!small[i]) return printf("FAIL small %d\n", i), 1;
    memset(small[i], i & 0xff, 1000);
  }
  static char* big[600];
  for (int i = 0; i < 600; i++) {
    big[i] = malloc(200 << 10);
    if (!big[i]) return printf("FAIL big %d\n", i), 1;
    memset(big[i], (i * 7) & 0xff, 200 << 10);
  }
  char* grow = malloc(1 << 20);
  for (int i = 0; i < (1 << 20); i++) grow[i] = (char)(i * 13);
  for (size_t size = 2 << 20; size <= (32 << 20); size *= 2) {
    grow = realloc(grow, size);
    if (!grow) return printf("FAIL realloc %zu\n", size), 1;
  }
  for (int i = 0; i < (1 << 20); i++)
    if (grow[i] != (char)(i * 13)) return printf("FAIL realloc contents at %d\n", i), 1;
  for (int i = 0; i < 100000; i++)
    if (small[i][999] != (char)(i & 0xff)) return printf("FAIL small contents %d\n", i), 1;
  for (int i = 0; i < 600; i++) {
    if (big[i][(200 << 10) - 1] != (char)((i * 7) & 0xff)) return printf("FAIL big contents %d\n", i), 1;
    free(big[i]);
  }
  free(grow);
  printf("alloc ok\n");
  return 0;
}
