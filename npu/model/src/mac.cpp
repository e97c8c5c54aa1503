// Functional MAC of one conv/gemm tile (see mac.h and npu/model/README.md,
// "Functional MAC"): an int16 GEMM on the CPU's best kernel (AVX-512 VNNI,
// AVX2 or portable C++) whose rows are built once per footprint, or, for
// grouped convolutions and zero points too large for int16, a uint32 im2col
// GEMM per group.
#include "mac.h"

#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "npu_abi/npu_regs.h"

namespace npu {

namespace {

// Functional MAC kernel on a gathered tile (Core::Walk::compute): a GEMM
// acc[m][n] += w[m][k] * q[k][n] with q the tile's im2col (k = c, kernel row,
// kernel column; n = output row, column; x - zp_in, 0 for padding) and w the
// weights (w - zp_w). Arithmetic is uint32 so every add wraps modulo 2^32
// exactly like npu_acc_add. Four output channels share each q row; GCC
// vectorises the n loop, and target_clones adds AVX-512/AVX2 versions picked
// at load time, with the baseline x86-64 one as fallback.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define NPU_MAC_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NPU_MAC_CLONES
#endif

NPU_MAC_CLONES void mac_gemm(std::uint32_t* __restrict acc, const std::uint32_t* __restrict w,
                             const std::uint32_t* __restrict q, std::uint64_t nm, std::uint64_t nk,
                             std::uint64_t nn) {
    std::uint64_t m = 0;
    for (; m + 4 <= nm; m += 4) {
        std::uint32_t* __restrict a0 = acc + m * nn;
        std::uint32_t* __restrict a1 = a0 + nn;
        std::uint32_t* __restrict a2 = a1 + nn;
        std::uint32_t* __restrict a3 = a2 + nn;
        const std::uint32_t* wm = w + m * nk;
        for (std::uint64_t k = 0; k < nk; ++k) {
            const std::uint32_t w0 = wm[k], w1 = wm[nk + k], w2 = wm[2 * nk + k],
                                w3 = wm[3 * nk + k];
            const std::uint32_t* qr = q + k * nn;
            for (std::uint64_t n = 0; n < nn; ++n) {
                const std::uint32_t v = qr[n];
                a0[n] += v * w0;
                a1[n] += v * w1;
                a2[n] += v * w2;
                a3[n] += v * w3;
            }
        }
    }
    for (; m < nm; ++m) {
        std::uint32_t* __restrict a0 = acc + m * nn;
        for (std::uint64_t k = 0; k < nk; ++k) {
            const std::uint32_t w0 = w[m * nk + k];
            const std::uint32_t* qr = q + k * nn;
            for (std::uint64_t n = 0; n < nn; ++n)
                a0[n] += qr[n] * w0;
        }
    }
}

// Per-thread scratch for the gathered tile (reused across tiles and kernels).
struct MacScratch {
    std::vector<std::uint32_t> q, w, acc;
};
thread_local MacScratch t_mac_scratch;

// The uint32 path, for zero points too large for int16 operands: the im2col
// as uint32 and mac_gemm.
void mac_tile_wide(const npu_desc_t& d, std::uint32_t groups,
                   const std::array<std::uint32_t, NPU_DIMS>& lo,
                   const std::array<std::uint32_t, NPU_DIMS>& hi, const MacIfmap& in,
                   const std::uint8_t* wdata, std::uint8_t* odata) {
    const std::uint64_t em = hi[NPU_DIM_M] - lo[NPU_DIM_M], ec = hi[NPU_DIM_C] - lo[NPU_DIM_C],
                        ey = hi[NPU_DIM_Y] - lo[NPU_DIM_Y], ex = hi[NPU_DIM_X] - lo[NPU_DIM_X],
                        ek = hi[NPU_DIM_K] - lo[NPU_DIM_K], el = hi[NPU_DIM_L] - lo[NPU_DIM_L];
    const std::int32_t zpi = d.zp_in, zpw = d.zp_w;
    // Gather the tile's ifmap footprint once into its im2col
    // q[group][c][k][l][y][x] = x - zp_in (0 for padding), and the
    // weights as w - zp_w, so the MAC loops (mac_gemm) have no branches
    // or index maps and run as a GEMM per group.
    const std::uint32_t mg = d.m / groups, cg = d.c / groups;
    const std::uint32_t g_lo = lo[NPU_DIM_M] / mg, g_hi = (hi[NPU_DIM_M] - 1) / mg;
    const std::uint64_t ng = g_hi - g_lo + 1;
    const std::uint64_t sh = d.stride_h, sw = d.stride_w;
    const std::uint64_t nk = ec * ek * el, nn = ey * ex;
    std::vector<std::uint32_t>& q = t_mac_scratch.q;
    q.assign(ng * nk * nn, 0);
    std::vector<std::int64_t> cmap(el * ex);  // (l, x) -> local ifmap column, or -1
    for (std::uint64_t l = 0; l < el; ++l)
        for (std::uint64_t x = 0; x < ex; ++x) {
            const long col =
                static_cast<long>((lo[NPU_DIM_X] + x) * sw + lo[NPU_DIM_L] + l) - d.pad_left;
            cmap[l * ex + x] = col < 0 || col >= d.w ? -1 : in.col_map[col];
        }
    for (std::uint64_t gi = 0; gi < ng; ++gi)
        for (std::uint64_t c = 0; c < ec; ++c) {
            const std::int32_t chi = in.ch_map[(g_lo + gi) * cg + lo[NPU_DIM_C] + c];
            if (chi < 0) continue;
            for (std::uint64_t kk = 0; kk < ek; ++kk)
                for (std::uint64_t y = 0; y < ey; ++y) {
                    const long row =
                        static_cast<long>((lo[NPU_DIM_Y] + y) * sh + lo[NPU_DIM_K] + kk) -
                        d.pad_top;
                    if (row < 0 || row >= d.h) continue;  // padding rows stay 0
                    const std::int32_t ri = in.row_map[row];
                    if (ri < 0) continue;
                    const std::uint8_t* src = in.data + (chi * in.rows + ri) * in.cols;
                    for (std::uint64_t l = 0; l < el; ++l) {
                        std::uint32_t* qr =
                            q.data() + (((gi * ec + c) * ek + kk) * el + l) * nn + y * ex;
                        const std::int64_t* cm = cmap.data() + l * ex;
                        for (std::uint64_t x = 0; x < ex; ++x)
                            if (cm[x] >= 0)
                                qr[x] = static_cast<std::uint32_t>(
                                    static_cast<std::int8_t>(src[cm[x]]) - zpi);
                    }
                }
        }
    std::vector<std::uint32_t>& w = t_mac_scratch.w;
    w.resize(em * nk);
    for (std::uint64_t i = 0; i < em * nk; ++i)
        w[i] = static_cast<std::uint32_t>(static_cast<std::int8_t>(wdata[i]) - zpw);
    // Accumulators as uint32: the adds wrap modulo 2^32 like npu_acc_add.
    std::vector<std::uint32_t>& acc = t_mac_scratch.acc;
    acc.resize(em * nn);
    std::memcpy(acc.data(), odata, em * nn * 4);
    for (std::uint64_t m = 0; m < em;) {  // one GEMM per group in the tile
        const std::uint64_t g = (lo[NPU_DIM_M] + m) / mg;
        const std::uint64_t m_end = std::min<std::uint64_t>(em, (g + 1) * mg - lo[NPU_DIM_M]);
        mac_gemm(acc.data() + m * nn, w.data() + m * nk, q.data() + (g - g_lo) * nk * nn, m_end - m,
                 nk, nn);
        m = m_end;
    }
    std::memcpy(odata, acc.data(), em * nn * 4);
}

// ---------------------------------------------------------------------------
// The int16 path. x - zp_in and w - zp_w fit int16 for every int8 x and w
// when |zp| <= 32640 (any real quantization), and then the tile is an int16
// GEMM with int32 accumulators: pairs of products (vpmaddwd, vpdpwssd) are
// exact, and the int32 adds wrap modulo 2^32 like npu_acc_add.
//
// The GEMM (tile_gemm_*): rows, each kp int16 (k rounded up to even, the
// pad 0), broadcast a pair at a time, times strips of kStrip columns laid out
// [k / 2][column][k % 2], so one vector load holds kStrip pairs, into int32
// accumulators c[row][np]. Register blocks of kRows rows by one or two
// strips; the k loop is innermost and the accumulators stay in registers.
// The rows array has kRows zero rows past its end, so the last register
// block may read past the last row (it stores only the rows that exist).

constexpr std::int32_t kZpInt16Max = 32640;  // 127 + 32640 = 32767, -128 - 32640 = -32768
constexpr std::size_t kStrip = 16;
constexpr std::size_t kRows = 6;

bool zero_point_fits_int16(std::int32_t zp) {
    return zp >= -kZpInt16Max && zp <= kZpInt16Max;
}

std::int32_t pair_at(const std::int16_t* p) {  // two int16 as one 32-bit word
    std::int32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

struct Int16Scratch {
    std::vector<std::int16_t> f, rows, strips;  // footprint channels-last, GEMM rows, weights
    std::vector<std::int32_t> acc;
    // What f and rows were built from. The walk computes every m tile of a
    // loaded footprint, so the GEMM's rows are built once per footprint and
    // reused while this is unchanged; the bytes decide, not the addresses, so
    // nothing can go stale when a buffer half is reloaded.
    bool valid = false, direct = false;
    std::int32_t zpi = 0;
    std::uint64_t nr = 0, nc = 0, ek = 0, el = 0, ex = 0;
    std::vector<std::int32_t> chans;       // footprint channel of each tile channel
    std::vector<std::int64_t> rmap, cmap;  // see mac_tile_int16
    std::vector<std::uint8_t> planes;      // those channels' bytes
    // What strips were packed from.
    bool w_valid = false;
    std::int32_t w_zp = 0;
    std::array<std::uint64_t, 4> w_shape{};  // em, ec, ek, el
    std::vector<std::uint8_t> w_bytes;
};
thread_local Int16Scratch t_int16;

// nm rows of a (stride kp) times ns strips of b, added into c (stride np).
using TileGemm = void (*)(const std::int16_t* a, std::size_t nm, std::size_t kp,
                          const std::int16_t* b, std::size_t ns, std::int32_t* c, std::size_t np);

void tile_gemm_scalar(const std::int16_t* a, std::size_t nm, std::size_t kp, const std::int16_t* b,
                      std::size_t ns, std::int32_t* c, std::size_t np) {
    const std::size_t pairs = kp / 2, strip = pairs * 2 * kStrip;
    for (std::size_t s = 0; s < ns; ++s)
        for (std::size_t m = 0; m < nm; ++m) {
            std::uint32_t acc[kStrip];
            std::int32_t* cm = c + m * np + s * kStrip;
            for (std::size_t j = 0; j < kStrip; ++j)
                acc[j] = static_cast<std::uint32_t>(cm[j]);
            const std::int16_t* am = a + m * kp;
            const std::int16_t* bs = b + s * strip;
            for (std::size_t q = 0; q < pairs; ++q) {
                const std::int32_t a0 = am[2 * q], a1 = am[2 * q + 1];
                const std::int16_t* bq = bs + q * 2 * kStrip;
                for (std::size_t j = 0; j < kStrip; ++j)
                    acc[j] += static_cast<std::uint32_t>(a0 * bq[2 * j]) +
                              static_cast<std::uint32_t>(a1 * bq[2 * j + 1]);
            }
            for (std::size_t j = 0; j < kStrip; ++j)
                cm[j] = static_cast<std::int32_t>(acc[j]);
        }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define NPU_MAC_X86 1

// AVX2: kRows x one strip (two vectors of 8 int32) = 12 accumulators;
// vpmaddwd multiplies the pairs, vpaddd accumulates.
__attribute__((target("avx2"))) void tile_gemm_avx2(const std::int16_t* a, std::size_t nm,
                                                    std::size_t kp, const std::int16_t* b,
                                                    std::size_t ns, std::int32_t* c,
                                                    std::size_t np) {
    const std::size_t pairs = kp / 2, strip = pairs * 2 * kStrip;
    for (std::size_t s = 0; s < ns; ++s) {
        const std::int16_t* bs = b + s * strip;
        for (std::size_t m = 0; m < nm; m += kRows) {
            const std::size_t mr = std::min(kRows, nm - m);
            std::int32_t* cb = c + m * np + s * kStrip;
            const std::int16_t* ab = a + m * kp;
            __m256i c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
#define NPU_LOAD(r)                                                                          \
    c##r##0 = r < mr ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(cb + r * np))     \
                     : _mm256_setzero_si256();                                               \
    c##r##1 = r < mr ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(cb + r * np + 8)) \
                     : _mm256_setzero_si256();
            NPU_LOAD(0)
            NPU_LOAD(1)
            NPU_LOAD(2)
            NPU_LOAD(3)
            NPU_LOAD(4)
            NPU_LOAD(5)
#undef NPU_LOAD
            for (std::size_t q = 0; q < pairs; ++q) {
                const __m256i b0 =
                    _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bs + q * 32));
                const __m256i b1 =
                    _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bs + q * 32 + 16));
#define NPU_ROW(r)                                                         \
    {                                                                      \
        const __m256i w = _mm256_set1_epi32(pair_at(ab + r * kp + 2 * q)); \
        c##r##0 = _mm256_add_epi32(c##r##0, _mm256_madd_epi16(b0, w));     \
        c##r##1 = _mm256_add_epi32(c##r##1, _mm256_madd_epi16(b1, w));     \
    }
                NPU_ROW(0) NPU_ROW(1) NPU_ROW(2) NPU_ROW(3) NPU_ROW(4) NPU_ROW(5)
#undef NPU_ROW
            }
#define NPU_STORE(r)                                                               \
    if (r < mr) {                                                                  \
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(cb + r * np), c##r##0);     \
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(cb + r * np + 8), c##r##1); \
    }
            NPU_STORE(0) NPU_STORE(1) NPU_STORE(2) NPU_STORE(3) NPU_STORE(4) NPU_STORE(5)
#undef NPU_STORE
        }
    }
}

