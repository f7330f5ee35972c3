// The host import table: every native function or datum an interpreted program may reach,
// by name (the C library's are in imports_c.c). No dlsym, so a fully static bareflow resolves
// the same names.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>

#include <llvm/ADT/StringMap.h>
#include <llvm/ADT/StringRef.h>

#include "vm/machine.h"
#include "vm/vm.h"

extern "C" {
// From libgcc/compiler-rt: what __builtin_cpu_supports reads.
extern char __cpu_model[];
extern unsigned int __cpu_features2[];
int __cpu_indicator_init(void);
extern void* __dso_handle;
}

namespace bf::vm {
namespace {

// Operator new/delete by their mangled names.
void* op_new(size_t n) { return ::operator new(n); }
void* op_new_array(size_t n) { return ::operator new[](n); }
void* op_new_nothrow(size_t n, const std::nothrow_t& t) { return ::operator new(n, t); }
void* op_new_aligned(size_t n, size_t a) { return ::operator new(n, std::align_val_t(a)); }
void* op_new_array_aligned(size_t n, size_t a) { return ::operator new[](n, std::align_val_t(a)); }
void op_delete(void* p) { ::operator delete(p); }
void op_delete_array(void* p) { ::operator delete[](p); }
void op_delete_sized(void* p, size_t n) { ::operator delete(p, n); }
void op_delete_array_sized(void* p, size_t n) { ::operator delete[](p, n); }
void op_delete_aligned(void* p, size_t a) { ::operator delete(p, std::align_val_t(a)); }
void op_delete_sized_aligned(void* p, size_t n, size_t a) { ::operator delete(p, n, std::align_val_t(a)); }
void op_delete_array_aligned(void* p, size_t a) { ::operator delete[](p, std::align_val_t(a)); }
void cxa_pure_virtual() {
  fprintf(stderr, "bareflow: pure virtual function called\n");
  abort();
}

// The program's exit() first runs the runtime's shutdown hooks: what must not outlive the
// program (a compile in flight would use statics that exit() destroys) stops before exit()
// destroys anything.
[[noreturn]] void program_exit(int status) {
  Program::shutdown_all();
  exit(status);
}

extern "C" {
extern const Import bf_c_imports[];
extern const size_t bf_c_imports_count;
extern const Import bf_generated_imports[];
extern const size_t bf_generated_imports_count;
// The self-hosting table (src/meta, docs/meta-circular.md), last: only a bareflow configured with
// BAREFLOW_SELF_HOSTING links it; elsewhere these weak references are null.
extern const Import bf_self_imports[] __attribute__((weak));
extern const size_t bf_self_imports_count __attribute__((weak));
// Thread-locals of the host, each as an accessor (ThreadLocalAccessor): the generated one's and
// the self-hosting table's.
extern const Import bf_generated_tls_imports[];
extern const size_t bf_generated_tls_imports_count;
extern const Import bf_self_tls_imports[] __attribute__((weak));
extern const size_t bf_self_tls_imports_count __attribute__((weak));
}

const Import kImports[] = {
    // C++ runtime
    {"_Znwm", reinterpret_cast<void*>(&op_new)},
    {"_Znam", reinterpret_cast<void*>(&op_new_array)},
    {"_ZnwmRKSt9nothrow_t", reinterpret_cast<void*>(&op_new_nothrow)},
    {"_ZnwmSt11align_val_t", reinterpret_cast<void*>(&op_new_aligned)},
    {"_ZnamSt11align_val_t", reinterpret_cast<void*>(&op_new_array_aligned)},
    {"_ZdlPv", reinterpret_cast<void*>(&op_delete)},
    {"_ZdaPv", reinterpret_cast<void*>(&op_delete_array)},
    {"_ZdlPvm", reinterpret_cast<void*>(&op_delete_sized)},
    {"_ZdaPvm", reinterpret_cast<void*>(&op_delete_array_sized)},
    {"_ZdlPvSt11align_val_t", reinterpret_cast<void*>(&op_delete_aligned)},
    {"_ZdlPvmSt11align_val_t", reinterpret_cast<void*>(&op_delete_sized_aligned)},
    {"_ZdaPvSt11align_val_t", reinterpret_cast<void*>(&op_delete_array_aligned)},
    {"__cxa_pure_virtual", reinterpret_cast<void*>(&cxa_pure_virtual)},
    {"__dso_handle", &__dso_handle},
    {"exit", reinterpret_cast<void*>(&program_exit)},
    {"pthread_create", reinterpret_cast<void*>(&program_pthread_create)},
    // longjmp notes its target for setjmp's runner (setjmp.cpp); setjmp itself is tier 0's
    {"longjmp", reinterpret_cast<void*>(&program_longjmp)},
    {"_longjmp", reinterpret_cast<void*>(&program_longjmp)},
    {"siglongjmp", reinterpret_cast<void*>(&program_longjmp)},
    {"__longjmp_chk", reinterpret_cast<void*>(&program_longjmp_chk)},
    // CPU feature detection (__builtin_cpu_supports)
    {"__cpu_model", __cpu_model},
    {"__cpu_features2", __cpu_features2},
    {"__cpu_indicator_init", reinterpret_cast<void*>(&__cpu_indicator_init)},
    // Emulated TLS as compiled code calls it: imported thread-locals' control blocks are the
    // loader's own kind (loader.cpp), which libgcc's __emutls_get_address does not know.
    {"__emutls_get_address", reinterpret_cast<void*>(&thread_local_address)},
};

}  // namespace

std::vector<std::string> import_names() {
  std::vector<std::string> names;
  for (const Import& i : kImports) names.push_back(i.name);
  for (size_t i = 0; i < bf_c_imports_count; i++) names.push_back(bf_c_imports[i].name);
  return names;
}

// The generated tables come sorted by name (gen_imports.py, gen_self_imports.py) and are
// searched in place: hashing their ~9,000 names cost every run ~2 ms before main.
const Import* find_sorted(const Import* table, size_t count, llvm::StringRef name) {
  const Import* end = table + count;
  const Import* it =
      std::lower_bound(table, end, name, [](const Import& i, llvm::StringRef n) { return llvm::StringRef(i.name) < n; });
  return it != end && name == it->name ? it : nullptr;
}

const Import* find_import(llvm::StringRef name) {
  // The hand-written tables first (they override the generated ones), hashed once: the
  // translator looks up every host call site.
  static const llvm::StringMap<const Import*> listed = [] {
    llvm::StringMap<const Import*> m;
    for (const Import& i : kImports) m.try_emplace(i.name, &i);
    for (size_t i = 0; i < bf_c_imports_count; i++) m.try_emplace(bf_c_imports[i].name, &bf_c_imports[i]);
    return m;
  }();
  if (const Import* i = listed.lookup(name)) return i;
  if (const Import* i = find_sorted(bf_generated_imports, bf_generated_imports_count, name)) return i;
  if (&bf_self_imports_count) return find_sorted(bf_self_imports, bf_self_imports_count, name);
  return nullptr;
}

ThreadLocalAccessor find_thread_local_import(llvm::StringRef name) {
  const Import* i = find_sorted(bf_generated_tls_imports, bf_generated_tls_imports_count, name);
  if (!i && &bf_self_tls_imports_count) i = find_sorted(bf_self_tls_imports, bf_self_tls_imports_count, name);
  return i ? reinterpret_cast<ThreadLocalAccessor>(i->address) : nullptr;
}

bool generated_imports_sorted() {
  auto sorted = [](const Import* table, size_t count) {
    return std::is_sorted(table, table + count,
                          [](const Import& a, const Import& b) { return llvm::StringRef(a.name) < llvm::StringRef(b.name); });
  };
  return sorted(bf_generated_imports, bf_generated_imports_count) &&
         sorted(bf_generated_tls_imports, bf_generated_tls_imports_count) &&
         (!&bf_self_imports_count || sorted(bf_self_imports, bf_self_imports_count)) &&
         (!&bf_self_tls_imports_count || sorted(bf_self_tls_imports, bf_self_tls_imports_count));
}

}  // namespace bf::vm
