/* Semihosting console and exit status: prints to stdout and stderr and
 * exits with the status given at build time (EXIT_STATUS). */
#include <stdio.h>
#include <stdlib.h>

#ifndef EXIT_STATUS
#define EXIT_STATUS 0
#endif

int main(void) {
    printf("hello from rv32imc: %d %s\n", 42, "semihosting");
    fputs("to stderr\n", stderr);
    putchar('x');
    putchar('\n');
    fflush(stdout);
    return EXIT_STATUS;
}