// AVX-512 VNNI: kRows x two strips (one vector of 16 int32 each) = 12
// accumulators; vpdpwssd multiplies the pairs and accumulates in one
// instruction (the non-saturating form: it wraps like vpaddd). An odd last
// strip runs with both halves on it and stores one.
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void tile_gemm_avx512(
    const std::int16_t* a, std::size_t nm, std::size_t kp, const std::int16_t* b, std::size_t ns,
    std::int32_t* c, std::size_t np) {
    const std::size_t pairs = kp / 2, strip = pairs * 2 * kStrip;
    for (std::size_t s = 0; s < ns; s += 2) {
        const bool two = s + 1 < ns;
        const std::int16_t* bs0 = b + s * strip;
        const std::int16_t* bs1 = two ? bs0 + strip : bs0;
        for (std::size_t m = 0; m < nm; m += kRows) {
            const std::size_t mr = std::min(kRows, nm - m);
            std::int32_t* cb = c + m * np + s * kStrip;
            const std::int16_t* ab = a + m * kp;
            __m512i c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
#define NPU_LOAD(r)                                                              \
    c##r##0 = r < mr ? _mm512_loadu_si512(cb + r * np) : _mm512_setzero_si512(); \
    c##r##1 = r < mr && two ? _mm512_loadu_si512(cb + r * np + 16) : _mm512_setzero_si512();
            NPU_LOAD(0)
            NPU_LOAD(1)
            NPU_LOAD(2)
            NPU_LOAD(3)
            NPU_LOAD(4)
            NPU_LOAD(5)
#undef NPU_LOAD
            for (std::size_t q = 0; q < pairs; ++q) {
                const __m512i b0 = _mm512_loadu_si512(bs0 + q * 32);
                const __m512i b1 = _mm512_loadu_si512(bs1 + q * 32);
#define NPU_ROW(r)                                                         \
    {                                                                      \
        const __m512i w = _mm512_set1_epi32(pair_at(ab + r * kp + 2 * q)); \
        c##r##0 = _mm512_dpwssd_epi32(c##r##0, b0, w);                     \
        c##r##1 = _mm512_dpwssd_epi32(c##r##1, b1, w);                     \
    }
                NPU_ROW(0) NPU_ROW(1) NPU_ROW(2) NPU_ROW(3) NPU_ROW(4) NPU_ROW(5)
#undef NPU_ROW
            }
#define NPU_STORE(r)                                             \
    if (r < mr) {                                                \
        _mm512_storeu_si512(cb + r * np, c##r##0);               \
        if (two) _mm512_storeu_si512(cb + r * np + 16, c##r##1); \
    }
            NPU_STORE(0) NPU_STORE(1) NPU_STORE(2) NPU_STORE(3) NPU_STORE(4) NPU_STORE(5)
#undef NPU_STORE
        }
    }
}
#endif

#if defined(__SSE2__)
// SSE2 (every x86-64): 2 rows x one strip (four vectors of 4 int32) = 8
// accumulators; pmaddwd multiplies the pairs, paddd accumulates. Row m + 1
// of a block with one row reads the rows' zero padding and is not stored.
void tile_gemm_sse2(const std::int16_t* a, std::size_t nm, std::size_t kp, const std::int16_t* b,
                    std::size_t ns, std::int32_t* c, std::size_t np) {
    const std::size_t pairs = kp / 2, strip = pairs * 2 * kStrip;
    for (std::size_t s = 0; s < ns; ++s) {
        const std::int16_t* bs = b + s * strip;
        for (std::size_t m = 0; m < nm; m += 2) {
            const bool two = m + 1 < nm;
            std::int32_t* c0 = c + m * np + s * kStrip;
            std::int32_t* c1 = two ? c0 + np : c0;  // not stored to without a second row
            const std::int16_t* a0 = a + m * kp;
            const std::int16_t* a1 = a0 + kp;
            __m128i x0[4], x1[4];
            for (int j = 0; j < 4; ++j) {
                x0[j] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(c0 + 4 * j));
                x1[j] = two ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(c1 + 4 * j))
                            : _mm_setzero_si128();
            }
            for (std::size_t q = 0; q < pairs; ++q) {
                const __m128i w0 = _mm_set1_epi32(pair_at(a0 + 2 * q));
                const __m128i w1 = _mm_set1_epi32(pair_at(a1 + 2 * q));
                for (int j = 0; j < 4; ++j) {
                    const __m128i bj =
                        _mm_loadu_si128(reinterpret_cast<const __m128i*>(bs + q * 32 + 8 * j));
                    x0[j] = _mm_add_epi32(x0[j], _mm_madd_epi16(bj, w0));
                    x1[j] = _mm_add_epi32(x1[j], _mm_madd_epi16(bj, w1));
                }
            }
            for (int j = 0; j < 4; ++j) {
                _mm_storeu_si128(reinterpret_cast<__m128i*>(c0 + 4 * j), x0[j]);
                if (two) _mm_storeu_si128(reinterpret_cast<__m128i*>(c1 + 4 * j), x1[j]);
            }
        }
    }
}
#endif

