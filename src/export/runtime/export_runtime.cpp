// BareFlow's export runtime: the C++ runtime pieces of the interpreter's import table that a
// static libc (musl or glibc) does not have, for programs exported by `bareflow export`.
// Compiled to bitcode at build time and embedded in bareflow; the export links in only what
// the program uses, before optimizing, so these are inlined and specialised like its own code.
#include <sched.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cstddef>
#include <new>

namespace {

[[noreturn]] void out_of_memory() {
  static const char message[] = "out of memory (operator new)\n";
  (void)!write(2, message, sizeof message - 1);
  abort();
}

void* allocate(size_t n) {
  void* p = malloc(n ? n : 1);
  if (!p) out_of_memory();
  return p;
}

void* allocate_aligned(size_t n, size_t alignment) {
  if (alignment < sizeof(void*)) alignment = sizeof(void*);
  void* p = nullptr;
  if (posix_memalign(&p, alignment, n ? n : 1) != 0) out_of_memory();
  return p;
}

}  // namespace

// The replaceable allocation functions (the program is built with -fno-exceptions: a failed
// allocation ends the program instead of throwing).
void* operator new(size_t n) { return allocate(n); }
void* operator new[](size_t n) { return allocate(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept { return malloc(n ? n : 1); }
void* operator new(size_t n, std::align_val_t a) { return allocate_aligned(n, size_t(a)); }
void* operator new[](size_t n, std::align_val_t a) { return allocate_aligned(n, size_t(a)); }
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, size_t) noexcept { free(p); }
void operator delete[](void* p, size_t) noexcept { free(p); }
void operator delete(void* p, std::align_val_t) noexcept { free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { free(p); }

extern "C" {

// What __cxa_atexit registrations name as their module; crtbegin.o defines it in a normal
// link, which the export leaves out. Weak: a link that has crtbegin.o takes that one.
__attribute__((weak, visibility("hidden"))) void* __dso_handle = &__dso_handle;

void __cxa_pure_virtual() {
  static const char message[] = "pure virtual function called\n";
  (void)!write(2, message, sizeof message - 1);
  abort();
}

// Function-local statics: byte 0 of the guard is 1 once initialised, byte 1 while one thread
// runs the initialiser (others wait for it).
int __cxa_guard_acquire(unsigned long long* guard) {
  auto* bytes = reinterpret_cast<unsigned char*>(guard);
  for (;;) {
    if (__atomic_load_n(&bytes[0], __ATOMIC_ACQUIRE)) return 0;
    unsigned char idle = 0;
    if (__atomic_compare_exchange_n(&bytes[1], &idle, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
      if (__atomic_load_n(&bytes[0], __ATOMIC_ACQUIRE)) {
        __atomic_store_n(&bytes[1], 0, __ATOMIC_RELEASE);
        return 0;
      }
      return 1;
    }
    sched_yield();
  }
}

void __cxa_guard_release(unsigned long long* guard) {
  auto* bytes = reinterpret_cast<unsigned char*>(guard);
  __atomic_store_n(&bytes[0], 1, __ATOMIC_RELEASE);
  __atomic_store_n(&bytes[1], 0, __ATOMIC_RELEASE);
}

void __cxa_guard_abort(unsigned long long* guard) {
  __atomic_store_n(&reinterpret_cast<unsigned char*>(guard)[1], 0, __ATOMIC_RELEASE);
}

// glibc's checked longjmp, which programs built with _FORTIFY_SOURCE call and the import table
// offers; musl has none. Weak: a libc that has it keeps its own.
__attribute__((weak, noreturn)) void __longjmp_chk(jmp_buf env, int value) { longjmp(env, value); }

// The body of a function that --drop-unexecuted removed: `message` names the program and the
// function. exit() rather than _exit(): what the program printed before still reaches its
// output. The status is EX_SOFTWARE (70): the program went where its profile never went.
[[noreturn]] void __bf_export_not_executed(const char* message) {
  (void)!write(2, message, strlen(message));
  exit(70);
}

}  // extern "C"
