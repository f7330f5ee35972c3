// binary-trees: allocate and walk many complete binary trees (malloc and free heavy).
#include <stdio.h>
#include <stdlib.h>

typedef struct Node { struct Node *left, *right; } Node;

static Node* make(int depth) {
  Node* n = malloc(sizeof(Node));
  if (depth > 0) n->left = make(depth - 1), n->right = make(depth - 1);
  else n->left = n->right = NULL;
  return n;
}

static long check(const Node* n) { return 1 + (n->left ? check(n->left) + check(n->right) : 0); }

static void release(Node* n) {
  if (n->left) release(n->left), release(n->right);
  free(n);
}

int main(int argc, char** argv) {
  int max_depth = 16 + (argc > 1 ? atoi(argv[1]) - 1 : 0);
  Node* long_lived = make(max_depth);
  for (int d = 4; d <= max_depth; d += 2) {
    int iterations = 1 << (max_depth - d + 4);
    long sum = 0;
    for (int i = 0; i < iterations; i++) {
      Node* t = make(d);
      sum += check(t);
      release(t);
    }
    printf("%d trees of depth %d check: %ld\n", iterations, d, sum);
  }
  printf("long lived tree of depth %d check: %ld\n", max_depth, check(long_lived));
  release(long_lived);
  return 0;
}
