// Structs and arrays by value, returned and passed, nested, copied; unions; a linked list.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { int x, y; } Point;
typedef struct { double re, im; } Complex;
typedef struct { char name[12]; Point p[3]; long id; } Big;
typedef union { float f; unsigned u; unsigned char b[4]; } Pun;
typedef struct Node { int v; struct Node* next; } Node;

static Point add(Point a, Point b) { Point r = {a.x + b.x, a.y + b.y}; return r; }
static Complex cmul(Complex a, Complex b) { Complex r = {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re}; return r; }
static Big make(int k) {
  Big b; memset(&b, 0, sizeof b);
  snprintf(b.name, sizeof b.name, "big%d", k);
  for (int i = 0; i < 3; i++) b.p[i] = (Point){k * i, k - i};
  b.id = 1000L * k;
  return b;
}
static long sum_big(Big b) { long s = b.id; for (int i = 0; i < 3; i++) s += b.p[i].x * 3 + b.p[i].y; b.id = 0; return s; }

int main(void) {
  Point acc = {0, 0};
  for (int i = 0; i < 10; i++) acc = add(acc, (Point){i, -2 * i});
  printf("point %d %d\n", acc.x, acc.y);
  Complex z = {1.0, 0.5};
  for (int i = 0; i < 8; i++) z = cmul(z, (Complex){0.9, 0.3});
  printf("complex %.12f %.12f\n", z.re, z.im);
  long total = 0;
  for (int k = 0; k < 5; k++) { Big b = make(k); total += sum_big(b); printf("%s %ld\n", b.name, b.id); }
  printf("total %ld\n", total);
  Pun p; p.f = 1.5f; printf("pun %08x %u %u\n", p.u, p.b[3], p.b[2]);
  Node* head = NULL;
  for (int i = 0; i < 20; i++) { Node* n = malloc(sizeof *n); n->v = i * i; n->next = head; head = n; }
  int s = 0; while (head) { Node* n = head; s += n->v; head = n->next; free(n); }
  printf("list %d\n", s);
  int grid[4][5]; for (int i = 0; i < 4; i++) for (int j = 0; j < 5; j++) grid[i][j] = i * 10 + j;
  int diag = 0; for (int i = 0; i < 4; i++) diag += grid[i][i + 1];
  printf("grid %d\n", diag);
  return 0;
}
