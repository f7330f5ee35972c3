// Variadic arguments handed on: a va_list passed to helpers (interpreted and host vprintf-style),
// va_copy of a partly walked list, integers, doubles and structs of every SysV class through
// '...' (in registers' worth and past them, small, mixed, and in memory: a 32-byte struct),
// 16-byte aligned ones (__int128), and more arguments than registers of either kind.
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct { int a, b; } Small;           // one INTEGER eightbyte
typedef struct { double x, y; } Pt;           // two SSE eightbytes
typedef struct { int i; double d; } Mix;      // INTEGER + SSE
typedef struct { long q[4]; } Large;          // MEMORY (32 bytes)
typedef struct { char c[3]; } Odd;            // 3 bytes
typedef struct { float f[3]; } F3;            // SSE + SSE (12 bytes)

static void vlog(const char* tag, const char* fmt, va_list ap) {
  char buf[512];
  vsnprintf(buf, sizeof buf, fmt, ap);
  printf("%s: %s\n", tag, buf);
}
static void logit(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog("log", fmt, ap);
  va_end(ap);
}
static void log_twice(const char* fmt, ...) {  // the host reads a copy, then the original
  va_list ap, cp;
  va_start(ap, fmt);
  va_copy(cp, ap);
  vprintf(fmt, cp);
  va_end(cp);
  vlog("again", fmt, ap);
  va_end(ap);
}

static double walk(const char* kinds, va_list ap) {
  double s = 0;
  for (const char* p = kinds; *p; p++) {
    s *= 1.5;
    switch (*p) {
      case 'i': s += va_arg(ap, int); break;
      case 'u': s += va_arg(ap, unsigned); break;
      case 'l': s += (double)va_arg(ap, long); break;
      case 'd': s += va_arg(ap, double); break;
      case 'p': s += strlen(va_arg(ap, const char*)); break;
      case 'q': { __int128 v = va_arg(ap, __int128); s += (double)(v >> 64) + (double)(long)v; break; }
      case 'S': { Small v = va_arg(ap, Small); s += v.a * 10 + v.b; break; }
      case 'P': { Pt v = va_arg(ap, Pt); s += v.x * 3 + v.y; break; }
      case 'M': { Mix v = va_arg(ap, Mix); s += v.i + v.d; break; }
      case 'L': { Large v = va_arg(ap, Large); s += v.q[0] + v.q[1] * 2 + v.q[2] * 3 + v.q[3] * 4; break; }
      case 'O': { Odd v = va_arg(ap, Odd); s += v.c[0] + v.c[1] * 2 + v.c[2] * 3; break; }
      case 'F': { F3 v = va_arg(ap, F3); s += v.f[0] + v.f[1] * 2 + v.f[2] * 3; break; }
    }
  }
  return s;
}
static double sum(const char* kinds, ...) {
  va_list ap;
  va_start(ap, kinds);
  double r = walk(kinds, ap);
  va_end(ap);
  return r;
}
// Walks part of the list, then hands a copy of the rest on twice.
static double split(int skip, const char* kinds, ...) {
  va_list ap, rest;
  va_start(ap, kinds);
  double head = 0;
  for (int i = 0; i < skip; i++) head += va_arg(ap, int);
  va_copy(rest, ap);
  double a = walk(kinds, ap);
  double b = walk(kinds, rest);
  va_end(rest);
  va_end(ap);
  return head * 1e6 + a * 1e3 + b;
}
// A va_list passed by pointer, consumed a bit at a time by the callee.
static int take_int(va_list* ap) { return va_arg(*ap, int); }
static double take_double(va_list* ap) { return va_arg(*ap, double); }
static double by_pointer(int n, ...) {
  va_list ap;
  va_start(ap, n);
  double s = 0;
  for (int i = 0; i < n; i++) s = s * 2 + (i % 2 ? take_double(&ap) : take_int(&ap));
  va_end(ap);
  return s;
}
// Several va_lists alive at once.
static long interleave(int n, ...) {
  va_list a, b;
  va_start(a, n);
  va_copy(b, a);
  long s = 0;
  for (int i = 0; i < n; i++) s = s * 3 + va_arg(a, int) - (i % 2 ? va_arg(b, int) : 0);
  va_end(b);
  va_end(a);
  return s;
}
// Through a function pointer.
static double (*volatile sum_ptr)(const char*, ...) = sum;

int main(void) {
  Small s = {3, 4};
  Pt p = {1.5, 2.25};
  Mix m = {7, 0.5};
  Large L = {{1, -2, 3, -4}};
  Odd o = {{1, 2, 3}};
  F3 f = {{0.5f, 1.25f, -2.0f}};
  __int128 q = ((__int128)5 << 64) | 9;
  logit("%d %s %f %ld %c %u", 1, "two", 3.5, 123456789012L, 'x', 4000000000u);
  logit("%d %d %d %d %d %d %d %d %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %s", 1, 2, 3, 4, 5,
        6, 7, 8, 1., 2., 3., 4., 5., 6., 7., 8., 9., 10., "end");
  log_twice("%s|%5.2f|%-4d|%lld|%e\n", "mixed", 2.718, -9, -1234567890123LL, 6.02e23);
  printf("%.17g\n", sum("iSdPlLMiOF", 1, s, 2.0, p, 5L, L, m, 9, o, f));
  printf("%.17g\n", sum("dddddddddiiiiiiiL", 1., 2., 3., 4., 5., 6., 7., 8., 9., 1, 2, 3, 4, 5, 6, 7, L));
  printf("%.17g\n", sum("LLLLSPMPMP", L, L, L, L, s, p, m, p, m, p));
  printf("%.17g\n", sum("iqiqd", 1, q, 2, q, 0.125));
  printf("%.17g\n", sum("ppuu", "hello", "world!", 1u, 4294967295u));
  printf("%.17g\n", sum_ptr("PLdi", p, L, 3.0, -4));
  printf("%.17g\n", split(3, "dLiP", 10, 20, 30, 0.5, L, 8, p));
  printf("%.17g\n", split(7, "dddddddddd", 1, 2, 3, 4, 5, 6, 7, 1., 2., 3., 4., 5., 6., 7., 8., 9., 10.));
  printf("%.17g\n", by_pointer(12, 1, 2.5, 3, 4.5, 5, 6.5, 7, 8.5, 9, 10.5, 11, 12.5));
  printf("%ld\n", interleave(10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  return 0;
}
