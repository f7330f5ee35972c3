// A Richards-like task scheduler: tasks in a priority queue, each a state machine behind a
// function pointer, exchanging packets.
#include <stdio.h>
#include <stdlib.h>

typedef struct Packet { struct Packet* next; int kind, data; } Packet;
typedef struct Task Task;
struct Task { int id, prio, state; Packet* inbox; long work; int (*run)(Task*, Packet*); };

static Task tasks[6];
static long sent;

static void send(int to, Packet* p) {
  p->next = NULL;
  Packet** q = &tasks[to].inbox;
  while (*q) q = &(*q)->next;
  *q = p;
  sent++;
}

static int idle(Task* t, Packet* p) { (void)p; t->work++; return t->work % 3 == 0 ? 1 : -1; }
static int worker(Task* t, Packet* p) {
  if (!p) return -1;
  p->data = p->data * 13 + t->id;
  t->work += p->data & 7;
  send(2 + (p->data & 1), p);
  return 0;
}
static int handler(Task* t, Packet* p) {
  if (!p) return -1;
  t->state = (t->state + p->data) & 0xffff;
  p->kind ^= 1;
  send(p->kind ? 4 : 5, p);
  return 0;
}
static int device(Task* t, Packet* p) {
  if (!p) return -1;
  t->work += p->kind;
  send(1, p);
  return 0;
}

int main(int argc, char** argv) {
  long steps = 30000000L * (argc > 1 ? atoi(argv[1]) : 1);
  int (*kinds[6])(Task*, Packet*) = {idle, worker, handler, handler, device, device};
  for (int i = 0; i < 6; i++) tasks[i] = (Task){i, 6 - i, 0, NULL, 0, kinds[i]};
  Packet packets[8];
  for (int i = 0; i < 8; i++) packets[i] = (Packet){NULL, i & 1, i}, send(1, &packets[i]);
  for (long s = 0; s < steps; s++) {
    Task* t = &tasks[s % 6];
    Packet* p = t->inbox;
    if (p) t->inbox = p->next;
    int r = t->run(t, p);
    if (r > 0 && !p) tasks[0].state++;
  }
  long check = sent;
  for (int i = 0; i < 6; i++) check = check * 31 + tasks[i].work + tasks[i].state;
  printf("%ld\n", check);
  return 0;
}
