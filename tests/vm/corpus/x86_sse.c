// x86 SSE to SSE4.2 intrinsics that clang leaves in the IR as llvm.x86.* calls (movmsk, shifts
// by immediate and by register, pshufb, pmaddubsw, packs, pavg, psad, ptest, round, blendv, hadd,
// min/max, cvt, comi, crc32, the string compares...), on inputs the optimizer cannot see,
// NaNs, signed zeros and out-of-range values among them. Each line: the intrinsic and its result.
#pragma clang attribute push(__attribute__((target("sse4.2,popcnt"))), apply_to = function)
#include <immintrin.h>
#include <string.h>

#include "x86_simd_inputs.h"

static uint8_t bytes[4][16];
static float fl[4][4];
static double db[4][2];

static void fill(unsigned seed) { fill_vectors(seed, 16, &bytes[0][0], &fl[0][0], &db[0][0]); }

static __m128i I(int v) { return _mm_loadu_si128((const __m128i*)bytes[v]); }
static __m128 F(int v) { return _mm_loadu_ps(fl[v]); }
static __m128d D(int v) { return _mm_loadu_pd(db[v]); }

static void sse(volatile int sh) {
  V("max_ps", _mm_max_ps(F(0), F(1))); V("min_ps", _mm_min_ps(F(0), F(1)));
  V("max_ss", _mm_max_ss(F(1), F(2))); V("min_ss", _mm_min_ss(F(2), F(3)));
  V("rcp_ps", _mm_rcp_ps(F(0))); V("rcp_ss", _mm_rcp_ss(F(1)));
  V("rsqrt_ps", _mm_rsqrt_ps(F(2))); V("rsqrt_ss", _mm_rsqrt_ss(F(3)));
  N("comieq_ss", _mm_comieq_ss(F(0), F(1))); N("comige_ss", _mm_comige_ss(F(0), F(1)));
  N("comigt_ss", _mm_comigt_ss(F(1), F(0))); N("comile_ss", _mm_comile_ss(F(2), F(0)));
  N("comilt_ss", _mm_comilt_ss(F(0), F(3))); N("comineq_ss", _mm_comineq_ss(F(0), F(2)));
  N("ucomieq_ss", _mm_ucomieq_ss(F(0), F(0))); N("ucomige_ss", _mm_ucomige_ss(F(1), F(3)));
  N("ucomigt_ss", _mm_ucomigt_ss(F(3), F(1))); N("ucomile_ss", _mm_ucomile_ss(F(0), F(2)));
  N("ucomilt_ss", _mm_ucomilt_ss(F(1), F(0))); N("ucomineq_ss", _mm_ucomineq_ss(F(2), F(2)));
  for (int v = 0; v < 4; v++) {
    N("cvtss2si", _mm_cvtss_si32(F(v))); N("cvttss2si", _mm_cvttss_si32(F(v)));
    N("cvtss2si64", _mm_cvtss_si64(F(v))); N("cvttss2si64", _mm_cvttss_si64(F(v)));
    N("movmsk_ps", _mm_movemask_ps(F(v)));
  }
  V("cmp_ss", _mm_cmplt_ss(F(0), F(1))); V("cmpnle_ss", _mm_cmpnle_ss(F(2), F(1)));
  (void)sh;
}

