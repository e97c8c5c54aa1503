/*
 * Helpers for the C guest tests: CHECK(id, cond) prints "FAIL <name> check
 * <id>" and exits with status id (1..99, distinct per check); guest_pass()
 * prints "PASS <name>" and returns 0 for main.
 */
#ifndef GUEST_CHECK_H
#define GUEST_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(id, cond)                                                  \
    do {                                                                 \
        if (!(cond)) {                                                   \
            printf("FAIL %s check %d: %s\n", VP_TEST_NAME, (id), #cond); \
            exit(id);                                                    \
        }                                                                \
    } while (0)

/* Wait (bounded) until (mip & mask) is nonzero (set) or zero (!set): a
 * source's line may take a little while to reach mip, as on hardware. */
#define GUEST_POLL_LIMIT 2000000u
static inline int guest_wait_mip(uint32_t mask, int set) {
    for (uint32_t i = 0; i < GUEST_POLL_LIMIT; ++i) {
        uint32_t mip;
        __asm__ volatile("csrr %0, mip" : "=r"(mip));
        if (((mip & mask) != 0u) == (set != 0)) return 1;
    }
    return 0;
}

static inline int guest_pass(void) {
    printf("PASS %s\n", VP_TEST_NAME);
    return 0;
}

#endif /* GUEST_CHECK_H */
