/*
 * The time/timeh CSRs read the CLINT's mtime: after the guest writes mtime
 * (a jump forward, then back), `time` follows the written value, as on QEMU
 * and hardware, where both are one counter.
 */
#include <stdint.h>

#include "guest_check.h"
#include "npu_abi/memory_map.h"
#include "vprt/csr.h"
#include "vprt/rt.h"

#define MTIME_LO ((volatile uint32_t*)(uintptr_t)(VP_CLINT_BASE + VP_CLINT_MTIME))
#define MTIME_HI ((volatile uint32_t*)(uintptr_t)(VP_CLINT_BASE + VP_CLINT_MTIME + 4u))
/* A read follows the write by a few instructions: far less than 1 ms of mtime. */
#define SLACK (VP_CLINT_MTIME_HZ / 1000u)

static uint64_t read_time_csr(void) {
    uint32_t hi, lo, hi2;
    do {
        hi = VP_CSR_READ(timeh);
        lo = VP_CSR_READ(time);
        hi2 = VP_CSR_READ(timeh);
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}

static void write_mtime(uint64_t v) {
    *MTIME_LO = 0u; /* no carry into the high word between the two stores */
    *MTIME_HI = (uint32_t)(v >> 32);
    *MTIME_LO = (uint32_t)v;
}

int main(void) {
    const uint64_t far = 0x0000000500000000ull; /* high word in use */
    write_mtime(far);
    const uint64_t t1 = read_time_csr();
    CHECK(1, t1 >= far);
    CHECK(2, t1 - far < SLACK);
    CHECK(3, vp_clint_mtime() >= t1); /* the CSR and the register agree */

    const uint64_t near = 1000u; /* backwards: the CSR follows too */
    write_mtime(near);
    const uint64_t t2 = read_time_csr();
    CHECK(4, t2 >= near);
    CHECK(5, t2 - near < SLACK);
    return guest_pass();
}