bool kernel_supported(MacKernel k) {
#ifdef NPU_MAC_X86
    // g_kernel's initialiser may run before libgcc's CPU probe (static
    // initialisation order): probe here.
    __builtin_cpu_init();
#endif
    switch (k) {
        case MacKernel::scalar:
            return true;
#if defined(__SSE2__)
        case MacKernel::sse2:
            return true;
#endif
#ifdef NPU_MAC_X86
        case MacKernel::avx2:
            return __builtin_cpu_supports("avx2");
        case MacKernel::avx512:
            return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512vnni");
#endif
        default:
            return false;
    }
}

MacKernel detect_kernel() {
    for (MacKernel k : {MacKernel::avx512, MacKernel::avx2, MacKernel::sse2})
        if (kernel_supported(k)) return k;
    return MacKernel::scalar;
}

MacKernel g_kernel = detect_kernel();

TileGemm tile_gemm() {
    switch (g_kernel) {
#ifdef NPU_MAC_X86
        case MacKernel::avx512:
            return tile_gemm_avx512;
        case MacKernel::avx2:
            return tile_gemm_avx2;
#endif
#if defined(__SSE2__)
        case MacKernel::sse2:
            return tile_gemm_sse2;
#endif
        default:
            return tile_gemm_scalar;
    }
}

