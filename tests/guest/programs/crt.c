/*
 * The runtime itself: initialized .data and .sdata, zeroed .bss, TLS (errno
 * in picolibc), constructors, heap (malloc/free), printf formatting to the
 * UART, and exit status through the syscon finisher (this program exits 0).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest_check.h"

static uint32_t s_data[4] = {1u, 2u, 3u, 0xcafef00du};
static volatile int s_small = 77;    /* .sdata */
static volatile uint8_t s_bss[4096]; /* volatile: the compiler may not assume it is zero */
static volatile uint32_t s_zero;
static int s_ctor_ran;

__attribute__((constructor)) static void ctor(void) {
    s_ctor_ran = 0x5a;
}

int main(void) {
    CHECK(1, s_data[0] == 1u && s_data[1] == 2u && s_data[2] == 3u && s_data[3] == 0xcafef00du);
    CHECK(2, s_small == 77);
    for (unsigned i = 0; i < sizeof s_bss; ++i)
        CHECK(3, s_bss[i] == 0u);
    CHECK(4, s_zero == 0u);
    CHECK(5, s_ctor_ran == 0x5a);

    errno = 0;
    long v = strtol("99999999999999999999", NULL, 10);
    CHECK(6, v == 2147483647L && errno == ERANGE);

    char* p = malloc(1000);
    char* q = malloc(5000);
    CHECK(7, p != NULL && q != NULL && p != q);
    memset(p, 0xab, 1000);
    memset(q, 0xcd, 5000);
    CHECK(8, (uint8_t)p[999] == 0xabu && (uint8_t)q[0] == 0xcdu);
    free(p);
    free(q);

    printf("crt: %d %u 0x%08x %s %c %ld %lld %5.2s|\n", -42, 42u, 0xbeefu, "str", 'z', -7L,
           -1234567890123LL, "abcdef");
    char buf[32];
    snprintf(buf, sizeof buf, "%d-%x", 123, 0xabc);
    CHECK(9, strcmp(buf, "123-abc") == 0);
    fprintf(stderr, "crt: stderr too\n");
    return guest_pass();
}
