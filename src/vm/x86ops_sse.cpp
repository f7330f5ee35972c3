// Kernels of the SSE to SSE4.2 intrinsics (x86ops.h).
// Every function defined here is built for SSE4.2 and POPCNT: a target attribute rather than a compile
// option, so that every build of these sources (the fuzz target's too) gets it, and the headers
// come first so that their inline functions do not.
#include <immintrin.h>

#include <array>
#include <cstring>
#include <type_traits>
#include <utility>

#include "vm/code.h"

#pragma clang attribute push(__attribute__((target("sse4.2,popcnt"))), apply_to = function)
#define BF_X86_KERNELS
#include "vm/x86ops.h"

namespace bf::vm {
namespace {

I128 count(uint32_t n) { return _mm_cvtsi32_si128(int(n)); }  // a shift count as psll's operand

// SSE
BF_K2(max_ps, F128, F128, F128, _mm_max_ps(a, b))
BF_K2(min_ps, F128, F128, F128, _mm_min_ps(a, b))
BF_K2(max_ss, F128, F128, F128, _mm_max_ss(a, b))
BF_K2(min_ss, F128, F128, F128, _mm_min_ss(a, b))
BF_K1(rcp_ps, F128, F128, _mm_rcp_ps(a))
BF_K1(rcp_ss, F128, F128, _mm_rcp_ss(a))
BF_K1(rsqrt_ps, F128, F128, _mm_rsqrt_ps(a))
BF_K1(rsqrt_ss, F128, F128, _mm_rsqrt_ss(a))
BF_KI2(comieq_ss, F128, F128, _mm_comieq_ss(a, b))
BF_KI2(comige_ss, F128, F128, _mm_comige_ss(a, b))
BF_KI2(comigt_ss, F128, F128, _mm_comigt_ss(a, b))
BF_KI2(comile_ss, F128, F128, _mm_comile_ss(a, b))
BF_KI2(comilt_ss, F128, F128, _mm_comilt_ss(a, b))
BF_KI2(comineq_ss, F128, F128, _mm_comineq_ss(a, b))
BF_KI2(ucomieq_ss, F128, F128, _mm_ucomieq_ss(a, b))
BF_KI2(ucomige_ss, F128, F128, _mm_ucomige_ss(a, b))
BF_KI2(ucomigt_ss, F128, F128, _mm_ucomigt_ss(a, b))
BF_KI2(ucomile_ss, F128, F128, _mm_ucomile_ss(a, b))
BF_KI2(ucomilt_ss, F128, F128, _mm_ucomilt_ss(a, b))
BF_KI2(ucomineq_ss, F128, F128, _mm_ucomineq_ss(a, b))
BF_KI1(cvtss2si, F128, uint32_t(_mm_cvtss_si32(a)))
BF_KI1(cvttss2si, F128, uint32_t(_mm_cvttss_si32(a)))
BF_KI1(cvtss2si64, F128, _mm_cvtss_si64(a))
BF_KI1(cvttss2si64, F128, _mm_cvttss_si64(a))
BF_KI1(movmsk_ps, F128, uint32_t(_mm_movemask_ps(a)))

// SSE2
BF_KI2(comieq_sd, D128, D128, _mm_comieq_sd(a, b))
BF_KI2(comige_sd, D128, D128, _mm_comige_sd(a, b))
BF_KI2(comigt_sd, D128, D128, _mm_comigt_sd(a, b))
BF_KI2(comile_sd, D128, D128, _mm_comile_sd(a, b))
BF_KI2(comilt_sd, D128, D128, _mm_comilt_sd(a, b))
BF_KI2(comineq_sd, D128, D128, _mm_comineq_sd(a, b))
BF_KI2(ucomieq_sd, D128, D128, _mm_ucomieq_sd(a, b))
BF_KI2(ucomige_sd, D128, D128, _mm_ucomige_sd(a, b))
BF_KI2(ucomigt_sd, D128, D128, _mm_ucomigt_sd(a, b))
BF_KI2(ucomile_sd, D128, D128, _mm_ucomile_sd(a, b))
BF_KI2(ucomilt_sd, D128, D128, _mm_ucomilt_sd(a, b))
BF_KI2(ucomineq_sd, D128, D128, _mm_ucomineq_sd(a, b))
BF_K1(cvtpd2dq, I128, D128, _mm_cvtpd_epi32(a))
BF_K1(cvtpd2ps, F128, D128, _mm_cvtpd_ps(a))
BF_K1(cvtps2dq, I128, F128, _mm_cvtps_epi32(a))
BF_K1(cvttpd2dq, I128, D128, _mm_cvttpd_epi32(a))
BF_K1(cvttps2dq, I128, F128, _mm_cvttps_epi32(a))
BF_KI1(cvtsd2si, D128, uint32_t(_mm_cvtsd_si32(a)))
BF_KI1(cvttsd2si, D128, uint32_t(_mm_cvttsd_si32(a)))
BF_KI1(cvtsd2si64, D128, _mm_cvtsd_si64(a))
BF_KI1(cvttsd2si64, D128, _mm_cvttsd_si64(a))
BF_K2(cvtsd2ss, F128, F128, D128, _mm_cvtsd_ss(a, b))
BF_K2(max_pd, D128, D128, D128, _mm_max_pd(a, b))
BF_K2(min_pd, D128, D128, D128, _mm_min_pd(a, b))
BF_K2(max_sd, D128, D128, D128, _mm_max_sd(a, b))
BF_K2(min_sd, D128, D128, D128, _mm_min_sd(a, b))
BF_KI1(movmsk_pd, D128, uint32_t(_mm_movemask_pd(a)))
BF_KI1(pmovmskb_128, I128, uint32_t(_mm_movemask_epi8(a)))
BF_K2(packssdw_128, I128, I128, I128, _mm_packs_epi32(a, b))
BF_K2(packsswb_128, I128, I128, I128, _mm_packs_epi16(a, b))
BF_K2(packuswb_128, I128, I128, I128, _mm_packus_epi16(a, b))
BF_K2(pavg_b, I128, I128, I128, _mm_avg_epu8(a, b))
BF_K2(pavg_w, I128, I128, I128, _mm_avg_epu16(a, b))
BF_K2(pmulh_w, I128, I128, I128, _mm_mulhi_epi16(a, b))
BF_K2(pmulhu_w, I128, I128, I128, _mm_mulhi_epu16(a, b))
BF_K2(psad_bw, I128, I128, I128, _mm_sad_epu8(a, b))
BF_K2(psll_d, I128, I128, I128, _mm_sll_epi32(a, b))
BF_K2(psll_q, I128, I128, I128, _mm_sll_epi64(a, b))
BF_K2(psll_w, I128, I128, I128, _mm_sll_epi16(a, b))
BF_K2(psra_d, I128, I128, I128, _mm_sra_epi32(a, b))
BF_K2(psra_w, I128, I128, I128, _mm_sra_epi16(a, b))
BF_K2(psrl_d, I128, I128, I128, _mm_srl_epi32(a, b))
BF_K2(psrl_q, I128, I128, I128, _mm_srl_epi64(a, b))
BF_K2(psrl_w, I128, I128, I128, _mm_srl_epi16(a, b))
BF_K2(pslli_d, I128, I128, uint32_t, _mm_sll_epi32(a, count(b)))
BF_K2(pslli_q, I128, I128, uint32_t, _mm_sll_epi64(a, count(b)))
BF_K2(pslli_w, I128, I128, uint32_t, _mm_sll_epi16(a, count(b)))
BF_K2(psrai_d, I128, I128, uint32_t, _mm_sra_epi32(a, count(b)))
BF_K2(psrai_w, I128, I128, uint32_t, _mm_sra_epi16(a, count(b)))
BF_K2(psrli_d, I128, I128, uint32_t, _mm_srl_epi32(a, count(b)))
BF_K2(psrli_q, I128, I128, uint32_t, _mm_srl_epi64(a, count(b)))
BF_K2(psrli_w, I128, I128, uint32_t, _mm_srl_epi16(a, count(b)))

// SSE3
BF_K2(addsub_pd, D128, D128, D128, _mm_addsub_pd(a, b))
BF_K2(addsub_ps, F128, F128, F128, _mm_addsub_ps(a, b))
BF_K2(hadd_pd, D128, D128, D128, _mm_hadd_pd(a, b))
BF_K2(hadd_ps, F128, F128, F128, _mm_hadd_ps(a, b))
BF_K2(hsub_pd, D128, D128, D128, _mm_hsub_pd(a, b))
BF_K2(hsub_ps, F128, F128, F128, _mm_hsub_ps(a, b))
BF_K1(ldu_dq, I128, const I128*, _mm_lddqu_si128(a))

// SSSE3
BF_K2(phadd_d, I128, I128, I128, _mm_hadd_epi32(a, b))
BF_K2(phadd_w, I128, I128, I128, _mm_hadd_epi16(a, b))
BF_K2(phadd_sw, I128, I128, I128, _mm_hadds_epi16(a, b))
BF_K2(phsub_d, I128, I128, I128, _mm_hsub_epi32(a, b))
BF_K2(phsub_w, I128, I128, I128, _mm_hsub_epi16(a, b))
BF_K2(phsub_sw, I128, I128, I128, _mm_hsubs_epi16(a, b))
BF_K2(pmul_hr_sw, I128, I128, I128, _mm_mulhrs_epi16(a, b))
BF_K2(pshuf_b, I128, I128, I128, _mm_shuffle_epi8(a, b))
BF_K2(psign_d, I128, I128, I128, _mm_sign_epi32(a, b))
BF_K2(psign_w, I128, I128, I128, _mm_sign_epi16(a, b))

// SSE4.1
BF_K3(blendvpd, D128, D128, D128, D128, _mm_blendv_pd(a, b, c))
BF_K3(blendvps, F128, F128, F128, F128, _mm_blendv_ps(a, b, c))
BF_K3(pblendvb, I128, I128, I128, I128, _mm_blendv_epi8(a, b, c))
BF_K2(packusdw, I128, I128, I128, _mm_packus_epi32(a, b))
BF_K1(phminposuw, I128, I128, _mm_minpos_epu16(a))
BF_KI2(ptestc, I128, I128, _mm_testc_si128(a, b))
BF_KI2(ptestnzc, I128, I128, _mm_testnzc_si128(a, b))
BF_KI2(ptestz, I128, I128, _mm_testz_si128(a, b))
BF_KIMM(dppd, st(fp, in->d, _mm_dp_pd(ld<D128>(fp, in->a), ld<D128>(fp, in->b), I)))
BF_KIMM(dpps, st(fp, in->d, _mm_dp_ps(ld<F128>(fp, in->a), ld<F128>(fp, in->b), I)))
BF_KIMM(insertps, st(fp, in->d, _mm_insert_ps(ld<F128>(fp, in->a), ld<F128>(fp, in->b), I)))
BF_KIMM(mpsadbw, st(fp, in->d, _mm_mpsadbw_epu8(ld<I128>(fp, in->a), ld<I128>(fp, in->b), I)))
BF_KIMM(round_pd, st(fp, in->d, _mm_round_pd(ld<D128>(fp, in->a), I)))
BF_KIMM(round_ps, st(fp, in->d, _mm_round_ps(ld<F128>(fp, in->a), I)))
BF_KIMM(round_sd, st(fp, in->d, _mm_round_sd(ld<D128>(fp, in->a), ld<D128>(fp, in->b), I)))
BF_KIMM(round_ss, st(fp, in->d, _mm_round_ss(ld<F128>(fp, in->a), ld<F128>(fp, in->b), I)))
BF_IMM_TABLE(dppd, 256);
BF_IMM_TABLE(dpps, 256);
BF_IMM_TABLE(insertps, 256);
BF_IMM_TABLE(mpsadbw, 8);
BF_IMM_TABLE(round_pd, 16);
BF_IMM_TABLE(round_ps, 16);
BF_IMM_TABLE(round_sd, 16);
BF_IMM_TABLE(round_ss, 16);

// SSE4.2: crc32 and the string compares (implicit lengths: a, b; explicit: a, len b, c, len f)
BF_KI2(crc32_8, uint32_t, uint8_t, _mm_crc32_u8(a, b))
BF_KI2(crc32_16, uint32_t, uint16_t, _mm_crc32_u16(a, b))
BF_KI2(crc32_32, uint32_t, uint32_t, _mm_crc32_u32(a, b))
BF_KI2(crc32_64, uint64_t, uint64_t, _mm_crc32_u64(a, b))
#define BF_ISTR(name, fn)                                                                     \
  BF_KIMM(name, st_int(fp, in->d, uint32_t(fn(ld<I128>(fp, in->a), ld<I128>(fp, in->b), I)))) \
  BF_IMM_TABLE(name, 128);
#define BF_ESTR(name, fn)                                                                      \
  BF_KIMM(name, st_int(fp, in->d, uint32_t(fn(ld<I128>(fp, in->a), ld<int>(fp, in->b),        \
                                              ld<I128>(fp, in->c), ld<int>(fp, in->f), I)))) \
  BF_IMM_TABLE(name, 128);
BF_ISTR(pcmpistri, _mm_cmpistri)
BF_ISTR(pcmpistria, _mm_cmpistra)
BF_ISTR(pcmpistric, _mm_cmpistrc)
BF_ISTR(pcmpistrio, _mm_cmpistro)
BF_ISTR(pcmpistris, _mm_cmpistrs)
BF_ISTR(pcmpistriz, _mm_cmpistrz)
BF_ESTR(pcmpestri, _mm_cmpestri)
BF_ESTR(pcmpestria, _mm_cmpestra)
BF_ESTR(pcmpestric, _mm_cmpestrc)
BF_ESTR(pcmpestrio, _mm_cmpestro)
BF_ESTR(pcmpestris, _mm_cmpestrs)
BF_ESTR(pcmpestriz, _mm_cmpestrz)
BF_KIMM(pcmpistrm, st(fp, in->d, _mm_cmpistrm(ld<I128>(fp, in->a), ld<I128>(fp, in->b), I)))
BF_KIMM(pcmpestrm, st(fp, in->d, _mm_cmpestrm(ld<I128>(fp, in->a), ld<int>(fp, in->b), ld<I128>(fp, in->c),
                                              ld<int>(fp, in->f), I)))
BF_IMM_TABLE(pcmpistrm, 128);
BF_IMM_TABLE(pcmpestrm, 128);

}  // namespace

#define K(name, fn) {name, &fn, nullptr, 0}
#define KT(name, table) {name, nullptr, table##_table.data(), uint16_t(table##_table.size())}
const X86Kernel kX86SseKernels[] = {
    K("sse.max.ps", max_ps), K("sse.min.ps", min_ps), K("sse.max.ss", max_ss), K("sse.min.ss", min_ss),
    K("sse.rcp.ps", rcp_ps), K("sse.rcp.ss", rcp_ss), K("sse.rsqrt.ps", rsqrt_ps), K("sse.rsqrt.ss", rsqrt_ss),
    K("sse.comieq.ss", comieq_ss), K("sse.comige.ss", comige_ss), K("sse.comigt.ss", comigt_ss),
    K("sse.comile.ss", comile_ss), K("sse.comilt.ss", comilt_ss), K("sse.comineq.ss", comineq_ss),
    K("sse.ucomieq.ss", ucomieq_ss), K("sse.ucomige.ss", ucomige_ss), K("sse.ucomigt.ss", ucomigt_ss),
    K("sse.ucomile.ss", ucomile_ss), K("sse.ucomilt.ss", ucomilt_ss), K("sse.ucomineq.ss", ucomineq_ss),
    K("sse.cvtss2si", cvtss2si), K("sse.cvttss2si", cvttss2si), K("sse.cvtss2si64", cvtss2si64),
    K("sse.cvttss2si64", cvttss2si64), K("sse.movmsk.ps", movmsk_ps),
    K("sse2.comieq.sd", comieq_sd), K("sse2.comige.sd", comige_sd), K("sse2.comigt.sd", comigt_sd),
    K("sse2.comile.sd", comile_sd), K("sse2.comilt.sd", comilt_sd), K("sse2.comineq.sd", comineq_sd),
    K("sse2.ucomieq.sd", ucomieq_sd), K("sse2.ucomige.sd", ucomige_sd), K("sse2.ucomigt.sd", ucomigt_sd),
    K("sse2.ucomile.sd", ucomile_sd), K("sse2.ucomilt.sd", ucomilt_sd), K("sse2.ucomineq.sd", ucomineq_sd),
    K("sse2.cvtpd2dq", cvtpd2dq), K("sse2.cvtpd2ps", cvtpd2ps), K("sse2.cvtps2dq", cvtps2dq),
    K("sse2.cvttpd2dq", cvttpd2dq), K("sse2.cvttps2dq", cvttps2dq), K("sse2.cvtsd2si", cvtsd2si),
    K("sse2.cvttsd2si", cvttsd2si), K("sse2.cvtsd2si64", cvtsd2si64), K("sse2.cvttsd2si64", cvttsd2si64),
    K("sse2.cvtsd2ss", cvtsd2ss), K("sse2.max.pd", max_pd), K("sse2.min.pd", min_pd),
    K("sse2.max.sd", max_sd), K("sse2.min.sd", min_sd), K("sse2.movmsk.pd", movmsk_pd),
    K("sse2.pmovmskb.128", pmovmskb_128), K("sse2.packssdw.128", packssdw_128),
    K("sse2.packsswb.128", packsswb_128), K("sse2.packuswb.128", packuswb_128), K("sse2.pavg.b", pavg_b),
    K("sse2.pavg.w", pavg_w), K("sse2.pmulh.w", pmulh_w), K("sse2.pmulhu.w", pmulhu_w),
    K("sse2.psad.bw", psad_bw), K("sse2.psll.d", psll_d), K("sse2.psll.q", psll_q), K("sse2.psll.w", psll_w),
    K("sse2.psra.d", psra_d), K("sse2.psra.w", psra_w), K("sse2.psrl.d", psrl_d), K("sse2.psrl.q", psrl_q),
    K("sse2.psrl.w", psrl_w), K("sse2.pslli.d", pslli_d), K("sse2.pslli.q", pslli_q),
    K("sse2.pslli.w", pslli_w), K("sse2.psrai.d", psrai_d), K("sse2.psrai.w", psrai_w),
    K("sse2.psrli.d", psrli_d), K("sse2.psrli.q", psrli_q), K("sse2.psrli.w", psrli_w),
    K("sse3.addsub.pd", addsub_pd), K("sse3.addsub.ps", addsub_ps), K("sse3.hadd.pd", hadd_pd),
    K("sse3.hadd.ps", hadd_ps), K("sse3.hsub.pd", hsub_pd), K("sse3.hsub.ps", hsub_ps),
    K("sse3.ldu.dq", ldu_dq),
    K("ssse3.phadd.d.128", phadd_d), K("ssse3.phadd.w.128", phadd_w), K("ssse3.phadd.sw.128", phadd_sw),
    K("ssse3.phsub.d.128", phsub_d), K("ssse3.phsub.w.128", phsub_w), K("ssse3.phsub.sw.128", phsub_sw),
    K("ssse3.pmul.hr.sw.128", pmul_hr_sw), K("ssse3.pshuf.b.128", pshuf_b),
    K("ssse3.psign.d.128", psign_d), K("ssse3.psign.w.128", psign_w),
    K("sse41.blendvpd", blendvpd), K("sse41.blendvps", blendvps), K("sse41.pblendvb", pblendvb),
    K("sse41.packusdw", packusdw), K("sse41.phminposuw", phminposuw), K("sse41.ptestc", ptestc),
    K("sse41.ptestnzc", ptestnzc), K("sse41.ptestz", ptestz), KT("sse41.dppd", dppd), KT("sse41.dpps", dpps),
    KT("sse41.insertps", insertps), KT("sse41.mpsadbw", mpsadbw), KT("sse41.round.pd", round_pd),
    KT("sse41.round.ps", round_ps), KT("sse41.round.sd", round_sd), KT("sse41.round.ss", round_ss),
    K("sse42.crc32.32.8", crc32_8), K("sse42.crc32.32.16", crc32_16), K("sse42.crc32.32.32", crc32_32),
    K("sse42.crc32.64.64", crc32_64),
    KT("sse42.pcmpistri128", pcmpistri), KT("sse42.pcmpistria128", pcmpistria),
    KT("sse42.pcmpistric128", pcmpistric), KT("sse42.pcmpistrio128", pcmpistrio),
    KT("sse42.pcmpistris128", pcmpistris), KT("sse42.pcmpistriz128", pcmpistriz),
    KT("sse42.pcmpestri128", pcmpestri), KT("sse42.pcmpestria128", pcmpestria),
    KT("sse42.pcmpestric128", pcmpestric), KT("sse42.pcmpestrio128", pcmpestrio),
    KT("sse42.pcmpestris128", pcmpestris), KT("sse42.pcmpestriz128", pcmpestriz),
    KT("sse42.pcmpistrm128", pcmpistrm), KT("sse42.pcmpestrm128", pcmpestrm),
};
const unsigned kX86SseKernelCount = sizeof kX86SseKernels / sizeof kX86SseKernels[0];

}  // namespace bf::vm
#pragma clang attribute pop
