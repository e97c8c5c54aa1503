#include "brute_force.h"

#include <algorithm>
#include <functional>
#include <vector>

namespace brute {

using npu::compiler::ConvLayer;
using npu::compiler::Dim;
using npu::compiler::Policy;
using npu::compiler::Schedule;
using npu::compiler::WeightKind;

namespace {

constexpr int kW = 0, kI = 1, kO = 2, kB = 3;

// Which loop indices each tensor's subscript uses, read off the loop body
//   O[m][y][x] += I[(m / (M/G)) * C/G + c][y*Sy+k-pad_y][x*Sx+l-pad_x] * W[m][c][k][l] (+ B[m])
// where W is the filter, or the eltwise operand B[m][y][x], or absent (pools,
// unary ops), and B[m] stands for the bias and the per-channel table.
bool uses(const ConvLayer& L, int tensor, int d) {
    // d: 0 m, 1 c, 2 y, 3 x, 4 k, 5 l
    switch (tensor) {
        case kW:
            if (L.weights == WeightKind::operand) return d == 0 || d == 2 || d == 3;
            return L.weights == WeightKind::filter && (d == 0 || d == 1 || d == 4 || d == 5);
        case kI:
            return d != 0 || L.groups > 1;  // m picks the group when there are several
        case kO:
            return d == 0 || d == 2 || d == 3;
        default:
            return d == 0;  // bias / table
    }
}

struct Buffer {
    std::vector<char> in;  // membership over the tensor's elements
    int64_t size = 0;
    std::vector<int64_t> block;      // loop indices that identified the current content
    std::vector<int64_t> key_store;  // the subscript-relevant part of them
    bool valid = false;
};

class Counter {
  public:
    Counter(const ConvLayer& L, const Schedule& s, Reload mode) : m_L(L), m_s(s), m_mode(mode) {
        const int64_t cg = L.C / L.groups;
        const int64_t nw = L.weights == WeightKind::filter    ? L.M * cg * L.R_k * L.R_l
                           : L.weights == WeightKind::operand ? L.M * L.E_y * L.E_x
                                                              : 0;
        m_numel = {nw, L.C * L.H_y * L.H_x, L.M * L.E_y * L.E_x, L.M};
        for (int t = 0; t < 4; ++t)
            m_buf[t].in.assign(static_cast<size_t>(m_numel[t]), 0);
        m_copy.assign(static_cast<size_t>(m_numel[kO]), 0);
        m_contrib.assign(static_cast<size_t>(m_numel[kO]), 0);
        for (int j = 0; j < 6; ++j) {
            const int d = static_cast<int>(s.order[j]);
            m_n[j] = (L.extent(s.order[j]) + s.tile[d] - 1) / s.tile[d];
        }
    }

    Result run() {
        if (m_L.has_lut) m_r.traffic.lut_reads = 256;  // the whole table, once
        std::array<int64_t, 6> pos{};                  // odometer by position
        for (;;) {
            iteration(pos);
            int j = 5;
            while (j >= 0 && ++pos[j] == m_n[j])
                pos[j--] = 0;
            if (j < 0) break;
        }
        // Final flush of the output buffer.
        for (int64_t e = 0; e < m_numel[kO]; ++e)
            if (m_buf[kO].in[static_cast<size_t>(e)]) write_back(e);
        return m_r;
    }

  private:
    const ConvLayer& m_L;
    const Schedule& m_s;
    Reload m_mode;
    std::array<int64_t, 4> m_numel{};
    std::array<int64_t, 6> m_n{};  // trips by position
    std::array<Buffer, 4> m_buf;
    std::vector<char> m_copy;
    std::vector<int64_t> m_contrib;
    Result m_r;

    int level(int t) const { return m_s.level[t == kB ? kO : t]; }
    bool present(int t) const {
        if (t == kW) return m_L.weights != WeightKind::none;
        if (t == kB) return m_L.has_bias || m_L.channel_table_bytes > 0;
        return true;
    }

    // Calls mac(m, c, y, x, k, l) for every MAC of the inter-tile iterations
    // whose positions 0..fixed-1 equal pos (the rest run over all their trips).
    void for_macs(const std::array<int64_t, 6>& pos, int fixed,
                  const std::function<void(const std::array<int64_t, 6>&)>& mac) const {
        std::array<int64_t, 6> p = pos;
        std::function<void(int)> rec = [&](int j) {
            if (j == 6) {
                std::array<int64_t, 6> lo{}, hi{};  // tile bounds by Dim
                for (int q = 0; q < 6; ++q) {
                    const int d = static_cast<int>(m_s.order[q]);
                    lo[d] = p[q] * m_s.tile[d];
                    hi[d] = std::min(lo[d] + m_s.tile[d], m_L.extent(m_s.order[q]));
                }
                std::array<int64_t, 6> i{};
                for (i[0] = lo[0]; i[0] < hi[0]; ++i[0])
                    for (i[1] = lo[1]; i[1] < hi[1]; ++i[1])
                        for (i[2] = lo[2]; i[2] < hi[2]; ++i[2])
                            for (i[3] = lo[3]; i[3] < hi[3]; ++i[3])
                                for (i[4] = lo[4]; i[4] < hi[4]; ++i[4])
                                    for (i[5] = lo[5]; i[5] < hi[5]; ++i[5])
                                        mac(i);
                return;
            }
            if (j < fixed) {
                rec(j + 1);
                return;
            }
            for (p[j] = 0; p[j] < m_n[j]; ++p[j])
                rec(j + 1);
        };
        rec(0);
    }

