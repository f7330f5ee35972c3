// Memory by lane: masked loads and stores (the vectorizer's, for conditional loops at AVX2),
// gathers and scatters over GEPs of vectors of pointers (AVX-512), AVX's maskload/maskstore
// (which -O2 turns into masked loads and stores; -O0 keeps the x86 intrinsics). Each part runs
// where the CPU has the features, natively and in bitcode alike.
#include <stdio.h>
#include <immintrin.h>

#define N 67

__attribute__((target("avx2"), noinline)) static float cond_sum(const float* a, const int* c, int n) {
  float s = 0;
  for (int i = 0; i < n; i++)
    if (c[i]) s += a[i];
  return s;
}
__attribute__((target("avx512f,avx512vl"), noinline)) static long gather_sum(const long* a, const int* idx, int n) {
  long s = 0;
  for (int i = 0; i < n; i++) s += a[idx[i]];
  return s;
}
__attribute__((target("avx512f,avx512vl"), noinline)) static void scatter_to(int* restrict out, const int* restrict idx, const int* restrict v, int n) {
  for (int i = 0; i < n; i++) out[idx[i]] = v[i];
}
__attribute__((target("avx2"), noinline)) static void cond_store(int* out, const int* c, int n) {
  for (int i = 0; i < n; i++)
    if (c[i] > 2) out[i] = c[i] * 3;
}
__attribute__((target("avx2"), noinline)) static void avx_masks(const float* a, float* out, const double* d, long long* q) {
  __m256i m = _mm256_setr_epi32(-1, 0, -1, 0, 0, -1, -1, 0);
  __m256 v = _mm256_maskload_ps(a, m);
  _mm256_maskstore_ps(out, m, _mm256_add_ps(v, v));
  __m128i m2 = _mm_setr_epi32(0, -1, -1, 0);
  __m128 w = _mm_maskload_ps(a + 8, m2);
  _mm_maskstore_ps(out + 8, m2, w);
  __m256i mq = _mm256_setr_epi64x(0, -1, 0, -1);
  __m256d x = _mm256_maskload_pd(d, mq);
  _mm256_maskstore_pd((double*)q, mq, x);
  __m256i i32 = _mm256_maskload_epi32((const int*)a, m);
  _mm256_maskstore_epi32((int*)out + 12, _mm256_setr_epi32(0, 0, -1, 0, 0, 0, 0, 0), i32);
  __m128i i64 = _mm_maskload_epi64((const long long*)d, _mm_set_epi64x(-1, 0));
  _mm_maskstore_epi64(q + 4, _mm_set_epi64x(-1, -1), i64);
}

int main(void) {
  float a[N]; int c[N], idx[N], v[N], out[2 * N] = {0}; long la[N];
  for (int i = 0; i < N; i++) {
    a[i] = i * 0.5f; c[i] = (i * 7) % 5; idx[i] = (i * 13) % N; v[i] = i * i; la[i] = 1000 - i * 3;
  }
  printf("cond_sum %.2f\n", cond_sum(a, c, N));
  int co[N] = {0};
  cond_store(co, c, N);
  long cs = 0;
  for (int i = 0; i < N; i++) cs = cs * 31 + co[i];
  printf("cond_store %ld\n", cs);
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) {
    printf("gather_sum %ld\n", gather_sum(la, idx, N));
    scatter_to(out, idx, v, N);
    long ss = 0;
    for (int i = 0; i < 2 * N; i++) ss = ss * 7 + out[i];
    printf("scatter %ld\n", ss);
  }
  if (__builtin_cpu_supports("avx2")) {
    float o[16] = {0}; double d[4] = {1.5, 2.5, 3.5, 4.5}; long long q[6] = {0};
    avx_masks(a, o, d, q);
    for (int i = 0; i < 16; i++) printf("%g ", o[i]);
    double qd[4];
    __builtin_memcpy(qd, q, sizeof qd);
    printf("| %g %g %g %g | %lld %lld\n", qd[0], qd[1], qd[2], qd[3], q[4], q[5]);
  }
  return 0;
}
