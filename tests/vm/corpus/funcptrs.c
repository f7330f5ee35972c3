// Function pointers in globals (initializers pointing at functions and at other globals),
// tables of them, callbacks from host code (qsort, bsearch).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*binop)(int, int);
static int add(int a, int b) { return a + b; }
static int sub(int a, int b) { return a - b; }
static int mul(int a, int b) { return a * b; }
static binop table[] = {add, sub, mul};
struct Op { const char* name; binop fn; const struct Op* next; };
static const struct Op op_mul = {"mul", mul, NULL};
static const struct Op op_sub = {"sub", sub, &op_mul};
static const struct Op op_add = {"add", add, &op_sub};
static const struct Op* first = &op_add;
static int numbers[] = {42, 7, 19, 3, 88, 21, 64, 5, 11, 30};
static int* middle = &numbers[5];
static const char* words[] = {"pear", "apple", "fig", "banana", "cherry", "date"};

static int cmp_int(const void* a, const void* b) { return *(const int*)a - *(const int*)b; }
static int cmp_str(const void* a, const void* b) { return strcmp(*(const char* const*)a, *(const char* const*)b); }
static int apply(binop f, int a, int b) { return f(a, b); }

int main(void) {
  int acc = 1;
  for (int i = 0; i < 12; i++) acc = table[i % 3](acc, i + 2);
  printf("table %d\n", acc);
  for (const struct Op* o = first; o; o = o->next) printf("%s %d\n", o->name, apply(o->fn, 9, 4));
  printf("middle %d\n", *middle);
  qsort(numbers, 10, sizeof(int), cmp_int);
  for (int i = 0; i < 10; i++) printf("%d ", numbers[i]);
  printf("\n");
  int key = 21;
  int* hit = bsearch(&key, numbers, 10, sizeof(int), cmp_int);
  printf("bsearch %ld\n", hit ? (long)(hit - numbers) : -1L);
  qsort(words, 6, sizeof(char*), cmp_str);
  for (int i = 0; i < 6; i++) printf("%s ", words[i]);
  printf("\n");
  binop f = acc > 0 ? add : sub;
  printf("same %d\n", f == add || f == sub);
  return 0;
}
