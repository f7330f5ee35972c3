// Kernels of the AVX, AVX2, FMA and F16C intrinsics (x86ops.h).
// Every function defined here is built for AVX2, FMA and F16C: a target attribute rather than a compile
// option, so that every build of these sources (the fuzz target's too) gets it, and the headers
// come first so that their inline functions do not.
#include <immintrin.h>

#include <array>
#include <cstring>
#include <type_traits>
#include <utility>

#include "vm/code.h"

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#define BF_X86_KERNELS
#include "vm/x86ops.h"

namespace bf::vm {
namespace {

using I256 = __m256i;
using F256 = __m256;
using D256 = __m256d;

I128 count(uint32_t n) { return _mm_cvtsi32_si128(int(n)); }

// AVX
BF_K2(addsub_pd256, D256, D256, D256, _mm256_addsub_pd(a, b))
BF_K2(addsub_ps256, F256, F256, F256, _mm256_addsub_ps(a, b))
BF_K3(blendv_pd256, D256, D256, D256, D256, _mm256_blendv_pd(a, b, c))
BF_K3(blendv_ps256, F256, F256, F256, F256, _mm256_blendv_ps(a, b, c))
BF_K1(cvt_pd2_ps256, F128, D256, _mm256_cvtpd_ps(a))
BF_K1(cvt_pd2dq256, I128, D256, _mm256_cvtpd_epi32(a))
BF_K1(cvt_ps2dq256, I256, F256, _mm256_cvtps_epi32(a))
BF_K1(cvtt_pd2dq256, I128, D256, _mm256_cvttpd_epi32(a))
BF_K1(cvtt_ps2dq256, I256, F256, _mm256_cvttps_epi32(a))
BF_K2(hadd_pd256, D256, D256, D256, _mm256_hadd_pd(a, b))
BF_K2(hadd_ps256, F256, F256, F256, _mm256_hadd_ps(a, b))
BF_K2(hsub_pd256, D256, D256, D256, _mm256_hsub_pd(a, b))
BF_K2(hsub_ps256, F256, F256, F256, _mm256_hsub_ps(a, b))
BF_K1(ldu_dq256, I256, const I256*, _mm256_lddqu_si256(a))
BF_K2(max_pd256, D256, D256, D256, _mm256_max_pd(a, b))
BF_K2(max_ps256, F256, F256, F256, _mm256_max_ps(a, b))
BF_K2(min_pd256, D256, D256, D256, _mm256_min_pd(a, b))
BF_K2(min_ps256, F256, F256, F256, _mm256_min_ps(a, b))
BF_KI1(movmsk_pd256, D256, uint32_t(_mm256_movemask_pd(a)))
BF_KI1(movmsk_ps256, F256, uint32_t(_mm256_movemask_ps(a)))
BF_KI2(ptestc256, I256, I256, _mm256_testc_si256(a, b))
BF_KI2(ptestnzc256, I256, I256, _mm256_testnzc_si256(a, b))
BF_KI2(ptestz256, I256, I256, _mm256_testz_si256(a, b))
BF_K1(rcp_ps256, F256, F256, _mm256_rcp_ps(a))
BF_K1(rsqrt_ps256, F256, F256, _mm256_rsqrt_ps(a))
BF_K2(vpermilvar_pd, D128, D128, I128, _mm_permutevar_pd(a, b))
BF_K2(vpermilvar_pd256, D256, D256, I256, _mm256_permutevar_pd(a, b))
BF_K2(vpermilvar_ps, F128, F128, I128, _mm_permutevar_ps(a, b))
BF_K2(vpermilvar_ps256, F256, F256, I256, _mm256_permutevar_ps(a, b))
BF_KI2(vtestc_pd, D128, D128, _mm_testc_pd(a, b))
BF_KI2(vtestc_pd256, D256, D256, _mm256_testc_pd(a, b))
BF_KI2(vtestc_ps, F128, F128, _mm_testc_ps(a, b))
BF_KI2(vtestc_ps256, F256, F256, _mm256_testc_ps(a, b))
BF_KI2(vtestnzc_pd, D128, D128, _mm_testnzc_pd(a, b))
BF_KI2(vtestnzc_pd256, D256, D256, _mm256_testnzc_pd(a, b))
BF_KI2(vtestnzc_ps, F128, F128, _mm_testnzc_ps(a, b))
BF_KI2(vtestnzc_ps256, F256, F256, _mm256_testnzc_ps(a, b))
BF_KI2(vtestz_pd, D128, D128, _mm_testz_pd(a, b))
BF_KI2(vtestz_pd256, D256, D256, _mm256_testz_pd(a, b))
BF_KI2(vtestz_ps, F128, F128, _mm_testz_ps(a, b))
BF_KI2(vtestz_ps256, F256, F256, _mm256_testz_ps(a, b))
BF_KIMM(dp_ps256, st(fp, in->d, _mm256_dp_ps(ld<F256>(fp, in->a), ld<F256>(fp, in->b), I)))
BF_KIMM(round_pd256, st(fp, in->d, _mm256_round_pd(ld<D256>(fp, in->a), I)))
BF_KIMM(round_ps256, st(fp, in->d, _mm256_round_ps(ld<F256>(fp, in->a), I)))
// SSE's and SSE2's compares of the low element, with AVX's 32 predicates.
BF_KIMM(cmp_ss, st(fp, in->d, _mm_cmp_ss(ld<F128>(fp, in->a), ld<F128>(fp, in->b), I)))
BF_KIMM(cmp_sd, st(fp, in->d, _mm_cmp_sd(ld<D128>(fp, in->a), ld<D128>(fp, in->b), I)))
BF_IMM_TABLE(dp_ps256, 256);
BF_IMM_TABLE(round_pd256, 16);
BF_IMM_TABLE(round_ps256, 16);
BF_IMM_TABLE(cmp_ss, 32);
BF_IMM_TABLE(cmp_sd, 32);

// AVX2
BF_K2(packssdw, I256, I256, I256, _mm256_packs_epi32(a, b))
BF_K2(packsswb, I256, I256, I256, _mm256_packs_epi16(a, b))
BF_K2(packusdw, I256, I256, I256, _mm256_packus_epi32(a, b))
BF_K2(packuswb, I256, I256, I256, _mm256_packus_epi16(a, b))
BF_K2(pavg_b, I256, I256, I256, _mm256_avg_epu8(a, b))
BF_K2(pavg_w, I256, I256, I256, _mm256_avg_epu16(a, b))
BF_K3(pblendvb, I256, I256, I256, I256, _mm256_blendv_epi8(a, b, c))
BF_K2(permd, I256, I256, I256, _mm256_permutevar8x32_epi32(a, b))
BF_K2(permps, F256, F256, I256, _mm256_permutevar8x32_ps(a, b))
BF_K2(phadd_d, I256, I256, I256, _mm256_hadd_epi32(a, b))
BF_K2(phadd_w, I256, I256, I256, _mm256_hadd_epi16(a, b))
BF_K2(phadd_sw, I256, I256, I256, _mm256_hadds_epi16(a, b))
BF_K2(phsub_d, I256, I256, I256, _mm256_hsub_epi32(a, b))
BF_K2(phsub_w, I256, I256, I256, _mm256_hsub_epi16(a, b))
BF_K2(phsub_sw, I256, I256, I256, _mm256_hsubs_epi16(a, b))
BF_KI1(pmovmskb, I256, uint32_t(_mm256_movemask_epi8(a)))
BF_K2(pmul_hr_sw, I256, I256, I256, _mm256_mulhrs_epi16(a, b))
BF_K2(pmulh_w, I256, I256, I256, _mm256_mulhi_epi16(a, b))
BF_K2(pmulhu_w, I256, I256, I256, _mm256_mulhi_epu16(a, b))
BF_K2(psad_bw, I256, I256, I256, _mm256_sad_epu8(a, b))
BF_K2(pshuf_b, I256, I256, I256, _mm256_shuffle_epi8(a, b))
BF_K2(psign_d, I256, I256, I256, _mm256_sign_epi32(a, b))
BF_K2(psign_w, I256, I256, I256, _mm256_sign_epi16(a, b))
BF_K2(psll_d, I256, I256, I128, _mm256_sll_epi32(a, b))
BF_K2(psll_q, I256, I256, I128, _mm256_sll_epi64(a, b))
BF_K2(psll_w, I256, I256, I128, _mm256_sll_epi16(a, b))
BF_K2(psra_d, I256, I256, I128, _mm256_sra_epi32(a, b))
BF_K2(psra_w, I256, I256, I128, _mm256_sra_epi16(a, b))
BF_K2(psrl_d, I256, I256, I128, _mm256_srl_epi32(a, b))
BF_K2(psrl_q, I256, I256, I128, _mm256_srl_epi64(a, b))
BF_K2(psrl_w, I256, I256, I128, _mm256_srl_epi16(a, b))
BF_K2(pslli_d, I256, I256, uint32_t, _mm256_sll_epi32(a, count(b)))
BF_K2(pslli_q, I256, I256, uint32_t, _mm256_sll_epi64(a, count(b)))
BF_K2(pslli_w, I256, I256, uint32_t, _mm256_sll_epi16(a, count(b)))
BF_K2(psrai_d, I256, I256, uint32_t, _mm256_sra_epi32(a, count(b)))
BF_K2(psrai_w, I256, I256, uint32_t, _mm256_sra_epi16(a, count(b)))
BF_K2(psrli_d, I256, I256, uint32_t, _mm256_srl_epi32(a, count(b)))
BF_K2(psrli_q, I256, I256, uint32_t, _mm256_srl_epi64(a, count(b)))
BF_K2(psrli_w, I256, I256, uint32_t, _mm256_srl_epi16(a, count(b)))
BF_K2(psllv_d, I128, I128, I128, _mm_sllv_epi32(a, b))
BF_K2(psllv_d256, I256, I256, I256, _mm256_sllv_epi32(a, b))
BF_K2(psllv_q, I128, I128, I128, _mm_sllv_epi64(a, b))
BF_K2(psllv_q256, I256, I256, I256, _mm256_sllv_epi64(a, b))
BF_K2(psrav_d, I128, I128, I128, _mm_srav_epi32(a, b))
BF_K2(psrav_d256, I256, I256, I256, _mm256_srav_epi32(a, b))
BF_K2(psrlv_d, I128, I128, I128, _mm_srlv_epi32(a, b))
BF_K2(psrlv_d256, I256, I256, I256, _mm256_srlv_epi32(a, b))
BF_K2(psrlv_q, I128, I128, I128, _mm_srlv_epi64(a, b))
BF_K2(psrlv_q256, I256, I256, I256, _mm256_srlv_epi64(a, b))
BF_KIMM(mpsadbw, st(fp, in->d, _mm256_mpsadbw_epu8(ld<I256>(fp, in->a), ld<I256>(fp, in->b), I)))
BF_IMM_TABLE(mpsadbw, 64);

// FMA and F16C
BF_K3(vfmaddsub_pd, D128, D128, D128, D128, _mm_fmaddsub_pd(a, b, c))
BF_K3(vfmaddsub_pd256, D256, D256, D256, D256, _mm256_fmaddsub_pd(a, b, c))
BF_K3(vfmaddsub_ps, F128, F128, F128, F128, _mm_fmaddsub_ps(a, b, c))
BF_K3(vfmaddsub_ps256, F256, F256, F256, F256, _mm256_fmaddsub_ps(a, b, c))
BF_KIMM(vcvtps2ph128, st(fp, in->d, _mm_cvtps_ph(ld<F128>(fp, in->a), I)))
BF_KIMM(vcvtps2ph256, st(fp, in->d, _mm256_cvtps_ph(ld<F256>(fp, in->a), I)))
BF_IMM_TABLE(vcvtps2ph128, 8);
BF_IMM_TABLE(vcvtps2ph256, 8);

void nothing(uint8_t*, const Inst*) {}  // vzeroupper, vzeroall: no effect on IR values

}  // namespace

#define K(name, fn) {name, &fn, nullptr, 0}
#define KT(name, table) {name, nullptr, table##_table.data(), uint16_t(table##_table.size())}
#define G(name, E, I, R, N) {name, &gather<E, I, R, N>, nullptr, 0}
const X86Kernel kX86AvxKernels[] = {
    K("avx.addsub.pd.256", addsub_pd256), K("avx.addsub.ps.256", addsub_ps256),
    K("avx.blendv.pd.256", blendv_pd256), K("avx.blendv.ps.256", blendv_ps256),
    K("avx.cvt.pd2.ps.256", cvt_pd2_ps256), K("avx.cvt.pd2dq.256", cvt_pd2dq256),
    K("avx.cvt.ps2dq.256", cvt_ps2dq256), K("avx.cvtt.pd2dq.256", cvtt_pd2dq256),
    K("avx.cvtt.ps2dq.256", cvtt_ps2dq256), K("avx.hadd.pd.256", hadd_pd256), K("avx.hadd.ps.256", hadd_ps256),
    K("avx.hsub.pd.256", hsub_pd256), K("avx.hsub.ps.256", hsub_ps256), K("avx.ldu.dq.256", ldu_dq256),
    K("avx.max.pd.256", max_pd256), K("avx.max.ps.256", max_ps256), K("avx.min.pd.256", min_pd256),
    K("avx.min.ps.256", min_ps256), K("avx.movmsk.pd.256", movmsk_pd256), K("avx.movmsk.ps.256", movmsk_ps256),
    K("avx.ptestc.256", ptestc256), K("avx.ptestnzc.256", ptestnzc256), K("avx.ptestz.256", ptestz256),
    K("avx.rcp.ps.256", rcp_ps256), K("avx.rsqrt.ps.256", rsqrt_ps256),
    K("avx.vpermilvar.pd", vpermilvar_pd), K("avx.vpermilvar.pd.256", vpermilvar_pd256),
    K("avx.vpermilvar.ps", vpermilvar_ps), K("avx.vpermilvar.ps.256", vpermilvar_ps256),
    K("avx.vtestc.pd", vtestc_pd), K("avx.vtestc.pd.256", vtestc_pd256), K("avx.vtestc.ps", vtestc_ps),
    K("avx.vtestc.ps.256", vtestc_ps256), K("avx.vtestnzc.pd", vtestnzc_pd),
    K("avx.vtestnzc.pd.256", vtestnzc_pd256), K("avx.vtestnzc.ps", vtestnzc_ps),
    K("avx.vtestnzc.ps.256", vtestnzc_ps256), K("avx.vtestz.pd", vtestz_pd), K("avx.vtestz.pd.256", vtestz_pd256),
    K("avx.vtestz.ps", vtestz_ps), K("avx.vtestz.ps.256", vtestz_ps256), KT("avx.dp.ps.256", dp_ps256),
    KT("avx.round.pd.256", round_pd256), KT("avx.round.ps.256", round_ps256), KT("sse.cmp.ss", cmp_ss),
    KT("sse2.cmp.sd", cmp_sd), K("avx.vzeroupper", nothing), K("avx.vzeroall", nothing),
    K("avx2.packssdw", packssdw), K("avx2.packsswb", packsswb), K("avx2.packusdw", packusdw),
    K("avx2.packuswb", packuswb), K("avx2.pavg.b", pavg_b), K("avx2.pavg.w", pavg_w),
    K("avx2.pblendvb", pblendvb), K("avx2.permd", permd), K("avx2.permps", permps),
    K("avx2.phadd.d", phadd_d), K("avx2.phadd.w", phadd_w), K("avx2.phadd.sw", phadd_sw),
    K("avx2.phsub.d", phsub_d), K("avx2.phsub.w", phsub_w), K("avx2.phsub.sw", phsub_sw),
    K("avx2.pmovmskb", pmovmskb), K("avx2.pmul.hr.sw", pmul_hr_sw), K("avx2.pmulh.w", pmulh_w),
    K("avx2.pmulhu.w", pmulhu_w), K("avx2.psad.bw", psad_bw), K("avx2.pshuf.b", pshuf_b),
    K("avx2.psign.d", psign_d), K("avx2.psign.w", psign_w), K("avx2.psll.d", psll_d), K("avx2.psll.q", psll_q),
    K("avx2.psll.w", psll_w), K("avx2.psra.d", psra_d), K("avx2.psra.w", psra_w), K("avx2.psrl.d", psrl_d),
    K("avx2.psrl.q", psrl_q), K("avx2.psrl.w", psrl_w), K("avx2.pslli.d", pslli_d), K("avx2.pslli.q", pslli_q),
    K("avx2.pslli.w", pslli_w), K("avx2.psrai.d", psrai_d), K("avx2.psrai.w", psrai_w),
    K("avx2.psrli.d", psrli_d), K("avx2.psrli.q", psrli_q), K("avx2.psrli.w", psrli_w),
    K("avx2.psllv.d", psllv_d), K("avx2.psllv.d.256", psllv_d256), K("avx2.psllv.q", psllv_q),
    K("avx2.psllv.q.256", psllv_q256), K("avx2.psrav.d", psrav_d), K("avx2.psrav.d.256", psrav_d256),
    K("avx2.psrlv.d", psrlv_d), K("avx2.psrlv.d.256", psrlv_d256), K("avx2.psrlv.q", psrlv_q),
    K("avx2.psrlv.q.256", psrlv_q256), KT("avx2.mpsadbw", mpsadbw),
    G("avx2.gather.d.d", int32_t, int32_t, 4, 4), G("avx2.gather.d.d.256", int32_t, int32_t, 8, 8),
    G("avx2.gather.d.q", int64_t, int32_t, 2, 4), G("avx2.gather.d.q.256", int64_t, int32_t, 4, 4),
    G("avx2.gather.d.ps", float, int32_t, 4, 4), G("avx2.gather.d.ps.256", float, int32_t, 8, 8),
    G("avx2.gather.d.pd", double, int32_t, 2, 4), G("avx2.gather.d.pd.256", double, int32_t, 4, 4),
    G("avx2.gather.q.d", int32_t, int64_t, 4, 2), G("avx2.gather.q.d.256", int32_t, int64_t, 4, 4),
    G("avx2.gather.q.q", int64_t, int64_t, 2, 2), G("avx2.gather.q.q.256", int64_t, int64_t, 4, 4),
    G("avx2.gather.q.ps", float, int64_t, 4, 2), G("avx2.gather.q.ps.256", float, int64_t, 4, 4),
    G("avx2.gather.q.pd", double, int64_t, 2, 2), G("avx2.gather.q.pd.256", double, int64_t, 4, 4),
    K("fma.vfmaddsub.pd", vfmaddsub_pd), K("fma.vfmaddsub.pd.256", vfmaddsub_pd256),
    K("fma.vfmaddsub.ps", vfmaddsub_ps), K("fma.vfmaddsub.ps.256", vfmaddsub_ps256),
    KT("vcvtps2ph.128", vcvtps2ph128), KT("vcvtps2ph.256", vcvtps2ph256),
};
const unsigned kX86AvxKernelCount = sizeof kX86AvxKernels / sizeof kX86AvxKernels[0];

}  // namespace bf::vm
#pragma clang attribute pop
