/*
 * Self-modifying code: write instructions into a RAM buffer, fence.i, run
 * them; patch them and run again (a simulator with a decode cache must
 * drop the stale decode). 32-bit and compressed encodings.
 */
#include <stdint.h>

#include "guest_check.h"

#define ADDI_A0_ZERO(imm) (0x00000513u | ((uint32_t)(imm) << 20)) /* addi a0, zero, imm */
#define ADD_A0_A0_A1 0x00b50533u                                  /* add a0, a0, a1 */
#define RET 0x00008067u                                           /* jalr zero, 0(ra) */
#define C_LI_A0(imm) (uint16_t)(0x4501u | (((imm)&0x1fu) << 2))   /* c.li a0, imm (0..31) */
#define C_JR_RA 0x8082u

typedef int (*fn0)(void);
typedef int (*fn1)(int, int);

static uint32_t s_code[16] __attribute__((aligned(16)));

static void fence_i(void) {
    __asm__ volatile("fence.i" ::: "memory");
}

int main(void) {
    volatile uint32_t* code = s_code;
    fn0 f = (fn0)(uintptr_t)s_code;

    code[0] = ADDI_A0_ZERO(42);
    code[1] = RET;
    fence_i();
    CHECK(1, f() == 42);

    code[0] = ADDI_A0_ZERO(43);
    fence_i();
    CHECK(2, f() == 43);

    /* run many versions of the same slot */
    for (int i = -100; i <= 100; i += 7) {
        code[0] = ADDI_A0_ZERO(i & 0xfff);
        fence_i();
        CHECK(3, f() == i);
    }

    /* a longer body: a0 = 5; a0 += a1; ret */
    fn1 g = (fn1)(uintptr_t)s_code;
    code[0] = ADDI_A0_ZERO(5);
    code[1] = ADD_A0_A0_A1;
    code[2] = RET;
    fence_i();
    CHECK(4, g(0, 10) == 15);
    code[1] = ADDI_A0_ZERO(7); /* overwrite the add */
    fence_i();
    CHECK(5, g(0, 10) == 7);

    /* compressed: c.li a0, 9; c.jr ra */
    volatile uint16_t* half = (volatile uint16_t*)s_code;
    half[0] = C_LI_A0(9);
    half[1] = C_JR_RA;
    fence_i();
    CHECK(6, f() == 9);
    half[0] = C_LI_A0(17);
    fence_i();
    CHECK(7, f() == 17);
    return guest_pass();
}
