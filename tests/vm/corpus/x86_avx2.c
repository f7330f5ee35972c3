// x86 AVX, AVX2, FMA and F16C intrinsics that clang leaves in the IR as llvm.x86.* calls
// (256-bit movmsk, shifts by immediate, by register and per lane, pshufb, pmaddubsw, packs,
// pavg, psad, ptest/vtest, round, blendv, hadd, dp, permutes, gathers, cvt...), and the <N x i1>
// bitcasts that movemask-style loops become, on inputs the optimizer cannot see.
// Each line: the intrinsic and its result.
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#include <immintrin.h>

#include "x86_simd_inputs.h"

static uint8_t bytes[4][32];
static float fl[4][8];
static double db[4][4];
static int32_t table32[64];
static int64_t table64[64];
static float tablef[64];
static double tabled[64];

static void fill(unsigned seed) {
  fill_vectors(seed, 32, &bytes[0][0], &fl[0][0], &db[0][0]);
  for (int i = 0; i < 64; i++)
    table32[i] = i * 1000 + (int)seed, table64[i] = -(int64_t)i << 33, tablef[i] = i * 0.5f, tabled[i] = -i * 0.25;
}

static __m256i I(int v) { return _mm256_loadu_si256((const __m256i*)bytes[v]); }
static __m128i I4(int v) { return _mm_loadu_si128((const __m128i*)bytes[v]); }
static __m256 F(int v) { return _mm256_loadu_ps(fl[v]); }
static __m128 F4(int v) { return _mm_loadu_ps(fl[v]); }
static __m256d D(int v) { return _mm256_loadu_pd(db[v]); }
// Without NaNs, for the fused multiply-adds: the backend may commute their operands, and which
// NaN comes out of two is not specified.
static __m256 Fn(int v) { return _mm256_and_ps(F(v), _mm256_cmp_ps(F(v), F(v), _CMP_ORD_Q)); }
static __m256d Dn(int v) { return _mm256_and_pd(D(v), _mm256_cmp_pd(D(v), D(v), _CMP_ORD_Q)); }
static __m128d D2(int v) { return _mm_loadu_pd(db[v]); }
static __m256i idx8(int v) { return _mm256_and_si256(I(v), _mm256_set1_epi32(63)); }
static __m128i idx4(int v) { return _mm_and_si128(I4(v), _mm_set1_epi32(63)); }
static __m256i qidx4(int v) { return _mm256_and_si256(I(v), _mm256_set1_epi64x(63)); }
static __m128i qidx2(int v) { return _mm_and_si128(I4(v), _mm_set1_epi64x(63)); }

