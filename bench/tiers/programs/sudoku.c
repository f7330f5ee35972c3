// A backtracking sudoku solver with candidate bit masks, on a set of puzzles given as text.
#include <stdio.h>
#include <stdlib.h>

static int grid[81];
static unsigned rows[9], cols[9], boxes[9];
static long nodes;

static int solve(void) {
  int best = -1, best_count = 10;
  for (int i = 0; i < 81; i++) {
    if (grid[i]) continue;
    unsigned used = rows[i / 9] | cols[i % 9] | boxes[(i / 27) * 3 + (i % 9) / 3];
    int count = 9 - __builtin_popcount(used);
    if (count < best_count) best = i, best_count = count;
  }
  if (best < 0) return 1;
  int r = best / 9, c = best % 9, b = (best / 27) * 3 + c / 3;
  unsigned avail = ~(rows[r] | cols[c] | boxes[b]) & 0x3fe;
  while (avail) {
    int d = __builtin_ctz(avail);
    avail &= avail - 1;
    nodes++;
    grid[best] = d, rows[r] |= 1u << d, cols[c] |= 1u << d, boxes[b] |= 1u << d;
    if (solve()) return 1;
    grid[best] = 0, rows[r] &= ~(1u << d), cols[c] &= ~(1u << d), boxes[b] &= ~(1u << d);
  }
  return 0;
}

int main(int argc, char** argv) {
  static const char* puzzles[] = {
      "4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......",
      "52...6.........7.13...........4..8..6......5...........418.........3..2...87.....",
      "6.....8.3.4.7.................5.4.7.3..2.....1.6.......2.....5.....8.6......1....",
      "48.3............71.2.......7.5....6....2..8.............1.76...3.....4......5....",
  };
  int rounds = 3 * (argc > 1 ? atoi(argv[1]) : 1);
  long check = 0;
  for (int r = 0; r < rounds; r++)
    for (int p = 0; p < 4; p++) {
      for (int i = 0; i < 9; i++) rows[i] = cols[i] = boxes[i] = 0;
      for (int i = 0; i < 81; i++) {
        int d = puzzles[p][i] == '.' ? 0 : puzzles[p][i] - '0';
        grid[i] = d;
        if (d) rows[i / 9] |= 1u << d, cols[i % 9] |= 1u << d, boxes[(i / 27) * 3 + (i % 9) / 3] |= 1u << d;
      }
      if (!solve()) return printf("no solution\n"), 1;
      for (int i = 0; i < 81; i++) check = check * 3 + grid[i];
    }
  printf("%ld %ld\n", nodes, check);
  return 0;
}
