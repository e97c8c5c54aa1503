/*
 * An exception nobody handles: the runtime prints cause, mepc and mtval on
 * the UART and ends the run with VP_RT_EXIT_UNHANDLED_EXCEPTION (100).
 */
#include <stdio.h>

int main(void) {
    printf("unhandled: executing an illegal instruction\n");
    __asm__ volatile(".4byte 0xc0001073" ::: "memory");
    printf("FAIL unhandled: still running\n");
    return 1;
}
