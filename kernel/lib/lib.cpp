#include "lib/lib.h"

// Host builds of kernel code (the fuzzers in tests/kernel) use the C library's versions instead.
#ifndef BAREFLOW_KERNEL_HOSTED
extern "C" {
// 8-byte string moves for the bulk: under QEMU TCG each iteration of a rep prefix costs about the
// same whatever its width, so movsq/stosq move eight times more per iteration than movsb/stosb.
void* memcpy(void* dst, const void* src, usize n) {
  void* d = dst;
  usize words = n / 8, tail = n % 8;
  asm volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(words)::"memory");
  asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(tail)::"memory");
  return dst;
}
void* memmove(void* dst, const void* src, usize n) {
  if ((uptr)dst <= (uptr)src || (uptr)dst >= (uptr)src + n) return memcpy(dst, src, n);
  u8* d = (u8*)dst + n - 1;
  const u8* s = (const u8*)src + n - 1;
  asm volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n)::"memory");
  return dst;
}
void* memset(void* dst, int c, usize n) {
  void* d = dst;
  usize words = n / 8, tail = n % 8;
  u64 pattern = (u8)c * 0x0101010101010101UL;
  asm volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(pattern) : "memory");
  asm volatile("rep stosb" : "+D"(d), "+c"(tail) : "a"(pattern) : "memory");
  return dst;
}
int memcmp(const void* a, const void* b, usize n) {
  const u8* x = (const u8*)a;
  const u8* y = (const u8*)b;
  for (usize i = 0; i < n; i++)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}
usize strlen(const char* s) {
  usize n = 0;
  while (s[n]) n++;
  return n;
}
}
#endif

int strcmp(const char* a, const char* b) {
  while (*a && *a == *b) a++, b++;
  return (u8)*a - (u8)*b;
}
int strncmp(const char* a, const char* b, usize n) {
  for (usize i = 0; i < n; i++) {
    if (a[i] != b[i]) return (u8)a[i] - (u8)b[i];
    if (!a[i]) return 0;
  }
  return 0;
}
char* strncpy_z(char* dst, const char* src, usize cap) {
  usize i = 0;
  for (; i + 1 < cap && src[i]; i++) dst[i] = src[i];
  if (cap) dst[i] = 0;
  return dst;
}

void format_to(FormatSink& sink, const char* fmt, __builtin_va_list ap) {
  char tmp[32];
  for (const char* p = fmt; *p; p++) {
    if (*p != '%') {
      const char* start = p;
      while (p[1] && p[1] != '%') p++;
      sink.put(start, p - start + 1);
      continue;
    }
    p++;
    bool zero = false;
    int width = 0;
    if (*p == '0') zero = true, p++;
    while (*p >= '0' && *p <= '9') width = width * 10 + (*p++ - '0');
    bool is_long = false;
    while (*p == 'l' || *p == 'z') is_long = true, p++;
    char conv = *p;
    if (!conv) break;
    if (conv == 's') {
      const char* s = __builtin_va_arg(ap, const char*);
      if (!s) s = "(null)";
      usize n = strlen(s);
      for (int i = (int)n; i < width; i++) sink.put(" ", 1);
      sink.put(s, n);
      continue;
    }
    if (conv == 'c') {
      char c = (char)__builtin_va_arg(ap, int);
      sink.put(&c, 1);
      continue;
    }
    if (conv == '%') {
      sink.put("%", 1);
      continue;
    }
    u64 v;
    bool neg = false;
    unsigned base = 10;
    if (conv == 'd' || conv == 'i') {
      i64 s = is_long ? __builtin_va_arg(ap, i64) : __builtin_va_arg(ap, int);
      if (s < 0) neg = true, v = (u64)(-s);
      else v = (u64)s;
    } else {
      if (conv == 'p') is_long = true, base = 16;
      if (conv == 'x') base = 16;
      v = is_long ? __builtin_va_arg(ap, u64) : __builtin_va_arg(ap, unsigned);
    }
    int n = 0;
    do {
      tmp[n++] = "0123456789abcdef"[v % base];
      v /= base;
    } while (v);
    if (conv == 'p') sink.put("0x", 2);
    if (neg) sink.put("-", 1);
    for (int i = n + (neg ? 1 : 0); i < width; i++) sink.put(zero ? "0" : " ", 1);
    while (n) sink.put(&tmp[--n], 1);
  }
}

namespace {
struct BufferSink final : FormatSink {
  char* buf;
  usize cap, len = 0;
  BufferSink(char* b, usize c) : buf(b), cap(c) {}
  void put(const char* s, usize n) override {
    for (usize i = 0; i < n; i++) {
      if (len + 1 < cap) buf[len] = s[i];
      len++;
    }
  }
};
}  // namespace

usize snprint(char* buf, usize cap, const char* fmt, ...) {
  BufferSink sink(buf, cap);
  __builtin_va_list ap;
  __builtin_va_start(ap, fmt);
  format_to(sink, fmt, ap);
  __builtin_va_end(ap);
  if (cap) buf[min_of(sink.len, cap - 1)] = 0;
  return sink.len;
}
