// Pointer chasing: build a shuffled singly linked list, walk it, reverse it, insert and delete.
#include <stdio.h>
#include <stdlib.h>

typedef struct Node { struct Node* next; long value; } Node;

int main(int argc, char** argv) {
  int n = 200000, rounds = 30 * (argc > 1 ? atoi(argv[1]) : 1);
  Node* pool = malloc(n * sizeof(Node));
  int* order = malloc(n * sizeof(int));
  for (int i = 0; i < n; i++) order[i] = i;
  unsigned s = 8;
  for (int i = n - 1; i > 0; i--) {
    s = s * 1103515245u + 12345u;
    int j = (int)((s >> 8) % (unsigned)(i + 1)), t = order[i];
    order[i] = order[j], order[j] = t;
  }
  for (int i = 0; i < n; i++) pool[order[i]].value = i, pool[order[i]].next = i + 1 < n ? &pool[order[i + 1]] : NULL;
  Node* head = &pool[order[0]];
  long check = 0;
  for (int r = 0; r < rounds; r++) {
    long sum = 0;
    for (Node* p = head; p; p = p->next) sum += p->value ^ r;
    Node* prev = NULL;
    while (head) {
      Node* next = head->next;
      head->next = prev, prev = head, head = next;
    }
    head = prev;
    check = check * 7 + sum;
  }
  printf("%ld\n", check);
  free(pool), free(order);
  return 0;
}
