// bareflow-static links with --wrap=dlopen,dlsym,dlvsym: every call of ours or LLVM's lands here
// and ends the program with one line naming what was asked, instead of failing quietly (a static
// program has no dynamic loader and no dynamic symbol table; the unikernel none at all).
#include <stdio.h>
#include <stdlib.h>

static void refuse(const char* what, const char* name) {
  fprintf(stderr, "bareflow-static: %s(%s) called; a static bareflow loads no libraries and looks up no symbols\n",
          what, name ? name : "NULL");
  abort();
}

void* __wrap_dlopen(const char* file, int mode) {
  (void)mode;
  refuse("dlopen", file);
  return NULL;
}

void* __wrap_dlsym(void* handle, const char* name) {
  (void)handle;
  refuse("dlsym", name);
  return NULL;
}

void* __wrap_dlvsym(void* handle, const char* name, const char* version) {
  (void)handle, (void)version;
  refuse("dlvsym", name);
  return NULL;
}
