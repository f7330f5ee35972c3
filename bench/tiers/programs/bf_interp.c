// A Brainfuck interpreter (bracket table precomputed) running a program that prints squares
// and a nested counting loop: an interpreter inside the interpreter.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t run(const char* prog, int rounds) {
  int n = (int)strlen(prog);
  int* match = malloc(n * sizeof(int));
  int stack[256], sp = 0;
  for (int i = 0; i < n; i++) {
    if (prog[i] == '[') stack[sp++] = i;
    else if (prog[i] == ']') match[i] = stack[--sp], match[stack[sp]] = i;
  }
  uint8_t tape[30000];
  uint32_t out = 0;
  for (int r = 0; r < rounds; r++) {
    memset(tape, 0, sizeof tape);
    int p = 0;
    for (int pc = 0; pc < n; pc++) {
      switch (prog[pc]) {
        case '>': p++; break;
        case '<': p--; break;
        case '+': tape[p]++; break;
        case '-': tape[p]--; break;
        case '.': out = out * 31 + tape[p]; break;
        case '[': if (!tape[p]) pc = match[pc]; break;
        case ']': if (tape[p]) pc = match[pc]; break;
      }
    }
  }
  free(match);
  return out;
}

int main(int argc, char** argv) {
  // Counts a 3-byte counter down from 255^3-ish, printing as it goes.
  const char* prog = "++++++++[>++++++++<-]>[>+++++[>++++++++++[>++++++[-]<-]<-]<-]"
                     "++++++++++[>+++++++++<-]>.[<+>-]<[>>+>+<<<-]>>>[<<<+>>>-]<<.";
  int rounds = 300 * (argc > 1 ? atoi(argv[1]) : 1);
  printf("%u\n", run(prog, rounds));
  return 0;
}
