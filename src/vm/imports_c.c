/* The C part of the host import table: libc, libm and pthreads by name (compiled as C so that
   each name means exactly the C function). See imports.cpp. */
#ifndef _GNU_SOURCE  /* LLVM's definitions may bring it */
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct bf_import {
  const char* name;
  void* address;
};

int __cxa_atexit(void (*fn)(void*), void* arg, void* dso);

#define F(name) {#name, (void*)&name}

const struct bf_import bf_c_imports[] = {
    // stdio
    F(printf), F(fprintf), F(sprintf), F(snprintf), F(vprintf), F(vfprintf), F(vsprintf),
    F(vsnprintf), F(puts), F(putchar), F(fputs), F(fputc), F(putc), F(fwrite), F(fread),
    F(fopen), F(fclose), F(fflush), F(fseek), F(ftell), F(fgets), F(getc), F(fgetc), F(getchar),
    F(sscanf), F(fscanf), F(scanf), F(perror), F(setvbuf), F(rewind), F(feof), F(ferror),
    F(fileno), F(ungetc), F(remove), F(rename), F(fseeko), F(ftello), F(tmpfile),
    {"stdout", &stdout}, {"stderr", &stderr}, {"stdin", &stdin},
    // memory and strings
    F(malloc), F(calloc), F(realloc), F(free), F(aligned_alloc), F(posix_memalign),
    F(memcpy), F(memmove), F(memset), F(memcmp), F(bcmp), F(unlink), F(memchr), F(strlen), F(strnlen), F(strcmp),
    F(strncmp), F(strcpy), F(strncpy), F(strcat), F(strncat), F(strchr), F(strrchr), F(strstr),
    F(strdup), F(strndup), F(strtok), F(strtok_r), F(strspn), F(strcspn), F(strpbrk),
    F(strerror), F(strcasecmp), F(strncasecmp), F(strtol), F(strtoul), F(strtoll), F(strtoull),
    F(strtod), F(strtof), F(atoi), F(atol), F(atoll), F(atof), F(abs), F(labs), F(llabs),
    F(qsort), F(bsearch), F(rand), F(srand), F(rand_r), F(getenv), F(setenv),
    F(toupper), F(tolower), F(isdigit), F(isspace), F(isalpha), F(isalnum), F(isprint),
    F(isupper), F(islower), F(isxdigit), F(ispunct), F(__ctype_b_loc), F(__ctype_tolower_loc),
    F(__ctype_toupper_loc),
    // process, time, files
    F(abort), F(_exit), F(atexit), F(__cxa_atexit), F(time), F(clock),
    F(clock_gettime), F(gettimeofday), F(nanosleep), F(usleep), F(sleep), F(open), F(close),
    F(read), F(write), F(lseek), F(mmap), F(munmap), F(madvise), F(fstat), F(stat), F(sysconf),
    F(isatty), F(__errno_location), F(getpid), F(syscall), F(get_nprocs), F(sched_yield),
    F(sched_getaffinity),
    // threads
    F(pthread_create), F(pthread_join), F(pthread_detach), F(pthread_self), F(pthread_equal),
    F(pthread_exit), F(pthread_mutex_init), F(pthread_mutex_lock), F(pthread_mutex_unlock),
    F(pthread_mutex_trylock), F(pthread_mutex_destroy), F(pthread_cond_init),
    F(pthread_cond_wait), F(pthread_cond_timedwait), F(pthread_cond_signal),
    F(pthread_cond_broadcast), F(pthread_cond_destroy), F(pthread_once), F(pthread_attr_init),
    F(pthread_attr_destroy), F(pthread_attr_setstacksize), F(pthread_key_create),
    F(pthread_getspecific), F(pthread_setspecific), F(pthread_barrier_init),
    F(pthread_barrier_wait), F(pthread_barrier_destroy), F(pthread_spin_init),
    F(pthread_spin_lock), F(pthread_spin_unlock), F(pthread_spin_destroy),
    // libm
    F(sqrt), F(sqrtf), F(exp), F(expf), F(exp2), F(exp2f), F(expm1), F(expm1f), F(log),
    F(logf), F(log2), F(log2f), F(log10), F(log10f), F(log1p), F(log1pf), F(pow), F(powf),
    F(sin), F(sinf), F(cos), F(cosf), F(tan), F(tanf), F(tanh), F(tanhf), F(sinh), F(cosh),
    F(asin), F(acos), F(atan), F(atanf), F(atan2), F(atan2f), F(fabs), F(fabsf), F(floor),
    F(floorf), F(ceil), F(ceilf), F(round), F(roundf), F(trunc), F(truncf), F(rint), F(rintf),
    F(nearbyint), F(nearbyintf), F(lround), F(lroundf), F(lrint), F(lrintf), F(llround),
    F(fmod), F(fmodf), F(fmax), F(fmaxf), F(fmin), F(fminf), F(erf), F(erff), F(erfc), F(cbrt),
    F(hypot), F(ldexp), F(ldexpf), F(frexp), F(frexpf), F(modf), F(modff), F(copysign),
    F(copysignf), F(fma), F(fmaf),
};
const size_t bf_c_imports_count = sizeof(bf_c_imports) / sizeof(bf_c_imports[0]);