static void sse2(volatile int sh) {
  N("comieq_sd", _mm_comieq_sd(D(0), D(1))); N("comige_sd", _mm_comige_sd(D(0), D(1)));
  N("comigt_sd", _mm_comigt_sd(D(1), D(0))); N("comile_sd", _mm_comile_sd(D(2), D(0)));
  N("comilt_sd", _mm_comilt_sd(D(0), D(3))); N("comineq_sd", _mm_comineq_sd(D(0), D(2)));
  N("ucomieq_sd", _mm_ucomieq_sd(D(0), D(0))); N("ucomige_sd", _mm_ucomige_sd(D(1), D(3)));
  N("ucomigt_sd", _mm_ucomigt_sd(D(3), D(1))); N("ucomile_sd", _mm_ucomile_sd(D(0), D(2)));
  N("ucomilt_sd", _mm_ucomilt_sd(D(1), D(0))); N("ucomineq_sd", _mm_ucomineq_sd(D(2), D(2)));
  for (int v = 0; v < 4; v++) {
    V("cvtpd2dq", _mm_cvtpd_epi32(D(v))); V("cvtpd2ps", _mm_cvtpd_ps(D(v)));
    V("cvtps2dq", _mm_cvtps_epi32(F(v))); V("cvttpd2dq", _mm_cvttpd_epi32(D(v)));
    V("cvttps2dq", _mm_cvttps_epi32(F(v))); N("cvtsd2si", _mm_cvtsd_si32(D(v)));
    N("cvttsd2si", _mm_cvttsd_si32(D(v))); N("cvtsd2si64", _mm_cvtsd_si64(D(v)));
    N("cvttsd2si64", _mm_cvttsd_si64(D(v))); V("cvtsd2ss", _mm_cvtsd_ss(F(v), D(v)));
    N("movmsk_pd", _mm_movemask_pd(D(v))); N("pmovmskb", _mm_movemask_epi8(I(v)));
  }
  V("max_pd", _mm_max_pd(D(0), D(1))); V("min_pd", _mm_min_pd(D(1), D(2)));
  V("max_sd", _mm_max_sd(D(2), D(3))); V("min_sd", _mm_min_sd(D(3), D(0)));
  V("cmp_sd", _mm_cmpunord_sd(D(0), D(2))); V("cmpge_sd", _mm_cmpge_sd(D(1), D(0)));
  V("packssdw", _mm_packs_epi32(I(0), I(1))); V("packsswb", _mm_packs_epi16(I(1), I(2)));
  V("packuswb", _mm_packus_epi16(I(2), I(3)));
  V("pavg_b", _mm_avg_epu8(I(0), I(1))); V("pavg_w", _mm_avg_epu16(I(2), I(3)));
  V("pmulh_w", _mm_mulhi_epi16(I(0), I(1))); V("pmulhu_w", _mm_mulhi_epu16(I(0), I(1)));
  V("psad_bw", _mm_sad_epu8(I(0), I(1))); V("pmadd_wd", _mm_madd_epi16(I(2), I(3)));
  int counts[] = {0, 1, 7, 15, 16, 31, 33, 63, 64, 200};
  for (int k = 0; k < 10; k++) {
    int n = counts[k] + sh;
    __m128i c = _mm_cvtsi32_si128(n);
    V("psll_d", _mm_sll_epi32(I(0), c)); V("psll_q", _mm_sll_epi64(I(1), c)); V("psll_w", _mm_sll_epi16(I(2), c));
    V("psra_d", _mm_sra_epi32(I(3), c)); V("psra_w", _mm_sra_epi16(I(0), c)); V("psrl_d", _mm_srl_epi32(I(1), c));
    V("psrl_q", _mm_srl_epi64(I(2), c)); V("psrl_w", _mm_srl_epi16(I(3), c));
    V("pslli_d", _mm_slli_epi32(I(0), n)); V("pslli_q", _mm_slli_epi64(I(1), n)); V("pslli_w", _mm_slli_epi16(I(2), n));
    V("psrai_d", _mm_srai_epi32(I(3), n)); V("psrai_w", _mm_srai_epi16(I(0), n)); V("psrli_d", _mm_srli_epi32(I(1), n));
    V("psrli_q", _mm_srli_epi64(I(2), n)); V("psrli_w", _mm_srli_epi16(I(3), n));
  }
  V("pslli_w7", _mm_slli_epi16(I(1), 7)); V("psrai_d40", _mm_srai_epi32(I(2), 40));
}

static void sse3_ssse3(void) {
  V("addsub_pd", _mm_addsub_pd(D(0), D(1))); V("addsub_ps", _mm_addsub_ps(F(0), F(1)));
  V("hadd_pd", _mm_hadd_pd(D(1), D(3))); V("hadd_ps", _mm_hadd_ps(F(0), F(3)));
  V("hsub_pd", _mm_hsub_pd(D(0), D(1))); V("hsub_ps", _mm_hsub_ps(F(1), F(2)));
  V("ldu_dq", _mm_lddqu_si128((const __m128i*)(bytes[1] + 3)));
  V("phadd_d", _mm_hadd_epi32(I(0), I(1))); V("phadd_w", _mm_hadd_epi16(I(1), I(2)));
  V("phadd_sw", _mm_hadds_epi16(I(2), I(3))); V("phsub_d", _mm_hsub_epi32(I(3), I(0)));
  V("phsub_w", _mm_hsub_epi16(I(0), I(2))); V("phsub_sw", _mm_hsubs_epi16(I(1), I(3)));
  V("pmadd_ub_sw", _mm_maddubs_epi16(I(0), I(1))); V("pmul_hr_sw", _mm_mulhrs_epi16(I(2), I(3)));
  V("pshuf_b", _mm_shuffle_epi8(I(0), I(1))); V("psign_b", _mm_sign_epi8(I(1), I(2)));
  V("psign_d", _mm_sign_epi32(I(2), I(3))); V("psign_w", _mm_sign_epi16(I(3), I(0)));
}