// f[p][c] = x[chans[c]][p] - zp (int16) for the npix pixels of each channel
// plane of `planes`; channels with chans[c] < 0 are left as they are (0).
// Blocks of 8 channels x 8 pixels are transposed in SSE2 registers (every
// x86-64 has SSE2); the rest, and other machines, element by element.
void channels_last(const std::uint8_t* planes, std::uint64_t npix,
                   const std::vector<std::int32_t>& chans, std::int32_t zp, std::int16_t* f) {
    const std::uint64_t ec = chans.size();
    auto element = [&](std::uint64_t p, std::uint64_t c) {
        if (chans[c] >= 0)
            f[p * ec + c] = static_cast<std::int16_t>(
                static_cast<std::int8_t>(planes[static_cast<std::uint64_t>(chans[c]) * npix + p]) -
                zp);
    };
    std::uint64_t p_done = 0, c_done = 0;
#if defined(__SSE2__)
    p_done = npix / 8 * 8, c_done = ec / 8 * 8;
    const __m128i zpv = _mm_set1_epi16(static_cast<std::int16_t>(zp)), zero = _mm_setzero_si128();
    // Pixels outer, so f fills front to back; the 64-byte lines of the ec
    // planes under the current pixels serve eight blocks from L1.
    std::vector<const std::uint8_t*> src(ec);
    std::vector<char> full(ec / 8);  // all 8 channels of the block present
    for (std::uint64_t c = 0; c < ec; ++c)
        src[c] = chans[c] < 0 ? nullptr : planes + static_cast<std::uint64_t>(chans[c]) * npix;
    for (std::uint64_t c0 = 0; c0 < c_done; c0 += 8) {
        full[c0 / 8] = 1;
        for (std::uint64_t j = 0; j < 8; ++j)
            full[c0 / 8] = full[c0 / 8] && src[c0 + j];
    }
    for (std::uint64_t p0 = 0; p0 < p_done; p0 += 8)
        for (std::uint64_t c0 = 0; c0 < c_done; c0 += 8) {
            if (!full[c0 / 8]) {
                for (std::uint64_t p = p0; p < p0 + 8; ++p)
                    for (std::uint64_t c = c0; c < c0 + 8; ++c)
                        element(p, c);
                continue;
            }
            __m128i r[8];
            for (int j = 0; j < 8; ++j)
                r[j] = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src[c0 + j] + p0));
            // 8 channels x 8 pixels of bytes -> pairs of pixels x 8 channels.
            const __m128i t0 = _mm_unpacklo_epi8(r[0], r[1]), t1 = _mm_unpacklo_epi8(r[2], r[3]),
                          t2 = _mm_unpacklo_epi8(r[4], r[5]), t3 = _mm_unpacklo_epi8(r[6], r[7]);
            const __m128i u0 = _mm_unpacklo_epi16(t0, t1), u1 = _mm_unpackhi_epi16(t0, t1),
                          u2 = _mm_unpacklo_epi16(t2, t3), u3 = _mm_unpackhi_epi16(t2, t3);
            const __m128i v[4] = {_mm_unpacklo_epi32(u0, u2), _mm_unpackhi_epi32(u0, u2),
                                  _mm_unpacklo_epi32(u1, u3), _mm_unpackhi_epi32(u1, u3)};
            for (int i = 0; i < 4; ++i) {
                const __m128i sign = _mm_cmpgt_epi8(zero, v[i]);  // sign-extend to int16
                const __m128i lo = _mm_sub_epi16(_mm_unpacklo_epi8(v[i], sign), zpv);
                const __m128i hi = _mm_sub_epi16(_mm_unpackhi_epi8(v[i], sign), zpv);
                _mm_storeu_si128(reinterpret_cast<__m128i*>(f + (p0 + 2 * i) * ec + c0), lo);
                _mm_storeu_si128(reinterpret_cast<__m128i*>(f + (p0 + 2 * i + 1) * ec + c0), hi);
            }
        }
