// String handling through libc, formatted output of every kind, exit status from exit().
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare_len(const void* a, const void* b) {
  size_t la = strlen(*(char* const*)a), lb = strlen(*(char* const*)b);
  return la < lb ? -1 : la > lb ? 1 : strcmp(*(char* const*)a, *(char* const*)b);
}

int main(int argc, char** argv) {
  char text[] = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor";
  char* words[32]; int n = 0;
  for (char* tok = strtok(text, " ,"); tok && n < 32; tok = strtok(NULL, " ,")) words[n++] = tok;
  qsort(words, n, sizeof(char*), compare_len);
  for (int i = 0; i < n; i++) printf("%s%c", words[i], i + 1 < n ? ' ' : '\n');
  char* dup = strdup("MiXeD CaSe 123");
  for (char* p = dup; *p; p++) *p = isupper((unsigned char)*p) ? tolower(*p) : toupper(*p);
  printf("%s %zu %ld %.2f\n", dup, strlen(dup), strtol("-0x1f", NULL, 16), atof("2.75"));
  free(dup);
  fprintf(stdout, "[%8.3f] [%-6d] [%06x] [%s] [%c] [%p]\n", 3.14159, 42, 0xbeef, "s", 'c', (void*)0);
  fprintf(stderr, "to stderr\n");
  fflush(stdout);
  exit(argc + 6);
}