static void sse41(void) {
  V("blendvpd", _mm_blendv_pd(D(0), D(1), D(2))); V("blendvps", _mm_blendv_ps(F(0), F(1), F(2)));
  V("pblendvb", _mm_blendv_epi8(I(0), I(1), I(2))); V("packusdw", _mm_packus_epi32(I(3), I(0)));
  V("phminposuw", _mm_minpos_epu16(I(1)));
  N("ptestc", _mm_testc_si128(I(0), I(1))); N("ptestnzc", _mm_testnzc_si128(I(0), I(1)));
  N("ptestz", _mm_testz_si128(I(0), _mm_andnot_si128(I(0), I(1))));
  N("ptestc_self", _mm_testc_si128(I(2), I(2)));
  V("dppd", _mm_dp_pd(D(0), D(3), 0x31)); V("dppd2", _mm_dp_pd(D(1), D(3), 0xf2));
  V("dpps", _mm_dp_ps(F(0), F(1), 0xff)); V("dpps2", _mm_dp_ps(F(1), F(3), 0x5a));
  V("insertps", _mm_insert_ps(F(0), F(1), 0x1c)); V("insertps2", _mm_insert_ps(F(2), F(3), 0xb3));
  V("mpsadbw", _mm_mpsadbw_epu8(I(0), I(1), 5)); V("mpsadbw2", _mm_mpsadbw_epu8(I(2), I(3), 2));
  for (int v = 0; v < 4; v++) {
    V("round_pd_near", _mm_round_pd(D(v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    V("round_pd_floor", _mm_round_pd(D(v), _MM_FROUND_FLOOR)); V("round_ps_ceil", _mm_round_ps(F(v), _MM_FROUND_CEIL));
    V("round_ps_trunc", _mm_round_ps(F(v), _MM_FROUND_TRUNC)); V("round_ps_cur", _mm_round_ps(F(v), _MM_FROUND_CUR_DIRECTION));
    V("round_sd", _mm_round_sd(D(v), D(3 - v), _MM_FROUND_FLOOR)); V("round_ss", _mm_round_ss(F(v), F(3 - v), _MM_FROUND_CEIL));
  }
}

static void sse42(void) {
  uint32_t crc = 0xffffffffu;
  for (int i = 0; i < 16; i++) crc = _mm_crc32_u8(crc, bytes[0][i]);
  N("crc32_8", crc);
  N("crc32_16", _mm_crc32_u16(crc, 0xbeef)); N("crc32_32", _mm_crc32_u32(crc, 0xdeadbeef));
  N("crc32_64", _mm_crc32_u64(crc, 0x0123456789abcdefull));
  char hay[17] = "the cat sat on a", needle[17] = "at";
  __m128i h = _mm_loadu_si128((const __m128i*)hay), nd = _mm_loadu_si128((const __m128i*)needle);
  __m128i set = _mm_loadu_si128((const __m128i*)"aeiou\0\0\0\0\0\0\0\0\0\0\0");
  N("pcmpistri", _mm_cmpistri(nd, h, _SIDD_CMP_EQUAL_ORDERED));
  N("pcmpistri_any", _mm_cmpistri(set, h, _SIDD_CMP_EQUAL_ANY | _SIDD_MOST_SIGNIFICANT));
  N("pcmpistria", _mm_cmpistra(set, h, _SIDD_CMP_EQUAL_ANY)); N("pcmpistric", _mm_cmpistrc(set, h, _SIDD_CMP_EQUAL_ANY));
  N("pcmpistrio", _mm_cmpistro(set, h, _SIDD_CMP_EQUAL_ANY)); N("pcmpistris", _mm_cmpistrs(set, h, _SIDD_CMP_EQUAL_ANY));
  N("pcmpistriz", _mm_cmpistrz(set, h, _SIDD_CMP_EQUAL_ANY));
  V("pcmpistrm", _mm_cmpistrm(set, h, _SIDD_CMP_EQUAL_ANY | _SIDD_UNIT_MASK));
  V("pcmpistrm_ranges", _mm_cmpistrm(_mm_loadu_si128((const __m128i*)"az\0\0\0\0\0\0\0\0\0\0\0\0\0\0"), h, _SIDD_CMP_RANGES));
  N("pcmpestri", _mm_cmpestri(nd, 2, h, 16, _SIDD_CMP_EQUAL_ORDERED));
  N("pcmpestria", _mm_cmpestra(set, 5, h, 9, _SIDD_CMP_EQUAL_ANY)); N("pcmpestric", _mm_cmpestrc(set, 5, h, 9, _SIDD_CMP_EQUAL_ANY));
  N("pcmpestrio", _mm_cmpestro(set, 5, h, 9, _SIDD_CMP_EQUAL_ANY)); N("pcmpestris", _mm_cmpestrs(set, 5, h, 9, _SIDD_CMP_EQUAL_ANY));
  N("pcmpestriz", _mm_cmpestrz(set, 5, h, 9, _SIDD_CMP_EQUAL_ANY));
  V("pcmpestrm", _mm_cmpestrm(I(0), 8, I(1), 12, _SIDD_UWORD_OPS | _SIDD_CMP_EQUAL_EACH | _SIDD_NEGATIVE_POLARITY));
}

int main(int argc, char** argv) {
  (void)argv;
  for (unsigned seed = 1; seed <= 3; seed++) {
    fill(seed * 7 + (unsigned)argc - 1);
    printf("seed %u\n", seed);
    sse(argc - 1);
    sse2(argc - 1);
    sse3_ssse3();
    sse41();
    sse42();
  }
  return 0;
}
#pragma clang attribute pop