#endif
    for (std::uint64_t p = 0; p < p_done; ++p)
        for (std::uint64_t c = c_done; c < ec; ++c)
            element(p, c);
    for (std::uint64_t p = p_done; p < npix; ++p)
        for (std::uint64_t c = 0; c < ec; ++c)
            element(p, c);
}

// One tile of an ungrouped conv/gemm on the int16 kernels. The rows of the
// GEMM are the tile's output pixels n = (y, x), the strips its output
// channels m, k runs over (kernel row, kernel column, input channel):
//   1. the ifmap footprint, channels last, as x - zp_in: f[row][col][c];
//   2. per output pixel, its receptive field: for each kernel row and
//      column, the ec channels at one (row, col) of f are contiguous, so a
//      row of the GEMM is ek * el copies (zeros for padding);
//   3. the weights w - zp_w in (kernel row, kernel column, c) order, packed
//      in strips of kStrip output channels;
//   4. the accumulators transposed to [n][m] and back once per tile.
void mac_tile_int16(const npu_desc_t& d, const std::array<std::uint32_t, NPU_DIMS>& lo,
                    const std::array<std::uint32_t, NPU_DIMS>& hi, const MacIfmap& in,
                    const std::uint8_t* wdata, std::uint8_t* odata) {
    const std::uint64_t em = hi[NPU_DIM_M] - lo[NPU_DIM_M], ec = hi[NPU_DIM_C] - lo[NPU_DIM_C],
                        ey = hi[NPU_DIM_Y] - lo[NPU_DIM_Y], ex = hi[NPU_DIM_X] - lo[NPU_DIM_X],
                        ek = hi[NPU_DIM_K] - lo[NPU_DIM_K], el = hi[NPU_DIM_L] - lo[NPU_DIM_L];
    const std::int32_t zpi = d.zp_in, zpw = d.zp_w;
    const std::uint64_t nk = ec * ek * el, kp = (nk + 1) & ~std::uint64_t{1}, nn = ey * ex;
    const std::uint64_t ns = (em + kStrip - 1) / kStrip, mp = ns * kStrip;
    const std::uint64_t strip = kp * kStrip;  // int16 elements per strip
    const std::uint64_t nr = in.rows, nc = in.cols;
    Int16Scratch& t = t_int16;

    const std::uint64_t npix = nr * nc;
    std::vector<std::int32_t> chans(ec);
    for (std::uint64_t c = 0; c < ec; ++c)
        chans[c] = in.ch_map[lo[NPU_DIM_C] + c];
    // Where each output pixel's window lies in the footprint.
    std::vector<std::int64_t> rmap(ey * ek), cmap(ex * el);  // local row / column, or -1
    for (std::uint64_t y = 0; y < ey; ++y)
        for (std::uint64_t kk = 0; kk < ek; ++kk) {
            const long row =
                static_cast<long>((lo[NPU_DIM_Y] + y) * d.stride_h + lo[NPU_DIM_K] + kk) -
                d.pad_top;
            rmap[y * ek + kk] = row < 0 || row >= d.h ? -1 : in.row_map[row];
        }
    for (std::uint64_t x = 0; x < ex; ++x)
        for (std::uint64_t l = 0; l < el; ++l) {
            const long col =
                static_cast<long>((lo[NPU_DIM_X] + x) * d.stride_w + lo[NPU_DIM_L] + l) -
                d.pad_left;
            cmap[x * el + l] = col < 0 || col >= d.w ? -1 : in.col_map[col];
        }
    bool hit = t.valid && t.zpi == zpi && t.nr == nr && t.nc == nc && t.ek == ek && t.el == el &&
               t.ex == ex && t.chans == chans && t.rmap == rmap && t.cmap == cmap;
    for (std::uint64_t c = 0; hit && c < ec; ++c)
        hit = chans[c] < 0 ||
              std::memcmp(t.planes.data() + c * npix,
                          in.data + static_cast<std::uint64_t>(chans[c]) * npix, npix) == 0;
    if (!hit) {
        // 1. The footprint channels last (absent channels stay 0). The kRows
        //    rows past the end are 0: a register block may read them when f
        //    serves as the GEMM's rows directly (see 2).
        t.f.assign((npix + kRows) * ec, 0);
        channels_last(in.data, npix, chans, zpi, t.f.data());
        // 2. The GEMM's rows, then kRows zero rows for the last register block.
        // A 1x1 window whose footprint is exactly the tile's pixels (stride 1,
        // or any stride with the rows and columns between untouched): f already
        // is the GEMM's rows, when they pair up (ec even).
        bool direct = ek == 1 && el == 1 && kp == nk && nr == ey && nc == ex;
        for (std::uint64_t y = 0; direct && y < ey; ++y)
            direct = rmap[y] == static_cast<std::int64_t>(y);
        for (std::uint64_t x = 0; direct && x < ex; ++x)
            direct = cmap[x] == static_cast<std::int64_t>(x);
        if (!direct) t.rows.resize((nn + kRows) * kp);
        for (std::uint64_t y = 0; !direct && y < ey; ++y)
            for (std::uint64_t x = 0; x < ex; ++x) {
                std::int16_t* dst = t.rows.data() + (y * ex + x) * kp;
                for (std::uint64_t kk = 0; kk < ek; ++kk) {
                    const std::int64_t ri = rmap[y * ek + kk];
                    for (std::uint64_t l = 0; l < el; ++l, dst += ec) {
                        const std::int64_t ci = cmap[x * el + l];
                        if (ri < 0 || ci < 0)
                            std::fill(dst, dst + ec, std::int16_t{0});
                        else
                            std::memcpy(dst, t.f.data() + (ri * nc + ci) * ec, 2 * ec);
                    }
                }
                if (kp > nk) *dst = 0;
            }
        if (!direct)
            std::fill(t.rows.data() + nn * kp, t.rows.data() + (nn + kRows) * kp, std::int16_t{0});
        t.valid = true, t.direct = direct, t.zpi = zpi, t.nr = nr, t.nc = nc, t.ek = ek, t.el = el;
        t.ex = ex, t.chans = chans, t.rmap = rmap, t.cmap = cmap;
        t.planes.resize(ec * npix);
        for (std::uint64_t c = 0; c < ec; ++c)
            if (chans[c] >= 0)
                std::memcpy(t.planes.data() + c * npix,
                            in.data + static_cast<std::uint64_t>(chans[c]) * npix, npix);
    }
    const bool direct = t.direct;
    // 3. Weights [m][c][k][l] -> strips [m / kStrip][k' / 2][m % kStrip][k' % 2],
    //    kept, like the rows, while the weight tile's bytes and shape are
    //    unchanged (a weight tile serves every (y, x) tile of its m, c).
    const bool w_hit = t.w_valid && t.w_zp == zpw &&
                       t.w_shape == std::array<std::uint64_t, 4>{em, ec, ek, el} &&
                       std::memcmp(t.w_bytes.data(), wdata, em * nk) == 0;
    if (!w_hit) {
        t.strips.assign(ns * strip, 0);
        for (std::uint64_t m = 0; m < em; ++m) {
            std::int16_t* am = t.strips.data() + (m / kStrip) * strip + (m % kStrip) * 2;
            const std::uint8_t* wm = wdata + m * nk;
            for (std::uint64_t kk = 0; kk < ek; ++kk)
                for (std::uint64_t l = 0; l < el; ++l)
                    for (std::uint64_t c = 0, k = (kk * el + l) * ec; c < ec; ++c, ++k)
                        am[(k >> 1) * 2 * kStrip + (k & 1)] = static_cast<std::int16_t>(
                            static_cast<std::int8_t>(wm[(c * ek + kk) * el + l]) - zpw);
        }
        t.w_valid = true, t.w_zp = zpw, t.w_shape = {em, ec, ek, el};
        t.w_bytes.assign(wdata, wdata + em * nk);
    }
    // 4. Accumulators [m][n] -> [n][m], the GEMM, and back.
    t.acc.resize(nn * mp);
    for (std::uint64_t m = 0; m < em; ++m)
        for (std::uint64_t n = 0; n < nn; ++n)
            std::memcpy(&t.acc[n * mp + m], odata + 4 * (m * nn + n), 4);
    tile_gemm()(direct ? t.f.data() : t.rows.data(), nn, kp, t.strips.data(), ns, t.acc.data(), mp);
    for (std::uint64_t m = 0; m < em; ++m)
        for (std::uint64_t n = 0; n < nn; ++n)
            std::memcpy(odata + 4 * (m * nn + n), &t.acc[n * mp + m], 4);
}

}  // namespace

bool mac_kernel_supported(MacKernel k) {
    return kernel_supported(k);
}

MacKernel mac_kernel() {
    return g_kernel;
}

void set_mac_kernel(MacKernel k) {
    g_kernel = k == MacKernel::best || !kernel_supported(k) ? detect_kernel() : k;
}

const char* mac_kernel_name(MacKernel k) {
    switch (k) {
        case MacKernel::scalar:
            return "scalar";
        case MacKernel::sse2:
            return "sse2";
        case MacKernel::avx2:
            return "avx2";
        case MacKernel::avx512:
            return "avx512-vnni";
        default:
            return "best";
    }
}

void mac_tile(const npu_desc_t& d, std::uint32_t groups,
              const std::array<std::uint32_t, NPU_DIMS>& lo,
              const std::array<std::uint32_t, NPU_DIMS>& hi, const MacIfmap& in,
              const std::uint8_t* wdata, std::uint8_t* odata) {
    if (groups == 1 && zero_point_fits_int16(d.zp_in) && zero_point_fits_int16(d.zp_w))
        mac_tile_int16(d, lo, hi, in, wdata, odata);
    else
        mac_tile_wide(d, groups, lo, hi, in, wdata, odata);
}

}  // namespace npu
