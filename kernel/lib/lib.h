// Freestanding basics: fixed-width types, port I/O, memory and string helpers, a small formatter.
#pragma once

using u8 = unsigned char;
using u16 = unsigned short;
using u32 = unsigned int;
using u64 = unsigned long;
using i16 = short;
using i32 = int;
using i64 = long;
using usize = unsigned long;
using isize = long;
using uptr = unsigned long;
static_assert(sizeof(u64) == 8 && sizeof(u32) == 4 && sizeof(u16) == 2);

#define PACKED __attribute__((packed))

extern "C" {
void* memcpy(void* dst, const void* src, usize n);
void* memmove(void* dst, const void* src, usize n);
void* memset(void* dst, int c, usize n);
int memcmp(const void* a, const void* b, usize n);
usize strlen(const char* s);
}
int strcmp(const char* a, const char* b);
int strncmp(const char* a, const char* b, usize n);
char* strncpy_z(char* dst, const char* src, usize cap);  // always NUL-terminates

inline u8 to_upper(u8 c) { return (c >= 'a' && c <= 'z') ? c - 32 : c; }
template <class T> inline T min_of(T a, T b) { return a < b ? a : b; }
template <class T> inline T max_of(T a, T b) { return a > b ? a : b; }
inline u64 align_up(u64 v, u64 a) { return (v + a - 1) & ~(a - 1); }
inline u64 align_down(u64 v, u64 a) { return v & ~(a - 1); }

// Port I/O and CPU primitives.
inline void outb(u16 port, u8 v) { asm volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
inline void outw(u16 port, u16 v) { asm volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
inline void outl(u16 port, u32 v) { asm volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
inline u8 inb(u16 port) { u8 v; asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
inline u16 inw(u16 port) { u16 v; asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
inline u32 inl(u16 port) { u32 v; asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
inline u64 rdtsc() { u32 lo, hi; asm volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((u64)hi << 32) | lo; }
inline u64 rdmsr(u32 msr) { u32 lo, hi; asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr)); return ((u64)hi << 32) | lo; }
inline void wrmsr(u32 msr, u64 v) { asm volatile("wrmsr" ::"c"(msr), "a"((u32)v), "d"((u32)(v >> 32))); }
inline void cpuid(u32 leaf, u32 sub, u32* a, u32* b, u32* c, u32* d) {
  asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
inline void compiler_barrier() { asm volatile("" ::: "memory"); }

// Formatting: %s %c %d %i %u %x %p with optional '0', width and 'l'. Returns the length written.
struct FormatSink {
  virtual void put(const char* s, usize n) = 0;
};
void format_to(FormatSink& sink, const char* fmt, __builtin_va_list ap);
usize snprint(char* buf, usize cap, const char* fmt, ...);
