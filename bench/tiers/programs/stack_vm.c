// A bytecode stack machine (switch dispatch) running a loop that sums a polynomial.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, JNZ, JMP, HALT };

static int64_t execute(const int* code, int64_t* vars) {
  int64_t stack[64];
  int sp = 0, pc = 0;
  for (;;) {
    int op = code[pc++];
    switch (op) {
      case PUSH: stack[sp++] = code[pc++]; break;
      case LOAD: stack[sp++] = vars[code[pc++]]; break;
      case STORE: vars[code[pc++]] = stack[--sp]; break;
      case ADD: sp--, stack[sp - 1] += stack[sp]; break;
      case SUB: sp--, stack[sp - 1] -= stack[sp]; break;
      case MUL: sp--, stack[sp - 1] *= stack[sp]; break;
      case MOD: sp--, stack[sp - 1] %= stack[sp]; break;
      case JNZ: if (stack[--sp]) pc = code[pc]; else pc++; break;
      case JMP: pc = code[pc]; break;
      case HALT: return vars[1];
    }
  }
}

int main(int argc, char** argv) {
  // v0 = n; v1 = 0; loop: v1 = (v1 + v0 * v0 * 3 + v0) % 1000000007; v0 -= 1; if v0 goto loop
  int code[] = {LOAD, 0, LOAD, 0, MUL, PUSH, 3, MUL, LOAD, 0, ADD, LOAD, 1, ADD, PUSH, 1000000, MOD, STORE, 1,
                LOAD, 0, PUSH, 1, SUB, STORE, 0, LOAD, 0, JNZ, 0, HALT};
  int64_t vars[2] = {6000000LL * (argc > 1 ? atoi(argv[1]) : 1), 0};
  printf("%lld\n", (long long)execute(code, vars));
  return 0;
}
