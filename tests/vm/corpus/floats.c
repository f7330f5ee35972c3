// float and double arithmetic, conversions and libm, printed exactly (hex floats).
#include <math.h>
#include <stdio.h>

static double poly(double x) { return ((1.5 * x - 2.25) * x + 0.125) * x - 3.0; }

int main(void) {
  float fs = 0.f; double ds = 0.0;
  for (int i = 1; i <= 200; i++) {
    float f = (float)i / 7.0f;
    double d = (double)i / 3.0;
    fs += sqrtf(f) * expf(-f / 10.f) + logf(f + 1.f) - fabsf(sinf(f));
    ds += sqrt(d) + exp(-d / 50.0) * cos(d) + pow(d, 0.3) + floor(d) - ceil(d / 2) + round(d * 1.5) + trunc(-d);
    ds += fmod(d, 1.7) + fmax(d, 10.0) - fmin(d, 5.0) + poly(d / 100);
  }
  printf("%a %a\n", fs, ds);
  printf("%.9g %.17g\n", fs, ds);
  int conv = 0;
  for (int i = -50; i < 50; i++) {
    double d = i * 1.37;
    conv += (int)d + (int)(float)d + (unsigned)(d > 0 ? d : -d) + (long long)(d * 1e10) % 1000;
    conv += (d < 0.5) + (d >= -3.0) * 2 + (d != d) * 4 + (isnan(d / 0.0 - d / 0.0)) * 8;
  }
  printf("conv %d\n", conv);
  float nanf_ = NAN; double inf = INFINITY;
  printf("%d %d %d %d\n", nanf_ < 1.f, nanf_ != nanf_, inf > 1e308, -inf < -1e308);
  printf("%a %a\n", (double)(float)0.1, (float)1e-40 * 1e10f);
  return 0;
}
