// Variadic functions defined in the program (va_start/va_arg/va_copy), mixing ints, longs,
// doubles and pointers, and forwarding a va_list to the host (vsnprintf).
#include <stdarg.h>
#include <stdio.h>

static long sum_ints(int n, ...) {
  va_list ap; va_start(ap, n);
  long s = 0; for (int i = 0; i < n; i++) s += va_arg(ap, int);
  va_end(ap); return s;
}
static double mixed(const char* fmt, ...) {
  va_list ap, copy; va_start(ap, fmt); va_copy(copy, ap);
  double s = 0;
  for (const char* p = fmt; *p; p++) {
    if (*p == 'i') s += va_arg(ap, int);
    else if (*p == 'l') s += (double)va_arg(ap, long);
    else if (*p == 'd') s += va_arg(ap, double);
    else if (*p == 's') s += (double)va_arg(ap, const char*)[0];
  }
  int first = va_arg(copy, int);
  va_end(copy); va_end(ap);
  return s * 1000 + first;
}
static void logf_(char* out, size_t n, const char* fmt, ...) {
  va_list ap; va_start(ap, fmt); vsnprintf(out, n, fmt, ap); va_end(ap);
}

int main(void) {
  printf("%ld\n", sum_ints(5, 1, 2, 3, 4, 5));
  printf("%ld\n", sum_ints(12, 1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, 100));
  printf("%.3f\n", mixed("ildsid", 7, 100000000000L, 2.5, "A", 3, 0.25));
  char buf[128];
  logf_(buf, sizeof buf, "%s=%d %5.2f %c %lx", "x", 42, 3.14159, 'z', 0xdeadbeefUL);
  puts(buf);
  printf("%d %s %.2e %lld %hhd %#o\n", -17, "str", 12345.678, -1234567890123LL, (signed char)200, 8);
  return 0;
}
