/* picolibc tinystdio hooks: stdout and stderr write to the UART, stdin reads EOF; _exit ends the
 * run. */
#include <stdio.h>
#include <unistd.h>

#include "vprt/rt.h"

static int uart_put(char c, FILE* f) {
    (void)f;
    vp_uart_putc(c);
    return (unsigned char)c;
}

static int uart_get(FILE* f) {
    (void)f;
    return EOF;
}

static FILE s_uart_file = FDEV_SETUP_STREAM(uart_put, uart_get, NULL, _FDEV_SETUP_RW);

FILE* const stdin = &s_uart_file;
FILE* const stdout = &s_uart_file;
FILE* const stderr = &s_uart_file;

void _exit(int status) {
    vp_syscon_exit(status);
}