static void avx(void) {
  V("addsub_pd256", _mm256_addsub_pd(D(0), D(1))); V("addsub_ps256", _mm256_addsub_ps(F(0), F(1)));
  V("blendv_pd256", _mm256_blendv_pd(D(0), D(1), D(2))); V("blendv_ps256", _mm256_blendv_ps(F(0), F(1), F(2)));
  for (int v = 0; v < 4; v++) {
    V("cvt_pd2_ps256", _mm256_cvtpd_ps(D(v))); V("cvt_pd2dq256", _mm256_cvtpd_epi32(D(v)));
    V("cvt_ps2dq256", _mm256_cvtps_epi32(F(v))); V("cvtt_pd2dq256", _mm256_cvttpd_epi32(D(v)));
    V("cvtt_ps2dq256", _mm256_cvttps_epi32(F(v)));
    N("movmsk_pd256", _mm256_movemask_pd(D(v))); N("movmsk_ps256", _mm256_movemask_ps(F(v)));
    V("round_pd256", _mm256_round_pd(D(v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    V("round_ps256", _mm256_round_ps(F(v), _MM_FROUND_FLOOR));
    V("rcp_ps256", _mm256_rcp_ps(F(v))); V("rsqrt_ps256", _mm256_rsqrt_ps(F(v)));
  }
  V("hadd_pd256", _mm256_hadd_pd(D(0), D(3))); V("hadd_ps256", _mm256_hadd_ps(F(1), F(2)));
  V("hsub_pd256", _mm256_hsub_pd(D(1), D(0))); V("hsub_ps256", _mm256_hsub_ps(F(3), F(0)));
  V("ldu_dq256", _mm256_lddqu_si256((const __m256i*)(bytes[2] + 1)));
  V("max_pd256", _mm256_max_pd(D(0), D(1))); V("max_ps256", _mm256_max_ps(F(0), F(2)));
  V("min_pd256", _mm256_min_pd(D(2), D(3))); V("min_ps256", _mm256_min_ps(F(1), F(3)));
  N("ptestc256", _mm256_testc_si256(I(0), I(1))); N("ptestnzc256", _mm256_testnzc_si256(I(0), I(1)));
  N("ptestz256", _mm256_testz_si256(I(0), _mm256_andnot_si256(I(0), I(1))));
  V("vpermilvar_pd", _mm_permutevar_pd(D2(0), I4(1))); V("vpermilvar_pd256", _mm256_permutevar_pd(D(0), I(1)));
  V("vpermilvar_ps", _mm_permutevar_ps(F4(0), I4(2))); V("vpermilvar_ps256", _mm256_permutevar_ps(F(0), I(3)));
  N("vtestc_pd", _mm_testc_pd(D2(0), D2(1))); N("vtestc_pd256", _mm256_testc_pd(D(0), D(1)));
  N("vtestc_ps", _mm_testc_ps(F4(0), F4(1))); N("vtestc_ps256", _mm256_testc_ps(F(0), F(1)));
  N("vtestnzc_pd", _mm_testnzc_pd(D2(1), D2(2))); N("vtestnzc_pd256", _mm256_testnzc_pd(D(1), D(2)));
  N("vtestnzc_ps", _mm_testnzc_ps(F4(1), F4(2))); N("vtestnzc_ps256", _mm256_testnzc_ps(F(1), F(2)));
  N("vtestz_pd", _mm_testz_pd(D2(2), D2(3))); N("vtestz_pd256", _mm256_testz_pd(D(2), D(3)));
  N("vtestz_ps", _mm_testz_ps(F4(2), F4(3))); N("vtestz_ps256", _mm256_testz_ps(F(2), F(3)));
  V("dp_ps256", _mm256_dp_ps(F(0), F(1), 0xf1)); V("dp_ps256b", _mm256_dp_ps(F(2), F(3), 0x7c));
  V("cmp_ss", _mm_cmp_ss(F4(0), F4(1), _CMP_NGT_US)); V("cmp_sd", _mm_cmp_sd(D2(0), D2(2), _CMP_NEQ_OS));
  V("cmp_ss_true", _mm_cmp_ss(F4(2), F4(3), _CMP_TRUE_UQ));
  _mm256_zeroupper();
  _mm256_zeroall();
}

static void avx2(volatile int sh) {
  V("packssdw", _mm256_packs_epi32(I(0), I(1))); V("packsswb", _mm256_packs_epi16(I(1), I(2)));
  V("packusdw", _mm256_packus_epi32(I(2), I(3))); V("packuswb", _mm256_packus_epi16(I(3), I(0)));
  V("pavg_b", _mm256_avg_epu8(I(0), I(1))); V("pavg_w", _mm256_avg_epu16(I(2), I(3)));
  V("pblendvb", _mm256_blendv_epi8(I(0), I(1), I(2))); V("permd", _mm256_permutevar8x32_epi32(I(0), I(1)));
  V("permps", _mm256_permutevar8x32_ps(F(0), I(2)));
  V("phadd_d", _mm256_hadd_epi32(I(0), I(1))); V("phadd_w", _mm256_hadd_epi16(I(1), I(2)));
  V("phadd_sw", _mm256_hadds_epi16(I(2), I(3))); V("phsub_d", _mm256_hsub_epi32(I(3), I(0)));
  V("phsub_w", _mm256_hsub_epi16(I(0), I(2))); V("phsub_sw", _mm256_hsubs_epi16(I(1), I(3)));
  N("pmovmskb", (unsigned)_mm256_movemask_epi8(I(0)));
  V("pmadd_ub_sw", _mm256_maddubs_epi16(I(0), I(1))); V("pmadd_wd", _mm256_madd_epi16(I(2), I(3)));
  V("pmul_hr_sw", _mm256_mulhrs_epi16(I(0), I(1))); V("pmulh_w", _mm256_mulhi_epi16(I(1), I(2)));
  V("pmulhu_w", _mm256_mulhi_epu16(I(2), I(3))); V("psad_bw", _mm256_sad_epu8(I(3), I(0)));
  V("pshuf_b", _mm256_shuffle_epi8(I(0), I(1))); V("psign_b", _mm256_sign_epi8(I(1), I(2)));
  V("psign_d", _mm256_sign_epi32(I(2), I(3))); V("psign_w", _mm256_sign_epi16(I(3), I(0)));
  int counts[] = {0, 1, 7, 15, 16, 31, 33, 63, 64, 200};
  for (int k = 0; k < 10; k++) {
    int n = counts[k] + sh;
    __m128i c = _mm_cvtsi32_si128(n);
    V("psll_d", _mm256_sll_epi32(I(0), c)); V("psll_q", _mm256_sll_epi64(I(1), c));
    V("psll_w", _mm256_sll_epi16(I(2), c)); V("psra_d", _mm256_sra_epi32(I(3), c));
    V("psra_w", _mm256_sra_epi16(I(0), c)); V("psrl_d", _mm256_srl_epi32(I(1), c));
    V("psrl_q", _mm256_srl_epi64(I(2), c)); V("psrl_w", _mm256_srl_epi16(I(3), c));
    V("pslli_d", _mm256_slli_epi32(I(0), n)); V("pslli_q", _mm256_slli_epi64(I(1), n));
    V("pslli_w", _mm256_slli_epi16(I(2), n)); V("psrai_d", _mm256_srai_epi32(I(3), n));
    V("psrai_w", _mm256_srai_epi16(I(0), n)); V("psrli_d", _mm256_srli_epi32(I(1), n));
    V("psrli_q", _mm256_srli_epi64(I(2), n)); V("psrli_w", _mm256_srli_epi16(I(3), n));
  }
  V("psllv_d", _mm_sllv_epi32(I4(0), I4(1))); V("psllv_d256", _mm256_sllv_epi32(I(0), I(1)));
  V("psllv_q", _mm_sllv_epi64(I4(1), qidx2(2))); V("psllv_q256", _mm256_sllv_epi64(I(1), qidx4(2)));
  V("psrav_d", _mm_srav_epi32(I4(2), idx4(3))); V("psrav_d256", _mm256_srav_epi32(I(2), idx8(3)));
  V("psrlv_d", _mm_srlv_epi32(I4(3), idx4(0))); V("psrlv_d256", _mm256_srlv_epi32(I(3), I(0)));
  V("psrlv_q", _mm_srlv_epi64(I4(0), qidx2(1))); V("psrlv_q256", _mm256_srlv_epi64(I(0), I(1)));
  V("mpsadbw", _mm256_mpsadbw_epu8(I(0), I(1), 0x2d));
}

static void gathers_fma_f16c(void) {
  V("gather_d_d", _mm_i32gather_epi32(table32, idx4(0), 4));
  V("gather_d_d256", _mm256_i32gather_epi32(table32, idx8(1), 4));
  V("gather_d_q", _mm_i32gather_epi64((const long long*)table64, idx4(2), 8));
  V("gather_d_q256", _mm256_i32gather_epi64((const long long*)table64, idx4(3), 8));
  V("gather_d_ps", _mm_i32gather_ps(tablef, idx4(0), 4));
  V("gather_d_ps256", _mm256_i32gather_ps(tablef, idx8(1), 4));
  V("gather_d_pd", _mm_i32gather_pd(tabled, idx4(2), 8));
  V("gather_d_pd256", _mm256_i32gather_pd(tabled, idx4(3), 8));
  V("gather_q_d", _mm_i64gather_epi32(table32, qidx2(0), 4));
  V("gather_q_d256", _mm256_i64gather_epi32(table32, qidx4(1), 4));
  V("gather_q_q", _mm_i64gather_epi64((const long long*)table64, qidx2(2), 8));
  V("gather_q_q256", _mm256_i64gather_epi64((const long long*)table64, qidx4(3), 8));
  V("gather_q_ps", _mm_i64gather_ps(tablef, qidx2(0), 4));
  V("gather_q_ps256", _mm256_i64gather_ps(tablef, qidx4(1), 4));
  V("gather_q_pd", _mm_i64gather_pd(tabled, qidx2(2), 8));
  V("gather_q_pd256", _mm256_i64gather_pd(tabled, qidx4(3), 8));
  V("gather_mask", _mm256_mask_i32gather_epi32(I(2), table32, idx8(0), I(3), 2));
  V("vfmaddsub_pd", _mm_fmaddsub_pd(_mm256_castpd256_pd128(Dn(0)), _mm256_castpd256_pd128(Dn(1)),
                                     _mm256_castpd256_pd128(Dn(2))));
  V("vfmaddsub_pd256", _mm256_fmaddsub_pd(Dn(0), Dn(1), Dn(3)));
  V("vfmaddsub_ps", _mm_fmaddsub_ps(_mm256_castps256_ps128(Fn(0)), _mm256_castps256_ps128(Fn(1)),
                                    _mm256_castps256_ps128(Fn(2))));
  V("vfmaddsub_ps256", _mm256_fmaddsub_ps(Fn(1), Fn(2), Fn(3)));
  V("vfmsubadd_ps256", _mm256_fmsubadd_ps(Fn(0), Fn(2), Fn(3)));
  V("vcvtps2ph128", _mm_cvtps_ph(F4(0), _MM_FROUND_TO_NEAREST_INT)); V("vcvtps2ph256", _mm256_cvtps_ph(F(1), _MM_FROUND_TO_ZERO));
}

// Loops that the vectorizer turns into compares whose <N x i1> result is bitcast to an integer.
static void i1_bitcasts(void) {
  unsigned m8 = 0, m16 = 0;
  int8_t* s = (int8_t*)bytes[0];
  int32_t w[8];
  for (int i = 0; i < 8; i++) w[i] = (int32_t)bytes[1][i] - 128;
  for (int i = 0; i < 8; i++) m8 |= (unsigned)(w[i] < 0) << i;
  for (int i = 0; i < 16; i++) m16 |= (unsigned)(s[i] < 0) << i;
  uint64_t m32 = 0;
  for (int i = 0; i < 32; i++) m32 |= (uint64_t)(bytes[2][i] > 100) << i;
  N("mask8", m8); N("mask16", m16); N("mask32", m32);
}

int main(int argc, char** argv) {
  (void)argv;
  for (unsigned seed = 1; seed <= 3; seed++) {
    fill(seed * 11 + (unsigned)argc - 1);
    printf("seed %u\n", seed);
    avx();
    avx2(argc - 1);
    gathers_fma_f16c();
    i1_bitcasts();
  }
  return 0;
}
#pragma clang attribute pop
