// Dijkstra's shortest paths with a binary heap on a generated sparse graph, from many sources.
#include <stdio.h>
#include <stdlib.h>

typedef struct { int to, w; } Edge;
typedef struct { long dist; int node; } HeapItem;

static HeapItem* heap;
static int heap_n;

static void push(long dist, int node) {
  int i = heap_n++;
  while (i && heap[(i - 1) / 2].dist > dist) heap[i] = heap[(i - 1) / 2], i = (i - 1) / 2;
  heap[i] = (HeapItem){dist, node};
}

static HeapItem pop(void) {
  HeapItem top = heap[0], last = heap[--heap_n];
  int i = 0;
  for (;;) {
    int c = 2 * i + 1;
    if (c >= heap_n) break;
    if (c + 1 < heap_n && heap[c + 1].dist < heap[c].dist) c++;
    if (heap[c].dist >= last.dist) break;
    heap[i] = heap[c], i = c;
  }
  heap[i] = last;
  return top;
}

int main(int argc, char** argv) {
  int n = 100000, deg = 6, sources = 4 * (argc > 1 ? atoi(argv[1]) : 1);
  Edge* edges = malloc((size_t)n * deg * sizeof(Edge));
  unsigned s = 4;
  for (int i = 0; i < n * deg; i++) {
    s = s * 1664525u + 1013904223u, edges[i].to = (s >> 4) % n;
    s = s * 1664525u + 1013904223u, edges[i].w = 1 + (s >> 20) % 1000;
  }
  long* dist = malloc(n * sizeof(long));
  heap = malloc((size_t)n * deg * sizeof(HeapItem));
  long total = 0;
  for (int src = 0; src < sources; src++) {
    for (int i = 0; i < n; i++) dist[i] = -1;
    heap_n = 0;
    push(0, src * 997 % n);
    while (heap_n) {
      HeapItem it = pop();
      if (dist[it.node] >= 0) continue;
      dist[it.node] = it.dist;
      for (int e = it.node * deg; e < it.node * deg + deg; e++)
        if (dist[edges[e].to] < 0) push(it.dist + edges[e].w, edges[e].to);
    }
    for (int i = 0; i < n; i++) total += dist[i];
  }
  printf("%ld\n", total);
  free(edges), free(dist), free(heap);
  return 0;
}
