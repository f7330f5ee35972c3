// Floating-point classes at the edges: subnormals of float and double must stay subnormal
// (no flush to zero anywhere in the process), and classification, fpclassify and arithmetic
// on them agree with the native build.
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static volatile float vf[] = {FLT_TRUE_MIN, -FLT_TRUE_MIN, FLT_MIN, FLT_MIN / 2, 0.0f, -0.0f, 1.0f, INFINITY, -INFINITY, NAN, FLT_MAX};
static volatile double vd[] = {DBL_TRUE_MIN, -DBL_TRUE_MIN, DBL_MIN, DBL_MIN / 4, 0.0, -0.0, 1.0, INFINITY, -INFINITY, NAN, DBL_MAX};

static const char* cls(int c) {
  return c == FP_NAN ? "nan" : c == FP_INFINITE ? "inf" : c == FP_ZERO ? "zero" : c == FP_SUBNORMAL ? "sub" : "normal";
}

int main(void) {
  for (unsigned i = 0; i < sizeof vf / sizeof vf[0]; i++) {
    float x = vf[i];
    printf("f%u: normal %d subnormal %d finite %d inf %d nan %d zero %d sign %d class %s\n", i,
           __builtin_isnormal(x), __builtin_issubnormal(x), __builtin_isfinite(x), __builtin_isinf(x),
           __builtin_isnan(x), __builtin_iszero(x), __builtin_signbit(x) != 0, cls(fpclassify(x)));
  }
  for (unsigned i = 0; i < sizeof vd / sizeof vd[0]; i++) {
    double x = vd[i];
    printf("d%u: normal %d subnormal %d finite %d inf %d nan %d zero %d sign %d class %s\n", i,
           __builtin_isnormal(x), __builtin_issubnormal(x), __builtin_isfinite(x), __builtin_isinf(x),
           __builtin_isnan(x), __builtin_iszero(x), __builtin_signbit(x) != 0, cls(fpclassify(x)));
  }
  // Arithmetic that produces and consumes subnormals (FTZ would give 0, DAZ would read 0).
  float a = vf[2] / 4, b = vf[0] * 3;
  double c = vd[2] / 1024, e = vd[0] * 7;
  unsigned ua, ub;
  unsigned long long uc, ue;
  memcpy(&ua, &a, 4), memcpy(&ub, &b, 4), memcpy(&uc, &c, 8), memcpy(&ue, &e, 8);
  printf("%08x %08x %016llx %016llx\n", ua, ub, uc, ue);
  printf("%a %a %a %a %d %d\n", a, b, c, e, a + b > 0, c - e != 0);
  printf("%.9g %.17g\n", (double)(vf[0] * 0.5f + vf[0]), vd[0] * 1.5);
  return 0;
}
