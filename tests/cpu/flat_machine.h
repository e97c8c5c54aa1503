// A plain-C++ test machine: rv::Core over one flat RAM (a fast region) plus
// an optional MMIO window recorded by the test. Used by the core unit tests
// and by rv_bench. No SystemC.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rv/core.h"
#include "rv/semihost.h"

namespace rv_test {

class FlatMachine : public rv::MemoryInterface {
  public:
    static constexpr std::uint32_t kRamBase = 0x80000000u;

    explicit FlatMachine(std::uint32_t ram_bytes = 1u << 20, const rv::CpuTiming& timing = {},
                         bool with_fast_region = true)
        : ram(ram_bytes, 0), core(timing) {
        core.set_memory(this);
        if (with_fast_region) map_ram();
        core.reset(kRamBase);
    }

    void map_ram(std::uint32_t read_latency = 0, std::uint32_t write_latency = 0) {
        rv::FastRegion r;
        r.host = ram.data();
        r.base = kRamBase;
        r.size = ram.size();
        r.read_latency = read_latency;
        r.write_latency = write_latency;
        core.add_fast_region(r);
    }

    // Writes 32-bit words (or halfwords) at an address and drops stale decodes.
    void poke32(std::uint32_t addr, std::uint32_t v) {
        std::memcpy(&ram.at(addr - kRamBase), &v, 4);
        core.invalidate_decode(addr, 4);
    }
    void poke16(std::uint32_t addr, std::uint16_t v) {
        std::memcpy(&ram.at(addr - kRamBase), &v, 2);
        core.invalidate_decode(addr, 2);
    }
    std::uint32_t peek32(std::uint32_t addr) const {
        std::uint32_t v;
        std::memcpy(&v, &ram.at(addr - kRamBase), 4);
        return v;
    }
    // Program of 32-bit words at the reset pc.
    void load(const std::vector<std::uint32_t>& words, std::uint32_t at = kRamBase) {
        for (std::size_t i = 0; i < words.size(); ++i)
            poke32(at + 4 * static_cast<std::uint32_t>(i), words[i]);
    }
    void load_bytes(std::uint32_t at, const std::uint8_t* data, std::size_t n) {
        std::memcpy(&ram.at(at - kRamBase), data, n);
        core.invalidate_decode();
    }

    // MMIO window (anything outside RAM): 0x10000000.. returns ok; the rest faults.
    rv::MemResult load(std::uint32_t addr, void* data, unsigned size) override {
        ++mmio_loads;
        if (!in_ram(addr, size) && !in_mmio(addr)) return fault();
        if (in_ram(addr, size))
            std::memcpy(data, &ram[addr - kRamBase], size);
        else {
            std::uint32_t v = mmio_value;
            std::memcpy(data, &v, size);
        }
        rv::MemResult r;
        r.latency = mmio_latency;
        r.end_block = in_mmio(addr);
        return r;
    }
    rv::MemResult store(std::uint32_t addr, const void* data, unsigned size) override {
        ++mmio_stores;
        if (!in_ram(addr, size) && !in_mmio(addr)) return fault();
        if (in_ram(addr, size))
            std::memcpy(&ram[addr - kRamBase], data, size);
        else {
            std::uint32_t v = 0;
            std::memcpy(&v, data, size);
            last_mmio_addr = addr;
            last_mmio_value = v;
            if (on_mmio_store) on_mmio_store(addr, v);
        }
        rv::MemResult r;
        r.latency = mmio_latency;
        r.end_block = in_mmio(addr);
        return r;
    }

    bool in_ram(std::uint32_t addr, unsigned size) const {
        return addr >= kRamBase && std::uint64_t{addr} - kRamBase + size <= ram.size();
    }
    static bool in_mmio(std::uint32_t addr) { return addr >= 0x10000000u && addr < 0x10001000u; }
    static rv::MemResult fault() {
        rv::MemResult r;
        r.ok = false;
        return r;
    }

    std::vector<std::uint8_t> ram;
    rv::Core core;
    std::uint32_t mmio_value = 0;
    std::uint32_t mmio_latency = 0;
    std::uint32_t last_mmio_addr = 0;
    std::uint32_t last_mmio_value = 0;
    std::uint64_t mmio_loads = 0;
    std::uint64_t mmio_stores = 0;
    std::function<void(std::uint32_t, std::uint32_t)> on_mmio_store;
};

}  // namespace rv_test
