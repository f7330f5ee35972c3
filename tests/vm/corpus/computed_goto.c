// Labels as values (GCC's computed goto, what interpreters' dispatch loops use): a label table
// in a static initializer, labels in a local array, label differences, labels compared.
#include <stdio.h>

enum { SET, MUL, ADD, DEC, JNZ, PRINT, HALT };

// A register machine whose dispatch is a computed goto through a static label table.
static long run(const int* code) {
  static void* const dispatch[] = {&&set, &&mul, &&add, &&dec, &&jnz, &&print, &&halt};
  long r[4] = {0};
  int pc = 0;
  long printed = 0;
#define NEXT goto* dispatch[code[pc++]]
  NEXT;
set: r[code[pc]] = code[pc + 1]; pc += 2; NEXT;
mul: r[code[pc]] *= r[code[pc + 1]]; pc += 2; NEXT;
add: r[code[pc]] += r[code[pc + 1]]; pc += 2; NEXT;
dec: r[code[pc++]]--; NEXT;
jnz: pc = r[code[pc]] ? code[pc + 1] : pc + 2; NEXT;
print: printf("r%d = %ld\n", code[pc], r[code[pc]]); printed = printed * 31 + r[code[pc++]]; NEXT;
halt: return printed;
}

// Relative label tables (offsets from one label), as threaded code in GCC style writes them.
static int relative(int n) {
  static const int offsets[] = {&&even - &&base, &&odd - &&base, &&done - &&base};
  int steps = 0;
base:
  if (n == 1) goto *(&&base + offsets[2]);
  goto *(&&base + offsets[n & 1]);
even: n /= 2; steps++; goto base;
odd: n = 3 * n + 1; steps++; goto base;
done: return steps;
}

// Labels in a local array, chosen by data, and compared with each other.
static int classify(int x) {
  void* where[] = {&&small, &&medium, &&large};
  void* target = where[x < 10 ? 0 : x < 100 ? 1 : 2];
  int same_as_small = target == &&small;
  goto *target;
small: return 1 + 10 * same_as_small;
medium: return 2 + 10 * same_as_small;
large: return 3 + 10 * same_as_small;
}

int main(void) {
  // r0 = 12!, r1 = 1 + 2 + ... + 12, counting r2 down from 12.
  static const int program[] = {SET, 0, 1, SET, 1, 0, SET, 2, 12,
                                MUL, 0, 2, ADD, 1, 2, DEC, 2, JNZ, 2, 9,
                                PRINT, 0, PRINT, 1, HALT};
  printf("vm %ld\n", run(program));
  long total = 0;
  for (int i = 1; i < 200; i++) total += relative(i);
  printf("collatz %ld\n", total);
  printf("classify %d %d %d\n", classify(3), classify(42), classify(420));
  return 0;
}