    // Element of tensor t touched by MAC i, or -1 (ifmap padding).
    int64_t element(int t, const std::array<int64_t, 6>& i) const {
        const int64_t m = i[0], c = i[1], y = i[2], x = i[3], k = i[4], l = i[5];
        const int64_t cg = m_L.C / m_L.groups, mg = m_L.M / m_L.groups;
        switch (t) {
            case kW:
                if (m_L.weights == WeightKind::operand) return (m * m_L.E_y + y) * m_L.E_x + x;
                return ((m * cg + c) * m_L.R_k + k) * m_L.R_l + l;
            case kI: {
                const int64_t r = y * m_L.stride_y + k - m_L.pad_y;
                const int64_t q = x * m_L.stride_x + l - m_L.pad_x;
                if (r < 0 || r >= m_L.H_y || q < 0 || q >= m_L.H_x) return -1;
                return (((m / mg) * cg + c) * m_L.H_y + r) * m_L.H_x + q;
            }
            case kO:
                return (m * m_L.E_y + y) * m_L.E_x + x;
            default:
                return m;
        }
    }

    void write_back(int64_t e) {
        if (m_contrib[static_cast<size_t>(e)] == m_L.C / m_L.groups * m_L.R_k * m_L.R_l)
            ++m_r.traffic.final_writes;
        else
            ++m_r.traffic.psum_writes;
        m_copy[static_cast<size_t>(e)] = 1;
    }

    void iteration(const std::array<int64_t, 6>& pos) {
        const bool delta = m_s.policy == Policy::delta;
        for (int t = 0; t < 4; ++t) {
            if (!present(t)) continue;
            Buffer& b = m_buf[t];
            const int lvl = level(t);
            // The block: indices of the loops outside the buffer (all of them, or
            // only those the tensor's subscripts use).
            std::vector<int64_t> block, key;
            for (int j = 0; j < lvl; ++j) {
                block.push_back(pos[j]);
                key.push_back(uses(m_L, t, static_cast<int>(m_s.order[j])) ? pos[j] : -1);
            }
            const std::vector<int64_t>& id = m_mode == Reload::on_key_change ? key : block;
            if (b.valid && id == b.block) continue;
            // Elements the block touches.
            std::vector<char> need(static_cast<size_t>(m_numel[t]), 0);
            int64_t need_size = 0;
            for_macs(pos, lvl, [&](const std::array<int64_t, 6>& i) {
                const int64_t e = element(t, i);
                if (e >= 0 && !need[static_cast<size_t>(e)]) {
                    need[static_cast<size_t>(e)] = 1;
                    ++need_size;
                }
            });
            const bool same = b.valid && need == b.in;
            const bool key_changed = !b.valid || key != b.key_store;
            if (same && key_changed && m_mode == Reload::on_key_change)
                ++m_r.key_changes_without_content_change;
            b.block = id;
            b.valid = true;
            if (same && m_mode == Reload::on_content_change) continue;
            // Transfers.
            if (t != kO) {
                int64_t n = 0;
                for (int64_t e = 0; e < m_numel[t]; ++e)
                    if (need[static_cast<size_t>(e)] && (!delta || !b.in[static_cast<size_t>(e)]))
                        ++n;
                if (t == kW) m_r.traffic.weight_reads += n;
                if (t == kI) m_r.traffic.ifmap_reads += n;
                if (t == kB && m_L.has_bias) m_r.traffic.bias_reads += n;
                if (t == kB && m_L.channel_table_bytes) m_r.traffic.table_reads += n;
            } else {
                for (int64_t e = 0; e < m_numel[t]; ++e)
                    if (b.in[static_cast<size_t>(e)] && (!delta || !need[static_cast<size_t>(e)]))
                        write_back(e);
                for (int64_t e = 0; e < m_numel[t]; ++e)
                    if (need[static_cast<size_t>(e)] && (!delta || !b.in[static_cast<size_t>(e)]) &&
                        m_copy[static_cast<size_t>(e)])
                        ++m_r.traffic.psum_reads;
            }
            b.in = std::move(need);
            b.size = need_size;
            b.key_store = key;
            int64_t& mx =
                t == kB ? m_r.max_bias_resident : m_r.max_resident[static_cast<size_t>(t)];
            mx = std::max(mx, need_size);
        }
        // Compute the tile: every operand must be resident.
        std::array<int64_t, 6> p = pos;
        for_macs(p, 6, [&](const std::array<int64_t, 6>& i) {
            for (int t = 0; t < 4; ++t) {
                if (!present(t)) continue;
                const int64_t e = element(t, i);
                if (e >= 0 && !m_buf[t].in[static_cast<size_t>(e)]) ++m_r.residency_violations;
            }
            ++m_contrib[static_cast<size_t>(element(kO, i))];
        });
    }
};

}  // namespace

Result count(const ConvLayer& L, const Schedule& s, Reload mode) {
    return Counter(L, s, mode).run();
}

}  // namespace brute
