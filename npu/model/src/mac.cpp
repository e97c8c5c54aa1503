// Functional MAC of one conv/gemm tile (see mac.h): the tile's ifmap
// footprint gathered into an im2col and a GEMM per group.
#include "mac.h"

#include <cstring>

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

}  // namespace

void mac_tile(const npu_desc_t& d, std::uint32_t groups,
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

}  // namespace npu
